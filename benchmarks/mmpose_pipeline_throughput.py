"""mmpose 1.3.2's WFLW train and val pipelines, samples/s on one CPU core.

Run with the reference environment's Python (benchmarks/mmpose_reference/
setup_env.sh builds it); benchmarks/run_benchmarks.py starts it as a
subprocess so that both sides are measured in the same run::

    .venv-mmpose/bin/python benchmarks/mmpose_pipeline_throughput.py \\
        --data-root tests/data --ann-file test_wflw.json --repeats 5

Uses mmpose's own config (``td-reg_res50_8xb64-210e_wflw-256x256.py`` from
the installed package) and measures its training and validation sets as
its data loader consumes them: ``dataset[i]`` of the ``WFLWDataset`` built
with the config's pipeline under ``init_default_scope('mmpose')`` (a copy
of the item, every transform, packing); every sample decodes its
photograph, as mmpose's loader workers do. Prints one JSON object. Imports
only mmpose (never mmpose_face).
"""
import argparse
import json
import os.path as osp
import sys
import warnings

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from timing import cpu_model, rates, single_core, summary  # noqa: E402

single_core()
warnings.filterwarnings('ignore')

MMPOSE_CONFIG = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='tests/data')
    parser.add_argument('--ann-file', default='test_wflw.json')
    parser.add_argument('--img-prefix', default='', help="data_prefix['img'] (the converter's layout: 'images/')")
    parser.add_argument('--pipelines', default='train,val', help='which of train, val to measure')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--passes', type=int, default=10, help='passes over the faces per repeat')
    args = parser.parse_args()

    import mmpose
    import numpy as np
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    config = Config.fromfile(osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', MMPOSE_CONFIG))
    init_default_scope('mmpose')
    import mmpose.datasets.transforms  # noqa: F401  (registers the transforms)
    out = dict(mmpose=mmpose.__version__, config=MMPOSE_CONFIG, cpu=cpu_model(), threads=1)
    pipelines = (('train', config.train_dataloader.dataset.pipeline), ('val', config.val_dataloader.dataset.pipeline))
    for name, pipeline in [(name, pipeline) for name, pipeline in pipelines if name in args.pipelines.split(',')]:
        dataset = DATASETS.build(dict(type='WFLWDataset', data_root=args.data_root, ann_file=args.ann_file,
                                      data_prefix=dict(img=args.img_prefix), data_mode='topdown', test_mode=name == 'val',
                                      pipeline=pipeline))
        np.random.seed(0)

        def run_once(dataset=dataset):
            for _ in range(args.passes):
                for index in range(len(dataset)):
                    dataset[index]

        measured = rates(run_once, args.passes * len(dataset), args.repeats)
        out[f'{name}_pipeline'] = dict(summary(measured), faces=len(dataset), steps=[step['type'] for step in pipeline],
                                       measured_as='dataset[i]')
    print(json.dumps(out))


if __name__ == '__main__':
    main()
