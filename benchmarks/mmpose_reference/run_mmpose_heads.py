"""The mmpose 1.3.2 side of benchmarks/compare_heads_with_mmpose.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/run_mmpose_heads.py JOB.json INPUTS.npz OUT.npz

JOB.json (written by compare_heads_with_mmpose.py):
    cases         {name: {"head": head config, "state_dict": path of a torch state dict}}
    test_cfgs     {name: test_cfg}: one predict run each
    flip_indices  (K,), input_size (w, h)
    codecs        {name: codec config}: encoded on INPUTS' codec keypoints
    decoders      {name: {"codec": codec config, "heatmaps": the INPUTS key it decodes, or "inputs":
                  the INPUTS keys, one array per decode argument (SimCC: x, y)}}
INPUTS.npz: feats/<case>, feats_flipped/<case>, keypoint_labels, keypoint_weights,
    heatmaps/<case>, simcc_x/<case>, simcc_y/<case>, codec_keypoints (N, 1, K, 2), codec_visible (N, 1, K),
    decode_heatmaps, decode_gaussians (M, K, H, W), decode_simcc_{x,y,gx,gy} (M, 1, K, W)
OUT.npz: forward/<case>/<i>, loss/<case>/<key>, pred/<case>/<test_cfg>/{keypoints,scores},
    state_dict_shapes/<case> (JSON), codec/<codec>/<n>/<key>, decode/<codec>/<m>/{keypoints,scores}
Imports only mmpose (never mmpose_face).
"""
import json
import sys
import warnings

warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402


def data_samples(inputs: dict, case: str, job: dict) -> list:
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    samples = []
    for i in range(len(inputs['keypoint_labels'])):
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
    return samples


def main(job_file: str, inputs_file: str, out_file: str) -> None:
    from mmengine.registry import init_default_scope
    import mmpose.codecs  # noqa: F401 (registers)
    import mmpose.models  # noqa: F401
    from mmpose.registry import KEYPOINT_CODECS, MODELS
    init_default_scope('mmpose')
    torch.set_num_threads(1)  # as our side: the same summation order in the matrix products
    with open(job_file) as f:
        job = json.load(f)
    inputs = dict(np.load(inputs_file))
    out = {}
    for case, spec in job['cases'].items():
        head = MODELS.build(spec['head'])
        head.load_state_dict(torch.load(spec['state_dict']), strict=True)
        head.eval()
        out[f'state_dict_shapes/{case}'] = np.array(json.dumps(
            {k: list(v.shape) for k, v in head.state_dict().items()}, sort_keys=True))
        feats = (torch.from_numpy(inputs[f'feats/{case}']),)
        feats_flipped = (torch.from_numpy(inputs[f'feats_flipped/{case}']),)
        samples = data_samples(inputs, case, job)
        with torch.no_grad():
            outputs = head.forward(feats)
            for i, value in enumerate(outputs if isinstance(outputs, tuple) else (outputs,)):
                out[f'forward/{case}/{i}'] = value.numpy()
            for key, value in head.loss(feats, samples).items():
                out[f'loss/{case}/{key}'] = value.numpy()
            for name, test_cfg in job['test_cfgs'].items():
                both = [feats, feats_flipped] if test_cfg.get('flip_test') else feats
                preds = head.predict(both, samples, test_cfg=test_cfg)
                out[f'pred/{case}/{name}/keypoints'] = np.concatenate([p.keypoints for p in preds])
                out[f'pred/{case}/{name}/scores'] = np.concatenate([p.keypoint_scores for p in preds])
    for name, cfg in job['codecs'].items():
        codec = KEYPOINT_CODECS.build(cfg)
        for n in range(len(inputs['codec_keypoints'])):
            encoded = codec.encode(inputs['codec_keypoints'][n], inputs['codec_visible'][n])
            for key, value in encoded.items():
                out[f'codec/{name}/{n}/{key}'] = value
    for name, spec in job.get('decoders', {}).items():
        codec = KEYPOINT_CODECS.build(spec['codec'])
        arrays = [inputs[key] for key in spec.get('inputs', [spec.get('heatmaps')])]
        for n in range(len(arrays[0])):
            # a copy: SimCCLabel's DARK step works in place
            keypoints, scores = codec.decode(*(array[n].copy() for array in arrays))
            out[f'decode/{name}/{n}/keypoints'], out[f'decode/{name}/{n}/scores'] = keypoints, np.asarray(scores)
    np.savez(out_file, **out)
    import mmpose
    print(f'mmpose {mmpose.__version__}: {len(out)} arrays -> {out_file}')


if __name__ == '__main__':
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
