"""RTMPose, same config and weights: mmpose 1.3.2 and mmpose_face predict, score and lose the same.

    bash benchmarks/mmpose_reference/setup_env.sh      # once: .venv-mmpose/
    .venv/bin/python benchmarks/compare_rtmpose_with_mmpose.py [--model wflw face6-t ...] [--mmpose-file]
        [--no-test-loop] [--json OUT]

mmpose builds its own RTMPose config (the file its wheel ships) with its own
initialisation, every parameter perturbed by N(0, 0.01) so that the outputs
vary across faces and points, and writes the weights as a released
checkpoint is written (``meta`` + ``state_dict``). The file is then named as
its release is (``RELEASED_NAMES``, from mmpose's metafiles), the hash part
of the name being the file's own SHA-256 prefix: our loader must load it
hash-checked and weights-only, and refuse it under the real release's name.
Our side loads that file unchanged into the config of the same name shipped
here (or, ``--mmpose-file``, mmpose's own file with only ``default_scope``
overridden), then both sides:

- predict the faces of the two real photos in tests/data with
  ``inference_topdown``, flip test on and off: keypoints (image pixels) and
  ``keypoint_scores`` (the SimCC maxima);
- our ONNX Runtime backend (the inferencer's default) predicts them too, and
  ``FaceLandmarkInferencer`` on a local config file + the checkpoint (flip
  test on); the ONNX export is checked against our PyTorch path (on these
  faces, in pixels and scores, and ``export_onnx``'s own check on random crops);
- compute ``model.loss`` on one batch of the val pipeline + GenerateTarget;
- run the test loop (mmpose's ``Runner.test``, our ``tools/test.py``) on a
  WFLW-layout file (tests/data) or a LaPa-layout file (a synthetic LaPa
  release converted by our converter) and report the NME (``--no-test-loop``
  skips this step).

Tolerances (the issue's): keypoints 1e-4 px, scores 1e-4, loss 1e-6
relative, the same NME. Exit code 1 when one is exceeded. Needs the RTMPose parts (CSPNeXt,
RTMCCHead, SimCCLabel, KLDiscretLoss) of this package.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
REFERENCE_RUNNER = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'run_mmpose_rtmpose.py')
DATA_ROOT = osp.join(REPO_ROOT, 'tests', 'data')
MODELS = {  # name: (config relative to configs/ and to mmpose's .mim/configs, the test file's layout)
    'wflw': ('face_2d_keypoint/rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py', 'wflw'),
    'lapa': ('face_2d_keypoint/rtmpose/lapa/rtmpose-m_8xb64-120e_lapa-256x256.py', 'lapa'),
    'face6-m': ('face_2d_keypoint/rtmpose/face6/rtmpose-m_8xb256-120e_face6-256x256.py', 'lapa'),
    'face6-s': ('face_2d_keypoint/rtmpose/face6/rtmpose-s_8xb256-120e_face6-256x256.py', 'lapa'),
    'face6-t': ('face_2d_keypoint/rtmpose/face6/rtmpose-t_8xb256-120e_face6-256x256.py', 'lapa'),
}
# the released files' names, as mmpose's metafiles (rtmpose_wflw.yml, rtmpose_face6.yml) give them
RELEASED_NAMES = {
    'wflw': 'rtmpose-m_simcc-wflw_pt-aic-coco_60e-256x256-dc1dcdcf_20230228.pth',
    'face6-m': 'rtmpose-m_simcc-face6_pt-in1k_120e-256x256-72a37400_20230529.pth',
    'face6-s': 'rtmpose-s_simcc-face6_pt-in1k_120e-256x256-d779fdef_20230529.pth',
    'face6-t': 'rtmpose-t_simcc-face6_pt-in1k_120e-256x256-df79d9a5_20230529.pth',
}
# no download (the backbone's ImageNet / AIC-COCO weights): both sides start from their own init
CFG_OPTIONS = {'model.backbone.init_cfg': None}
TOLERANCE_PX, SCORE_TOLERANCE, LOSS_RTOL = 1e-4, 1e-4, 1e-6


def wflw_cases() -> list:
    with open(osp.join(DATA_ROOT, 'test_wflw.json')) as f:
        annotations = json.load(f)
    cases = []
    for image in annotations['images']:
        boxes = [a['bbox'] for a in annotations['annotations'] if a['image_id'] == image['id']]
        cases.append(dict(img=osp.join(DATA_ROOT, image['file_name']), bboxes=boxes))
    return cases


def lapa_test_file(work: str) -> dict:
    """A small synthetic LaPa release converted by our converter: (data_root, ann_file)."""
    from mmpose_face.data_preparation.lapa_release_converter import convert_lapa
    from mmpose_face.data_preparation.synthetic.synthetic_benchmark_release import make_synthetic_face_dataset
    release, converted = osp.join(work, 'lapa_release'), osp.join(work, 'lapa')
    make_synthetic_face_dataset(release, 'lapa', num_train=1, num_test=4, seed=0)
    convert_lapa(release, converted)
    return dict(data_root=converted, ann_file='annotations/lapa_test.json', dataset_type='LapaDataset')


def our_predictions(config: str, checkpoint: str, cases: list, flip_tests, options: dict, work: str) -> dict:
    from mmpose_face.apis import inference_topdown, init_model
    from mmpose_face.apis.predictor import build_predictor
    out = {}
    model = init_model(config, checkpoint, cfg_options=options)
    for flip in flip_tests:
        model.test_cfg['flip_test'] = bool(flip)
        for index, case in enumerate(cases):
            samples = inference_topdown(model, case['img'], np.array(case['bboxes']), 'xywh')
            out[f'pred/flip{int(flip)}/{index}'] = np.concatenate([s.pred_instances.keypoints for s in samples])
            out[f'score/flip{int(flip)}/{index}'] = np.concatenate(
                [s.pred_instances.keypoint_scores for s in samples])
        fast = build_predictor(model, checkpoint, backend='onnxruntime', flip_test=bool(flip))
        for index, case in enumerate(cases):
            faces = fast.predict(case['img'], np.array(case['bboxes']), 'xywh')
            out[f'onnx/flip{int(flip)}/{index}'] = np.asarray(faces.keypoints, np.float64)
            out[f'onnxscore/flip{int(flip)}/{index}'] = np.asarray(faces.keypoint_scores, np.float64)
    out['state_dict_shapes'] = {key: list(value.shape) for key, value in model.state_dict().items()}
    out['export_check'] = our_export_check(model, work, [True])  # the inferencer's setting
    return out


def as_released_file(checkpoint: str, released_name: str, work: str):
    """mmpose's file under its release's name, the name's hash part made the file's own SHA-256 prefix.

    Our loader (``safe_torch_load``: hash in the name checked, then weights-only
    unpickling) must load it, and refuse the same file under the real release's
    name (whose hash is another file's). -> (the renamed path, a report).
    """
    from mmpose_face.checkpoint_download import expected_hash_prefix
    from mmpose_face.engine.checkpoint_loading import safe_torch_load
    from mmpose_face.errors import CheckpointHashError
    from mmpose_face.fileio import sha256_file
    released_prefix = expected_hash_prefix(released_name)
    digest = sha256_file(checkpoint)
    named = osp.join(osp.dirname(checkpoint), released_name.replace(f'-{released_prefix}', f'-{digest[:8]}', 1))
    os.replace(checkpoint, named)
    loaded = safe_torch_load(named, trusted=False, skip_hash_check=False)
    wrong_folder = osp.join(work, 'wrong_hash')
    os.makedirs(wrong_folder, exist_ok=True)
    wrong = osp.join(wrong_folder, released_name)
    os.link(named, wrong)
    try:
        safe_torch_load(wrong, trusted=False, skip_hash_check=False)
        refusal = None
    except CheckpointHashError as error:
        refusal = str(error)
    return named, dict(checkpoint_name=osp.basename(named), sha256=digest, released_name=released_name,
                       weights_only_keys=sorted(loaded), num_tensors=len(loaded['state_dict']),
                       wrong_hash_refused=refusal is not None and digest[:8] != released_prefix,
                       wrong_hash_message=refusal)


def our_export_check(model, work: str, flip_tests) -> dict:
    """Our ONNX export (with each flip setting given) against our PyTorch predict path on random crops:
    the largest difference of keypoints (normalised to the crop) and scores, per flip setting."""
    from mmpose_face.apis.onnx_export import export_onnx
    out = {}
    for flip in flip_tests:
        out[f'flip{int(flip)}'] = export_onnx(model, osp.join(work, f'export_flip{int(flip)}.onnx'), flip_test=flip)
    return out


def our_inferencer_predictions(config: str, checkpoint: str, cases: list, options: dict, work: str,
                               threads: int) -> dict:
    """``FaceLandmarkInferencer`` (its default backend, ONNX Runtime) on a local config file (the
    config with ``options``, dumped) and the checkpoint, the faces given as boxes (xyxy)."""
    from mmengine.config import Config

    from mmpose_face.apis.inferencer import FaceLandmarkInferencer
    from mmpose_face.installation import find_config
    cfg = Config.fromfile(find_config(config))
    cfg.merge_from_dict(options)
    local_config = osp.join(work, 'local_rtmpose_config.py')
    cfg.dump(local_config)
    inferencer = FaceLandmarkInferencer(local_config, checkpoint, num_threads=threads,
                                        det_model=lambda image: (np.zeros((0, 4), np.float32), np.zeros(0)))
    out = {}
    for index, case in enumerate(cases):
        boxes = np.array(case['bboxes'], np.float64)
        boxes[:, 2:] += boxes[:, :2]
        faces = next(inferencer(case['img'], bboxes=boxes))['predictions'][0]
        out[f'inferencer/flip1/{index}'] = np.array([face['keypoints'] for face in faces])
        out[f'inferencerscore/flip1/{index}'] = np.array([face['keypoint_scores'] for face in faces])
    return out


def our_loss(config: str, checkpoint: str, spec: dict, options: dict) -> dict:
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from mmpose_face.apis import init_model
    from mmpose_face.installation import find_config
    from mmpose_face.registry import DATASETS
    cfg = Config.fromfile(find_config(config))
    cfg.merge_from_dict(options)
    model = init_model(cfg, checkpoint)
    pipeline = [step for step in cfg.val_dataloader.dataset.pipeline if step['type'] != 'PackPoseInputs']
    pipeline += [dict(type='GenerateTarget', encoder=cfg.codec), dict(type='PackPoseInputs')]
    dataset = DATASETS.build(dict(type=spec['dataset_type'], data_root=spec['data_root'], ann_file=spec['ann_file'],
                                  data_prefix=dict(img=''), data_mode='topdown', test_mode=True, pipeline=pipeline))
    batch = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]), training=False)
    with torch.no_grad():
        losses = model.loss(batch['inputs'], batch['data_samples'])
    return {f'loss/{key}': float(value) for key, value in losses.items()}


def our_test_nme(config: str, checkpoint: str, spec: dict, work: str, options: dict) -> dict:
    """Our tools/test.py on the file, as a user runs it: the config (with ``options`` but
    ``default_scope``, given on the command line) dumped to a local test-only file whose test
    set is that file alone with the val pipeline (Face6's test set is a CombinedDataset of six)."""
    from mmengine.config import Config

    from mmpose_face.installation import find_config
    cfg = Config.fromfile(find_config(config))
    cfg.merge_from_dict({k: v for k, v in options.items() if k != 'default_scope'})
    # a test-only file: the training settings go (Face6's training mix also names HalpeDataset)
    cfg.train_dataloader = cfg.train_cfg = cfg.optim_wrapper = cfg.param_scheduler = None
    cfg.test_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset = dict(type=spec['dataset_type'], data_root=spec['data_root'],
                                       ann_file=spec['ann_file'], data_prefix=dict(img=''), data_mode='topdown',
                                       test_mode=True, pipeline=cfg.val_dataloader.dataset.pipeline)
    local_config = osp.join(work, 'local_test_config.py')
    cfg.dump(local_config)
    out = osp.join(work, 'our_metrics.json')
    scope = [f'default_scope={options["default_scope"]}'] if 'default_scope' in options else []
    process = subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'test.py'), local_config, checkpoint,
                              '--work-dir', osp.join(work, 'ours'), '--out', out]
                             + (['--cfg-options', *scope] if scope else []),
                             cwd=REPO_ROOT, capture_output=True, text=True)
    if process.returncode != 0:
        raise SystemExit(f'our tools/test.py failed:\n{(process.stdout + process.stderr)[-3000:]}')
    with open(out) as f:
        return json.load(f)


