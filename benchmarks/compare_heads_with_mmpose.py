"""Same weights, same inputs: the regression-family heads of mmpose 1.3.2 and of mmpose_face agree.

    bash benchmarks/mmpose_reference/setup_env.sh      # once: .venv-mmpose/
    .venv/bin/python benchmarks/compare_heads_with_mmpose.py [--json OUT] [--tolerance 1e-5]

For each head of the family (RLE with Laplace, Gaussian and no residual;
mmpose's IPR config (DSNTHead + SmoothL1 + KeypointMSELoss), DSNT (+ JS
divergence), DSNT with debias and beta 10, a plain IntegralRegressionHead
without deconvolutions; SimpleBaseline's HeatmapHead with MSRAHeatmap, with and without
an intermediate convolution; RTMPose's RTMCCHead + SimCCLabel + KLDiscretLoss as the
face configs set them, and with relative bias, rotary embedding, SiLU, a 3x3 final
layer and a loss mask; the full-size head of mmpose's RTMPose-m WFLW config) it
builds our head from the config, gives it random weights with spread (the
RealNVP flow included, so the flow's maths is
exercised, not only its near-identity start), saves the state dict and has
mmpose build the same config and load it with ``strict=True`` (so the
state-dict keys are mmpose's). Both then run ``forward``, ``loss`` and
``predict`` (flip test off, on, on with heatmap shift) on the same random
features, labels and target heatmaps (98 WFLW points, real flip pairs).
Also encodes random keypoints with IntegralRegressionLabel (biased, unbiased,
sigma 1.5, unnormalised), MSRAHeatmap (biased, unbiased, sigma 1.5) and SimCCLabel
(the face configs', normalised with ratio 1.5, standard smoothing) in both,
and decodes heatmaps with MSRAHeatmap: random ones (some with ties and
non-positive maps) with the quarter-pixel step, noisy Gaussians with DARK
(blur kernels 11 and 3); SimCC vectors with SimCCLabel likewise (arg-max,
with decode_visibility, DARK with sigma 5.66 and 2). Reports the largest differences; exit code 1 when
one is ``--tolerance`` or more (losses: relative; keypoints: in units of the
input size). mmpose runs as a subprocess in its own environment
(benchmarks/mmpose_reference/run_mmpose_heads.py). Small sizes: a few seconds.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import tempfile

import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
REFERENCE_RUNNER = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'run_mmpose_heads.py')

INPUT_SIZE = (64, 64)
HEATMAP_SIZE = (16, 16)
BATCH = 3
CODEC = dict(type='IntegralRegressionLabel', input_size=INPUT_SIZE, heatmap_size=HEATMAP_SIZE,
             sigma=2.0, normalize=True)
DECONV = dict(in_channels=32, in_featuremap_size=(2, 2), num_joints=98,
              deconv_out_channels=(16, 16), deconv_kernel_sizes=(4, 4))
# 2x2 features, two deconvolutions -> 8x8; the codec's maps must be the same size
CODEC_8 = dict(CODEC, heatmap_size=(8, 8))
MSRA_8 = dict(type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(8, 8), sigma=2.0)
SIMCC = dict(type='SimCCLabel', input_size=INPUT_SIZE, sigma=(5.66, 5.66), simcc_split_ratio=2.0,
             normalize=False, use_dark=False)
RTMCC = dict(type='RTMCCHead', in_channels=32, out_channels=98, input_size=INPUT_SIZE, in_featuremap_size=(2, 2),
             simcc_split_ratio=2.0, final_layer_kernel_size=1,
             gau_cfg=dict(hidden_dims=32, s=16, expansion_factor=2, dropout_rate=0., drop_path=0., act_fn='ReLU',
                          use_rel_bias=False, pos_enc=False),
             loss=dict(type='KLDiscretLoss', use_target_weight=True, beta=10., label_softmax=True),
             decoder=SIMCC)
HEATMAP = dict(type='HeatmapHead', in_channels=32, out_channels=98, deconv_out_channels=(16, 16),
               deconv_kernel_sizes=(4, 4), decoder=MSRA_8)
CASES = {
    'rle_laplace': dict(type='RLEHead', in_channels=32, num_joints=98,
                        loss=dict(type='RLELoss', use_target_weight=True),
                        decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)),
    'rle_gaussian_sum': dict(type='RLEHead', in_channels=32, num_joints=98,
                             loss=dict(type='RLELoss', use_target_weight=True,
                                       q_distribution='gaussian', size_average=False),
                             decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)),
    'rle_no_residual': dict(type='RLEHead', in_channels=32, num_joints=98,
                            loss=dict(type='RLELoss', use_target_weight=True, residual=False),
                            decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)),
    'ipr_mse': dict(type='DSNTHead', **DECONV, decoder=CODEC_8, loss=dict(
        type='MultipleLossWrapper', losses=[dict(type='SmoothL1Loss', use_target_weight=True),
                                            dict(type='KeypointMSELoss', use_target_weight=True)])),
    'dsnt_js': dict(type='DSNTHead', **DECONV, decoder=CODEC_8),
    'dsnt_debias_beta10': dict(type='DSNTHead', **DECONV, debias=True, beta=10., decoder=CODEC_8),
    'integral_no_deconv': dict(type='IntegralRegressionHead', in_channels=32,
                               in_featuremap_size=(16, 16), num_joints=98,
                               deconv_out_channels=None, decoder=CODEC),
    'heatmap_msra': HEATMAP,
    'heatmap_msra_conv': dict(HEATMAP, conv_out_channels=(16,), conv_kernel_sizes=(3,)),
    # RTMPose's face configs: unnormalised Gaussians of sigma 5.66 bins, KL with beta 10 and label softmax
    'rtmcc': RTMCC,
    'rtmcc_rel_bias_rope_silu': dict(RTMCC, final_layer_kernel_size=3,
                                     gau_cfg=dict(RTMCC['gau_cfg'], act_fn='SiLU', use_rel_bias=True, pos_enc=True),
                                     loss=dict(type='KLDiscretLoss', use_target_weight=True, mask=[0, 33],
                                               mask_weight=0.5),
                                     decoder=dict(SIMCC, sigma=3.0, normalize=True)),
    # full size: the head of mmpose's rtmpose-m_8xb64-60e_wflw-256x256 (CSPNeXt-m's 768 channels at 8 x 8)
    'rtmcc_wflw_m_256': dict(RTMCC, in_channels=768, input_size=(256, 256), in_featuremap_size=(8, 8),
                             final_layer_kernel_size=7,
                             gau_cfg=dict(RTMCC['gau_cfg'], hidden_dims=256, s=128, act_fn='SiLU'),
                             decoder=dict(SIMCC, input_size=(256, 256))),
}
FEATURE_MAP_SIZE = {'HeatmapHead': (2, 2)}  # (w, h); the integral heads say theirs
TEST_CFGS = {'flip0': dict(flip_test=False),
             'flip1': dict(flip_test=True, shift_coords=True),
             'flip1_shift_heatmap': dict(flip_test=True, shift_coords=True, shift_heatmap=True)}
CODECS = {'biased_sigma2': CODEC,
          'unbiased_sigma2': dict(CODEC, unbiased=True),
          'biased_sigma1.5': dict(CODEC, sigma=1.5),
          'unnormalised': dict(CODEC, normalize=False),
          'msra_sigma2': dict(MSRA_8, heatmap_size=HEATMAP_SIZE),
          'msra_unbiased': dict(MSRA_8, heatmap_size=HEATMAP_SIZE, unbiased=True),
          'msra_sigma1.5': dict(MSRA_8, heatmap_size=HEATMAP_SIZE, sigma=1.5),
          'simcc_face': SIMCC,
          'simcc_normalised_sigma2_ratio1.5': dict(SIMCC, sigma=2.0, normalize=True, simcc_split_ratio=1.5),
          'simcc_standard_smoothed': dict(SIMCC, smoothing_type='standard', label_smooth_weight=0.1)}
# name -> (codec, the INPUTS arrays it decodes: one per argument of decode): DARK's Taylor step gets
# heatmap-like maps, since on
# noise its hessian is near singular and float32 rounding moves the points by 1e-4 of their
# (far-off) offsets
DECODERS = {'msra_sigma2': dict(codec=CODECS['msra_sigma2'], heatmaps='decode_heatmaps'),
            'msra_unbiased': dict(codec=CODECS['msra_unbiased'], heatmaps='decode_gaussians'),
            'msra_unbiased_blur3': dict(codec=dict(CODECS['msra_unbiased'], blur_kernel_size=3),
                                        heatmaps='decode_gaussians'),
            # SimCC: random vectors (ties, non-positive maxima) arg-max, DARK on noisy Gaussians
            'simcc_argmax': dict(codec=SIMCC, inputs=['decode_simcc_x', 'decode_simcc_y']),
            'simcc_visibility': dict(codec=dict(SIMCC, decode_visibility=True),
                                     inputs=['decode_simcc_x', 'decode_simcc_y']),
            'simcc_dark': dict(codec=dict(SIMCC, use_dark=True), inputs=['decode_simcc_gx', 'decode_simcc_gy']),
            'simcc_dark_sigma2': dict(codec=dict(SIMCC, use_dark=True, sigma=2.0),
                                      inputs=['decode_simcc_gx', 'decode_simcc_gy'])}


def spread_weights(head: torch.nn.Module, seed: int) -> dict:
    """Random weights whose outputs vary from point to point and face to face
    (BatchNorm statistics too); the fixed linspace grids are kept."""
    generator = torch.Generator().manual_seed(seed)
    state = head.state_dict()
    for key, value in state.items():
        if not value.is_floating_point() or 'linspace' in key or key.endswith(('loc', 'cov', 'mask')):
            continue
        if key.endswith(('.g', 'res_scale.scale')):  # RTMCC's ScaleNorm gains and residual scale
            state[key] = 0.5 + torch.rand(value.shape, generator=generator)
        elif key.endswith('running_var') or (value.ndim == 1 and 'deconv_layers' in key and key.endswith('weight')):
            state[key] = 0.5 + torch.rand(value.shape, generator=generator)
        elif value.ndim == 1:
            state[key] = 0.1 * torch.randn(value.shape, generator=generator)
        else:
            fan_in = value[0].numel() if 'deconv' not in key else value.shape[0] * value[0, 0].numel()
            state[key] = torch.randn(value.shape, generator=generator) * (1.5 / fan_in ** 0.5)
    return state


def make_inputs(flip_indices, seed: int = 0) -> dict:
    from mmpose_face.registry import KEYPOINT_CODECS
    rng = np.random.default_rng(seed)
    k = len(flip_indices)
    labels = rng.uniform(-0.1, 1.1, (BATCH, k, 2)).astype(np.float32)
    weights = (rng.uniform(size=(BATCH, k)) > 0.2).astype(np.float32)
    inputs = dict(keypoint_labels=labels, keypoint_weights=weights)
    for case, cfg in CASES.items():
        if cfg['type'] == 'RLEHead':
            shape = (BATCH, cfg['in_channels'])
        else:
            featuremap_size = cfg.get('in_featuremap_size', FEATURE_MAP_SIZE.get(cfg['type']))
            shape = (BATCH, cfg['in_channels'], *featuremap_size[::-1])
        inputs[f'feats/{case}'] = rng.normal(size=shape).astype(np.float32)
        inputs[f'feats_flipped/{case}'] = rng.normal(size=shape).astype(np.float32)
        if cfg['type'] == 'RTMCCHead':
            codec = KEYPOINT_CODECS.build(cfg['decoder'])
            encoded = codec.encode(labels * np.array(codec.input_size, np.float32), weights)
            inputs[f'simcc_x/{case}'], inputs[f'simcc_y/{case}'] = (encoded['keypoint_x_labels'],
                                                                    encoded['keypoint_y_labels'])
        elif cfg['type'] != 'RLEHead':
            codec = KEYPOINT_CODECS.build(cfg['decoder'])
            inputs[f'heatmaps/{case}'] = np.stack([
                codec.encode(labels[i:i + 1] * np.array(INPUT_SIZE, np.float32), weights[i:i + 1])['heatmaps']
                for i in range(BATCH)])
    # codec points: inside, on the border and outside the crop, some at exact half pixels
    points = rng.uniform(-10, INPUT_SIZE[0] + 10, (6, 1, k, 2)).astype(np.float32)
    points[0] = np.round(points[0] * 2) / 2
    inputs['codec_keypoints'] = points
    inputs['codec_visible'] = (rng.uniform(size=(6, 1, k)) > 0.15).astype(np.float32)
    # heatmaps to decode: random; half-step values (ties); one face with non-positive maps
    heatmaps = rng.normal(size=(4, k, *HEATMAP_SIZE[::-1])).astype(np.float32)
    heatmaps[1] = np.round(heatmaps[1] * 2) / 2
    heatmaps[2, :10] = -np.abs(heatmaps[2, :10])
    inputs['decode_heatmaps'] = heatmaps
    gaussians = KEYPOINT_CODECS.build(CODECS['msra_unbiased'])
    inputs['decode_gaussians'] = np.stack([
        gaussians.encode(inputs['codec_keypoints'][n], np.ones((1, k), np.float32))['heatmaps']
        + rng.normal(0, 0.02, (k, *HEATMAP_SIZE[::-1])).astype(np.float32) for n in range(4)])
    # SimCC vectors to decode, one face (1, K, W) per call: random, with half-step values (ties) and
    # non-positive maxima; noisy Gaussians for DARK
    simcc = KEYPOINT_CODECS.build(SIMCC)
    bins_x, bins_y = simcc.simcc_size
    vectors_x = rng.normal(size=(4, 1, k, bins_x)).astype(np.float32)
    vectors_y = rng.normal(size=(4, 1, k, bins_y)).astype(np.float32)
    vectors_x[1] = np.round(vectors_x[1] * 2) / 2
    vectors_y[2, :, :10] = -np.abs(vectors_y[2, :, :10])
    inputs['decode_simcc_x'], inputs['decode_simcc_y'] = vectors_x, vectors_y
    gaussians = [simcc.encode(inputs['codec_keypoints'][n], np.ones((1, k), np.float32)) for n in range(4)]
    inputs['decode_simcc_gx'] = np.stack([g['keypoint_x_labels'] for g in gaussians]) + rng.normal(
        0, 0.02, vectors_x.shape).astype(np.float32)
    inputs['decode_simcc_gy'] = np.stack([g['keypoint_y_labels'] for g in gaussians]) + rng.normal(
        0, 0.02, vectors_y.shape).astype(np.float32)
    return inputs


def run_ours(job: dict, inputs: dict) -> dict:
    from mmengine.structures import InstanceData, PixelData

    import mmpose_face.codecs  # noqa: F401
    import mmpose_face.models  # noqa: F401
    from mmpose_face.registry import KEYPOINT_CODECS, MODELS
    from mmpose_face.structures import PoseDataSample
    out = {}
    for case, spec in job['cases'].items():
        head = MODELS.build(spec['head'])
        head.load_state_dict(torch.load(spec['state_dict']), strict=True)
        head.eval()
        samples = []
        for i in range(BATCH):
            sample = PoseDataSample(metainfo=dict(flip_indices=job['flip_indices'],
                                                  input_size=tuple(job['input_size'])))
            sample.gt_instance_labels = InstanceData(
                keypoint_labels=torch.from_numpy(inputs['keypoint_labels'][i:i + 1]),
                keypoint_weights=torch.from_numpy(inputs['keypoint_weights'][i:i + 1]))
            if f'heatmaps/{case}' in inputs:
                sample.gt_fields = PixelData(heatmaps=torch.from_numpy(inputs[f'heatmaps/{case}'][i]))
            if f'simcc_x/{case}' in inputs:
                sample.gt_instance_labels.keypoint_x_labels = torch.from_numpy(inputs[f'simcc_x/{case}'][i:i + 1])
                sample.gt_instance_labels.keypoint_y_labels = torch.from_numpy(inputs[f'simcc_y/{case}'][i:i + 1])
            samples.append(sample)
        feats = (torch.from_numpy(inputs[f'feats/{case}']),)
        feats_flipped = (torch.from_numpy(inputs[f'feats_flipped/{case}']),)
        with torch.no_grad():
            outputs = head.forward(feats)
            for i, value in enumerate(outputs if isinstance(outputs, tuple) else (outputs,)):
                out[f'forward/{case}/{i}'] = value.numpy()
            for key, value in head.loss(feats, samples).items():
                out[f'loss/{case}/{key}'] = value.numpy()
            for name, test_cfg in job['test_cfgs'].items():
                both = (feats, feats_flipped) if test_cfg.get('flip_test') else feats
                preds = head.predict(both, samples, test_cfg=test_cfg)
                out[f'pred/{case}/{name}/keypoints'] = np.concatenate([p.keypoints for p in preds])
                out[f'pred/{case}/{name}/scores'] = np.concatenate([p.keypoint_scores for p in preds])
        out[f'state_dict_shapes/{case}'] = json.dumps(
            {k: list(v.shape) for k, v in head.state_dict().items()}, sort_keys=True)
    for name, cfg in job['codecs'].items():
        codec = KEYPOINT_CODECS.build(cfg)
        for n in range(len(inputs['codec_keypoints'])):
            for key, value in codec.encode(inputs['codec_keypoints'][n], inputs['codec_visible'][n]).items():
                out[f'codec/{name}/{n}/{key}'] = value
    for name, spec in job['decoders'].items():
        codec = KEYPOINT_CODECS.build(spec['codec'])
        arrays = [inputs[key] for key in spec.get('inputs', [spec.get('heatmaps')])]
        for n in range(len(arrays[0])):
            keypoints, scores = codec.decode(*(array[n] for array in arrays))
            out[f'decode/{name}/{n}/keypoints'], out[f'decode/{name}/{n}/scores'] = keypoints, np.asarray(scores)
    return out


def compare(ours: dict, reference: dict) -> dict:
    """{key: difference}: losses relative, keypoints / input width, the rest absolute."""
    differences = {}
    for key in sorted(set(ours) | set(reference)):
        if key not in ours or key not in reference:
            differences[f'missing/{key}'] = float('inf')
            continue
        if key.startswith('state_dict_shapes/'):
            differences[key] = 0.0 if json.loads(str(ours[key])) == json.loads(str(reference[key])) else float('inf')
            continue
        a, b = np.asarray(ours[key], np.float64), np.asarray(reference[key], np.float64)
        if a.shape != b.shape:
            differences[key] = float('inf')
        elif key.startswith('loss/'):
            differences[key] = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))
        elif key.endswith('/keypoints'):
            differences[key] = float(np.max(np.abs(a - b))) / INPUT_SIZE[0]
        else:
            differences[key] = float(np.max(np.abs(a - b))) if a.size else 0.0
    return differences


def run_comparison(python: str, workdir: str, tolerance: float) -> dict:
    import mmpose_face.models  # noqa: F401
    from mmpose_face.datasets.dataset_info import load_dataset_info
    from mmpose_face.registry import MODELS
    flip_indices = load_dataset_info(osp.join(REPO_ROOT, 'configs/_base_/datasets/wflw.py'))['flip_indices']
    job = dict(cases={}, test_cfgs=TEST_CFGS, codecs=CODECS, decoders=DECODERS,
               flip_indices=list(flip_indices),
               input_size=list(INPUT_SIZE))
    for seed, (case, cfg) in enumerate(CASES.items()):
        head = MODELS.build(cfg)
        head.load_state_dict(spread_weights(head, seed))
        path = osp.join(workdir, f'{case}.pth')
        torch.save(head.state_dict(), path)
        job['cases'][case] = dict(head=cfg, state_dict=path)
    inputs = make_inputs(flip_indices)
    job_file, inputs_file, out_file = (osp.join(workdir, n) for n in ('job.json', 'inputs.npz', 'mmpose.npz'))
    with open(job_file, 'w') as f:
        json.dump(job, f)
    np.savez(inputs_file, **inputs)
    completed = subprocess.run([python, REFERENCE_RUNNER, job_file, inputs_file, out_file],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise RuntimeError(f'{REFERENCE_RUNNER} failed ({completed.returncode}):\n{completed.stderr[-4000:]}')
    reference = dict(np.load(out_file))
    ours = run_ours(job, inputs)
    differences = compare(ours, reference)
    # how much the compared outputs vary, so that a wrong flip or decode would show
    spread = {case: float(np.std(ours[f'pred/{case}/flip1/keypoints'])) for case in CASES}
    score_spread = {case: float(np.std(ours[f'pred/{case}/flip1/scores'])) for case in CASES}
    return dict(max_diff=differences, keypoint_std_px=spread, score_std=score_spread,
                tolerance=tolerance, passed=all(v < tolerance for v in differences.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mmpose-python', default=REFERENCE_PYTHON)
    parser.add_argument('--json', help='write the result here')
    parser.add_argument('--tolerance', type=float, default=1e-5)
    args = parser.parse_args()
    if not osp.isfile(args.mmpose_python):
        raise SystemExit(f'{args.mmpose_python}: no mmpose 1.3.2 environment; '
                         'create it with bash benchmarks/mmpose_reference/setup_env.sh')
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as workdir:
        result = run_comparison(args.mmpose_python, workdir, args.tolerance)
    worst = sorted(result['max_diff'].items(), key=lambda item: -item[1])[:8]
    for key, value in worst:
        print(f'{value:.3g}\t{key}')
    print(f"{len(result['max_diff'])} comparisons, passed: {result['passed']}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1, sort_keys=True)
    return 0 if result['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
