"""What leaving the flip test out of an ONNX export costs in NME, on real photographs.

    python benchmarks/onnx_flip_test_cost.py CONFIG CHECKPOINT [--ann-file tests/data/test_wflw.json]
        [--img-root tests/data/] [--json OUT]

Trains nothing. Exports CHECKPOINT twice (``pytorch2onnx.py`` with and without
``--no-flip-test``: the same :func:`~mmpose_face.apis.onnx_export.export_onnx`,
each checked against PyTorch), runs both files with onnxruntime on the faces
of the annotation file (COCO-style WFLW: the two sample photos in tests/data,
4 faces), cropped from the ground-truth boxes by the config's test pipeline,
and prints the NME of each (normalised by the data set's
``nme_keypoint_indices``, the outer eye corners for WFLW; pooled over all
visible points, as the NME metric) and the difference. Also prints the
largest difference of the flip-test file from the PyTorch predict path
(``inference_topdown`` with flip test), in pixels, as a check of the setup.

A handful of faces says little about a model in general: the figure is that
of this model on these photos. Say which model it was: the checkpoint's
``meta.trained_on`` is printed (a model trained on synthetic faces gives
only an indicative figure on real photographs).
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args():
    parser = argparse.ArgumentParser(description='NME with and without flip test of an ONNX export')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--ann-file', default=osp.join(ROOT, 'tests', 'data', 'test_wflw.json'))
    parser.add_argument('--img-root', default=osp.join(ROOT, 'tests', 'data'))
    parser.add_argument('--json', help='write the figures here')
    return parser.parse_args()


def load_faces(ann_file: str, img_root: str) -> list:
    """[(image path, boxes (N, 4) xyxy, keypoints (N, K, 2), visible (N, K))] per image."""
    with open(ann_file) as f:
        coco = json.load(f)
    faces = []
    for image in coco['images']:
        annotations = [a for a in coco['annotations'] if a['image_id'] == image['id']]
        if not annotations:
            continue
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in annotations)], np.float32)
        keypoints = np.array([a['keypoints'] for a in annotations], np.float64).reshape(len(annotations), -1, 3)
        faces.append((osp.join(img_root, image['file_name']), boxes, keypoints[..., :2],
                      (keypoints[..., 2] > 0).astype(np.float64)))
    if not faces:
        raise ValueError(f'{ann_file}: no annotated faces')
    return faces


def main():
    args = parse_args()
    from mmpose_face.apis import inference_topdown, init_model
    from mmpose_face.apis.fast_inference import FastFaceLandmarks
    from mmpose_face.apis.onnx_export import export_onnx
    from mmpose_face.evaluation.alignment_errors import keypoint_distance, normalised_point_errors, pooled_nme
    from mmpose_face.fileio import read_image_bgr

    model = init_model(args.config, args.checkpoint)
    indices = tuple(model.dataset_meta['nme_keypoint_indices'])
    faces = load_faces(args.ann_file, args.img_root)
    images = {path: read_image_bgr(path) for path, *_ in faces}
    gt = np.concatenate([points for _, _, points, _ in faces])
    visible = np.concatenate([v for *_, v in faces])
    normalisers = keypoint_distance(gt, indices)

    results, predictions = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for flip_test in (True, False):
            onnx_file = osp.join(folder, f'flip_{flip_test}.onnx')
            check = export_onnx(model, onnx_file, flip_test=flip_test)
            predictor = FastFaceLandmarks(model, 'onnxruntime', flip_test=flip_test, onnx_file=onnx_file)
            pred = np.concatenate([predictor(images[path], boxes) for path, boxes, _, _ in faces])
            errors = normalised_point_errors(pred, gt, visible, normalisers)
            predictions[flip_test] = pred
            results['with_flip_test' if flip_test else 'without_flip_test'] = dict(
                nme_percent=100 * pooled_nme(errors),
                per_face_nme_percent=[100 * float(np.nanmean(e)) for e in errors],
                export_check_max_difference=check)
    saved_flip = model.test_cfg.get('flip_test', False)
    model.test_cfg['flip_test'] = True
    try:
        published = np.concatenate([r.pred_instances.keypoints for path, boxes, _, _ in faces
                                    for r in inference_topdown(model, images[path], boxes)])
    finally:
        model.test_cfg['flip_test'] = saved_flip
    with_flip, without_flip = results['with_flip_test'], results['without_flip_test']
    report = dict(
        config=args.config, checkpoint=args.checkpoint, ann_file=args.ann_file, num_faces=len(gt),
        trained_on=model.checkpoint_meta.get('trained_on'), **results,
        nme_cost_of_no_flip_test_percent_points=without_flip['nme_percent'] - with_flip['nme_percent'],
        flip_onnx_vs_pytorch_max_px=float(np.abs(predictions[True] - published).max()))

    print(f'model: {args.config}\n       {args.checkpoint} (trained on: {report["trained_on"]})')
    print(f'faces: {len(gt)} from {args.ann_file} (ground-truth boxes)')
    for name, figures in results.items():
        print(f'  {name:18s} NME {figures["nme_percent"]:6.3f} %   per face: '
              + ', '.join(f'{v:.3f}' for v in figures['per_face_nme_percent']))
    print(f'  leaving flip test out changes NME by {report["nme_cost_of_no_flip_test_percent_points"]:+.3f} '
          f'percentage points ({report["nme_cost_of_no_flip_test_percent_points"] / with_flip["nme_percent"]:+.1%})')
    print(f'  check: flip-test ONNX vs PyTorch inference_topdown: max {report["flip_onnx_vs_pytorch_max_px"]:.4f} px')
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
