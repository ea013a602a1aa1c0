"""AutocastOptimWrapper: the forward in bf16, the parameters in fp32, no loss scaler."""
import torch


def test_autocast_optim_wrapper_runs_the_forward_in_bf16_without_a_scaler():
    from mmpose_face.engine import AutocastOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        output = model(torch.ones(3, 4))
    assert output.dtype == torch.bfloat16 and model.weight.dtype == torch.float32
    before = model.weight.detach().clone()
    wrapper.update_params(output.float().pow(2).mean())
    assert not torch.equal(before, model.weight) and not hasattr(wrapper, 'loss_scaler')
    with AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              enabled=False).optim_context(model):
        assert model(torch.ones(3, 4)).dtype == torch.float32