def mmpose_config_file(relative: str) -> str:
    """mmpose's own file of that name, in .venv-mmpose's mmpose wheel."""
    found = subprocess.run([REFERENCE_PYTHON, '-c', 'import mmpose, os.path as p; print(p.dirname(mmpose.__file__))'],
                           capture_output=True, text=True, check=True).stdout.strip()
    return osp.join(found, '.mim', 'configs', relative)


def compare(name: str, threads: int, mmpose_file: bool, test_loop: bool = True) -> dict:
    relative, layout = MODELS[name]
    # ours: the config shipped here, or (mmpose_file) mmpose's own file as its wheel ships it
    config = mmpose_config_file(relative) if mmpose_file else osp.join(REPO_ROOT, 'configs', relative)
    with tempfile.TemporaryDirectory() as work:
        spec = (dict(data_root=DATA_ROOT, ann_file='test_wflw.json', dataset_type='WFLWDataset')
                if layout == 'wflw' else lapa_test_file(work))
        cases = wflw_cases() if layout == 'wflw' else None
        if cases is None:  # the LaPa file's faces, by their boxes
            with open(osp.join(spec['data_root'], spec['ann_file'])) as f:
                lapa = json.load(f)
            cases = [dict(img=osp.join(spec['data_root'], image['file_name']),
                          bboxes=[a['bbox'] for a in lapa['annotations'] if a['image_id'] == image['id']])
                     for image in lapa['images']]
        checkpoint = osp.join(work, 'mmpose_random.pth')
        job = dict(config=relative, cfg_options=CFG_OPTIONS, seed=0, perturb_std=0.01, checkpoint=checkpoint,
                   threads=threads, cases=cases, flip_tests=[True, False], loss=spec,
                   test=dict(spec, work_dir=osp.join(work, 'mmpose')) if test_loop else None)
        job_file, reference_file = osp.join(work, 'job.json'), osp.join(work, 'mmpose.npz')
        with open(job_file, 'w') as f:
            json.dump(job, f)
        process = subprocess.run([REFERENCE_PYTHON, REFERENCE_RUNNER, job_file, reference_file],
                                 capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': str(threads)})
        if process.returncode != 0:
            raise SystemExit(f'mmpose side failed:\n{(process.stdout + process.stderr)[-3000:]}')
        reference = dict(np.load(reference_file))
        released = None
        if name in RELEASED_NAMES:  # the file as its release is named, hash-checked and weights-only
            checkpoint, released = as_released_file(checkpoint, RELEASED_NAMES[name], work)
        # mmpose's own file runs here with only its default_scope overridden
        options = dict(CFG_OPTIONS, default_scope='mmpose_face') if mmpose_file else CFG_OPTIONS
        ours = our_predictions(config, checkpoint, cases, job['flip_tests'], options, work)
        ours.update(our_inferencer_predictions(config, checkpoint, cases, options, work, threads))
        ours.update(our_loss(config, checkpoint, spec, options))
        our_metrics = our_test_nme(config, checkpoint, spec, work, options) if test_loop else None
    report = dict(model=name, config=relative, our_config=osp.relpath(config, REPO_ROOT),
                  faces=sum(len(c['bboxes']) for c in cases), released_file=released)
    report['state_dict_keys_equal'] = ours['state_dict_shapes'] == json.loads(str(reference['state_dict_shapes']))
    # ours (published path, ONNX Runtime backend, the inferencer) against mmpose's inference_topdown
    for prefix in ('pred', 'score', 'onnx', 'onnxscore', 'inferencer', 'inferencerscore'):
        key_prefix = 'score' if prefix.endswith('score') else 'pred'
        report[f'max_diff_{prefix}'] = max(
            float(np.abs(ours[key] - reference[key.replace(prefix, key_prefix, 1)]).max())
            for key in ours if key.startswith(prefix + '/'))
    # the export against PyTorch: our ONNX Runtime backend against our published path (pixels, scores),
    # and export_onnx's own check on random crops (normalised keypoints and scores)
    report['max_diff_onnx_vs_pytorch_px'] = max(float(np.abs(ours[key] - ours[key.replace('onnx', 'pred', 1)]).max())
                                                for key in ours if key.startswith('onnx/'))
    report['max_diff_onnx_vs_pytorch_score'] = max(
        float(np.abs(ours[key] - ours[key.replace('onnxscore', 'score', 1)]).max())
        for key in ours if key.startswith('onnxscore/'))
    report['export_check_max_diff'] = ours['export_check']
    report['loss'] = {key: [ours[key], float(reference[key])] for key in ours if key.startswith('loss/')}
    report['max_rel_diff_loss'] = max(abs(a - b) / max(abs(b), 1e-12) for a, b in report['loss'].values())
    if our_metrics is not None:
        mmpose_metrics = json.loads(str(reference['metrics']))
        report['NME'] = dict(mmpose=mmpose_metrics['NME'], ours=our_metrics['NME'])
    nme_equal = our_metrics is None or abs(report['NME']['ours'] - report['NME']['mmpose']) <= 1e-6 * abs(
        report['NME']['mmpose'])
    report['passed'] = bool(
        report['state_dict_keys_equal'] and (released is None or released['wrong_hash_refused'])
        and max(report['max_diff_pred'], report['max_diff_onnx'], report['max_diff_inferencer']) <= TOLERANCE_PX
        and max(report['max_diff_score'], report['max_diff_onnxscore'], report['max_diff_inferencerscore'],
                report['max_diff_onnx_vs_pytorch_score']) <= SCORE_TOLERANCE
        and report['max_diff_onnx_vs_pytorch_px'] <= TOLERANCE_PX
        and max(report['export_check_max_diff'].values()) < 1e-4
        and report['max_rel_diff_loss'] <= LOSS_RTOL and nme_equal)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', nargs='+', default=['wflw', 'face6-t'], choices=sorted(MODELS))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--mmpose-file', action='store_true',
                        help="our side runs mmpose's own config file (as its wheel ships it), not ours")
    parser.add_argument('--no-test-loop', action='store_true',
                        help='skip the test loops (tools/test.py, Runner.test) and their NME')
    parser.add_argument('--json', help='write the reports here')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    reports = [compare(name, args.threads, args.mmpose_file, not args.no_test_loop) for name in args.model]
    for report in reports:
        print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(reports, f, indent=1)
    return 0 if all(r['passed'] for r in reports) else 1


if __name__ == '__main__':
    sys.exit(main())
