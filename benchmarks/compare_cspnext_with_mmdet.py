"""CSPNeXt side by side with mmdet 3.3.0's (RTMPose-t/s/m backbone settings).

mmdet runs in .venv-mmpose (benchmarks/mmpose_reference/run_mmdet_cspnext.py);
this project's CSPNeXt here. Per case, compared:

- the state dict's keys and shapes;
- the initial weights: both built and ``init_weights()``-ed after the same
  ``torch.manual_seed`` (default Kaiming init_cfg), so equal creation order and
  init give bit-identical weights;
- the outputs of every stage (out_indices 0-4) on a fixed input, in eval mode
  and in one train-mode forward, with mmdet's weights (random BatchNorm
  parameters and statistics) loaded into ours, and the running statistics that
  train-mode forward updated (BN momentum 0.03, eps 0.001).

    python benchmarks/compare_cspnext_with_mmdet.py [--json OUT] [--cases t,s,m]
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import tempfile

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
REFERENCE_RUNNER = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'run_mmdet_cspnext.py')
RTMPOSE_COMMON = dict(arch='P5', out_indices=[0, 1, 2, 3, 4], expand_ratio=0.5, channel_attention=True,
                      act_cfg=dict(type='SiLU'))
# RTMPose-t/s/m backbones (mmpose's configs/face_2d_keypoint/rtmpose): deepen_factor, widen_factor
CASES = {'t': dict(deepen_factor=0.167, widen_factor=0.375), 's': dict(deepen_factor=0.33, widen_factor=0.5),
         'm': dict(deepen_factor=0.67, widen_factor=0.75)}
SEED = 0
INPUT_SHAPE = [2, 3, 64, 64]


def max_difference(ours, theirs) -> float:
    return max(float((a.double() - b.double()).abs().max()) for a, b in zip(ours, theirs))


def our_side(case: str, kwargs: dict, reference: dict) -> dict:
    from mmpose_face.models.backbones.cspnext import CSPNeXt
    torch.manual_seed(SEED)
    model = CSPNeXt(**kwargs)
    model.init_weights()
    ours_init = model.state_dict()
    theirs_init = reference['init']
    shapes_match = ({k: tuple(v.shape) for k, v in ours_init.items()}
                    == {k: tuple(v.shape) for k, v in theirs_init.items()})
    keys_in_order = list(ours_init) == list(theirs_init)
    init_difference = (max_difference([ours_init[k] for k in theirs_init], theirs_init.values())
                       if shapes_match else None)
    model.load_state_dict(reference['weights'], strict=True)
    image = torch.randn(*INPUT_SHAPE, generator=torch.Generator().manual_seed(SEED + 1))
    with torch.no_grad():
        evaluated = model.eval()(image)
        trained = model.train()(image)
    after = model.state_dict()
    running = [k for k in after if k.endswith(('running_mean', 'running_var'))]
    return dict(case=case, settings=kwargs, keys_and_shapes_match=shapes_match, keys_in_same_order=keys_in_order,
                num_keys=len(ours_init), num_parameters=sum(p.numel() for p in model.parameters()),
                mmdet_num_parameters=reference['num_parameters'],
                init_max_abs_difference=init_difference,
                output_shapes=[list(t.shape) for t in evaluated],
                eval_max_abs_difference=max_difference(evaluated, reference['eval']),
                train_max_abs_difference=max_difference(trained, reference['train']),
                running_stats_max_abs_difference=max_difference([after[k] for k in running],
                                                                [reference['after_train'][k] for k in running]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--cases', default='t,s,m', help='comma-separated of ' + ','.join(CASES))
    parser.add_argument('--mmpose-python', default=REFERENCE_PYTHON)
    args = parser.parse_args()
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='WARNING')  # not init_weights' per-parameter report
    cases = {name: dict(RTMPOSE_COMMON, **CASES[name]) for name in args.cases.split(',')}
    with tempfile.TemporaryDirectory() as work:
        job_file, out_file = osp.join(work, 'job.json'), osp.join(work, 'mmdet.pth')
        with open(job_file, 'w') as f:
            json.dump(dict(cases=cases, seed=SEED, input_shape=INPUT_SHAPE), f)
        completed = subprocess.run([args.mmpose_python, REFERENCE_RUNNER, job_file, out_file],
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            sys.exit(f'the mmdet side failed:\n{completed.stderr[-3000:]}')
        reference = torch.load(out_file, weights_only=True)
        results = [our_side(name, kwargs, reference[name]) for name, kwargs in cases.items()]
    for row in results:
        print(f"RTMPose-{row['case']} backbone: {row['num_parameters']:,} parameters "
              f"(mmdet {row['mmdet_num_parameters']:,}), "
              f"keys/shapes match {row['keys_and_shapes_match']}, init diff {row['init_max_abs_difference']}, "
              f"eval diff {row['eval_max_abs_difference']:.2e}, train diff {row['train_max_abs_difference']:.2e}, "
              f"running stats diff {row['running_stats_max_abs_difference']:.2e}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(torch=torch.__version__, cases=results), f, indent=1)


if __name__ == '__main__':
    main()
