"""The mmdet 3.3.0 side of benchmarks/compare_cspnext_with_mmdet.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/run_mmdet_cspnext.py JOB.json OUT.pth

JOB.json: {"cases": {name: CSPNeXt kwargs}, "seed": int, "input_shape": [B, 3, H, W]}.
For each case, with the job's seed: mmdet's CSPNeXt is built and ``init_weights()``
run (its default Kaiming init_cfg); that state dict is saved as ``init``. Then
every BatchNorm gets random weight, bias and running statistics (a fixed
generator) so that the comparison exercises them, and saved as ``weights``;
``eval`` holds the outputs in eval mode on a fixed input, ``train`` the outputs
of one train-mode forward and ``after_train`` the state dict after it (the
running statistics it updated). Imports only mmdet/mmengine (never mmpose_face).
"""
import json
import sys
import warnings

warnings.filterwarnings('ignore')

import torch  # noqa: E402


def randomise_norms(model: torch.nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                size = module.num_features
                module.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(size, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(size, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(size, generator=generator) + 0.5)


def main(job_file: str, out_file: str) -> None:
    from mmengine.logging import MMLogger
    from mmdet.models.backbones.cspnext import CSPNeXt
    MMLogger.get_instance('mmengine', log_level='WARNING')
    with open(job_file) as f:
        job = json.load(f)
    out = {}
    for case, kwargs in job['cases'].items():
        torch.manual_seed(job['seed'])
        model = CSPNeXt(**kwargs)
        model.init_weights()
        init = {key: value.clone() for key, value in model.state_dict().items()}
        randomise_norms(model, job['seed'])
        weights = {key: value.clone() for key, value in model.state_dict().items()}
        image = torch.randn(*job['input_shape'], generator=torch.Generator().manual_seed(job['seed'] + 1))
        with torch.no_grad():  # (mmdet's CSPNeXt.train returns None, so no chaining)
            model.eval()
            evaluated = [t.clone() for t in model(image)]
            model.train()
            trained = [t.clone() for t in model(image)]
        out[case] = dict(init=init, weights=weights, eval=evaluated, train=trained,
                         after_train={key: value.clone() for key, value in model.state_dict().items()},
                         num_parameters=sum(p.numel() for p in model.parameters()))
    torch.save(out, out_file)


if __name__ == '__main__':
    main(*sys.argv[1:3])
