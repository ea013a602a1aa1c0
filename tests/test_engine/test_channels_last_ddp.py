"""ChannelsLastDistributedDataParallel: the module is channels-last before DDP builds its gradient buckets."""
import torch


def test_channels_last_ddp_converts_the_module_before_building_buckets(tmp_path):
    import warnings

    import torch.distributed as dist

    from mmpose_face.engine import ChannelsLastDistributedDataParallel
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "rendezvous"}', rank=0, world_size=1)
    try:
        module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 2, 3))
        wrapped = ChannelsLastDistributedDataParallel(module=module, device_ids=None)
        assert module[1].weight.is_contiguous(memory_format=torch.channels_last)
        inputs = torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # "Grad strides do not match bucket view strides"
            wrapped(inputs).sum().backward()
    finally:
        dist.destroy_process_group()
