"""NME on WFLW: the full test set, its six subsets, FR@0.1 and AUC@0.1 in one pass."""
import json
import os.path as osp

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmpose_face.fileio import write_atomically
from mmpose_face.registry import METRICS
from ..alignment_errors import (area_under_curve, failure_rate, normalised_point_errors,
                                per_face_nme, pooled_nme)
from ..report import SUBSET_TITLES, format_table, save_error_curves

SUBSETS = tuple(name for name, _ in SUBSET_TITLES)
DEFAULT_EYE_INDICES = {'wflw': (60, 72)}
WFLW_PIXEL_STD = 200.


def write_json_atomically(path: str, payload) -> None:
    """JSON to ``path`` all-or-nothing (the metrics and the per-face dump)."""
    write_atomically(json.dumps(payload, indent=1).encode(), path)


def mean_normalised_shape(ann_file: str, padding: float) -> np.ndarray:
    """The average training shape (K, 2) in crop units (0..1 across the padded box)."""
    with open(ann_file) as f:
        annotations = json.load(f)['annotations']
    shapes = []
    for ann in annotations:
        keypoints = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)[:, :2]
        box = ann['scale'] * WFLW_PIXEL_STD * padding
        shapes.append((keypoints - np.asarray(ann['center'])) / box + 0.5)
    if not shapes:
        raise ValueError(f'{ann_file}: no annotations to average for the mean-shape baseline')
    return np.mean(shapes, axis=0)


@METRICS.register_module()
class NME(BaseMetric):
    """Normalised mean error, normalised by the inter-ocular distance.

    Reports ``NME``, ``NME_<subset>`` for each WFLW subset that has faces
    (pose, illumination, occlusion, blur, makeup, expression; read from each
    face's ``attributes``; a face counts in every subset it belongs to, an
    empty subset is absent), ``FR@0.1`` and ``AUC@0.1``; with
    ``baseline_ann_file``, also ``baseline_NME(_<subset>)`` for predicting
    the mean training shape in every crop. Formulas:
    :mod:`mmpose_face.evaluation.alignment_errors`.

    Args:
        norm_mode: only ``'keypoint_distance'``.
        keypoint_indices: the two points whose distance normalises
            (default for WFLW: outer eye corners 60 and 72).
        threshold: of FR and AUC (0.1).
        baseline_ann_file: training annotations for the mean-shape baseline.
        baseline_padding: crop padding the baseline uses (as GetBBoxCenterScale).
        output_dir: where ``ced_curves.png`` is written (rank 0).
        dump_file: JSON of per-face predictions, ground truth, image path,
            annotation id, attributes and NME, to recompute offline.
    """

    default_prefix = ''  # keys stay 'NME', ... as mmpose logs them

    def __init__(self, norm_mode: str = 'keypoint_distance', keypoint_indices=None,
                 threshold: float = 0.1, baseline_ann_file: str = None,
                 baseline_padding: float = 1.25, output_dir: str = None, dump_file: str = None,
                 collect_device: str = 'cpu', prefix: str = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if norm_mode != 'keypoint_distance':
            raise ValueError(f"NME: norm_mode must be 'keypoint_distance' for WFLW, got {norm_mode!r}")
        self.keypoint_indices = tuple(keypoint_indices) if keypoint_indices else None
        self.threshold = threshold
        self.baseline_ann_file, self.baseline_padding = baseline_ann_file, baseline_padding
        self.output_dir, self.dump_file = output_dir, dump_file

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            gt = sample['gt_instances']
            self.results.append(dict(
                id=sample.get('id'), img_id=sample.get('img_id'), img_path=sample.get('img_path'),
                attributes=sample.get('attributes'),
                pred=np.asarray(sample['pred_instances']['keypoints'])[0].astype(np.float64),
                gt=np.asarray(gt['keypoints'])[0].astype(np.float64),
                visible=np.asarray(gt['keypoints_visible'])[0].astype(np.float64),
                input_center=np.asarray(sample['input_center'], dtype=np.float64),
                input_scale=np.asarray(sample['input_scale'], dtype=np.float64)))

    def _eye_indices(self):
        if self.keypoint_indices:
            return self.keypoint_indices
        name = (self.dataset_meta or {}).get('dataset_name', 'wflw')
        if name not in DEFAULT_EYE_INDICES:
            raise ValueError(f'NME: no default keypoint_indices for dataset {name!r}; set them in the config')
        return DEFAULT_EYE_INDICES[name]

    def compute_metrics(self, results: list) -> dict:
        faces, seen = [], set()  # distributed padding may repeat a face: count it once
        for face in results:
            if face['id'] is None or face['id'] not in seen:
                faces.append(face)
                seen.add(face['id'])
        gt = np.stack([face['gt'] for face in faces])
        visible = np.stack([face['visible'] for face in faces])
        errors = normalised_point_errors(np.stack([face['pred'] for face in faces]), gt, visible,
                                         self._eye_indices())
        face_nmes = per_face_nme(errors)
        membership = {'': np.ones(len(faces), dtype=bool)}
        if all(face['attributes'] for face in faces):
            for subset in SUBSETS:
                members = np.array([bool(face['attributes'][subset]) for face in faces])
                if members.any():
                    membership[subset] = members

        metrics = {}
        for subset, members in membership.items():
            metrics[f'NME_{subset}' if subset else 'NME'] = pooled_nme(errors[members])
        metrics[f'FR@{self.threshold:g}'] = failure_rate(face_nmes, self.threshold)
        metrics[f'AUC@{self.threshold:g}'] = area_under_curve(face_nmes, self.threshold)
        if self.baseline_ann_file:
            mean_shape = mean_normalised_shape(self.baseline_ann_file, self.baseline_padding)
            baseline = np.stack([(mean_shape - 0.5) * face['input_scale'] + face['input_center']
                                 for face in faces])
            baseline_errors = normalised_point_errors(baseline, gt, visible, self._eye_indices())
            for subset, members in membership.items():
                metrics[f'baseline_NME_{subset}' if subset else 'baseline_NME'] = \
                    pooled_nme(baseline_errors[members])

        nmes_by_subset = {subset: face_nmes[members] for subset, members in membership.items()}
        MMLogger.get_current_instance().info(
            f'WFLW evaluation of {len(faces)} faces:\n' + format_table(metrics, nmes_by_subset, self.threshold))
        if self.output_dir:
            save_error_curves(osp.join(self.output_dir, 'ced_curves.png'), nmes_by_subset, self.threshold)
        if self.dump_file:
            write_json_atomically(self.dump_file, [dict(
                id=face['id'], img_id=face['img_id'], img_path=face['img_path'],
                attributes=face['attributes'], nme=float(nme),
                pred_keypoints=face['pred'].round(4).tolist(),
                gt_keypoints=face['gt'].round(4).tolist(),
                keypoints_visible=face['visible'].tolist()) for face, nme in zip(faces, face_nmes)])
        return metrics
