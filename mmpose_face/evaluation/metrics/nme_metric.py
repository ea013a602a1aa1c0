"""NME with the data set's normalisation, its subsets, FR@0.1 and AUC@0.1 in one pass."""
import json
import os.path as osp

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmpose_face.fileio import write_json_atomically
from mmpose_face.registry import METRICS
from ..alignment_errors import (area_under_curve, failure_rate, keypoint_distance, normalised_point_errors,
                                per_face_nme, pooled_nme)
from ..report import format_table, save_error_curves

PIXEL_STD = 200.  # ``scale`` of the centre/scale annotation layouts is in units of 200 pixels
NORM_MODES = ('use_norm_item', 'keypoint_distance')
# mmpose 1.3.2's NME.DEFAULT_KEYPOINT_INDICES (outer eye corners; horse10: nose and eye), used when the
# data set's metainfo names no nme_keypoint_indices (a dataset_meta written for mmpose)
MMPOSE_DEFAULT_KEYPOINT_INDICES = {'horse10': (0, 1), '300w': (36, 45), 'coco_wholebody_face': (36, 45),
                                   'cofw': (8, 9), 'wflw': (60, 72), 'lapa': (66, 79)}


def mean_normalised_shape(ann_file: str, padding: float) -> np.ndarray:
    """The average training shape (K, 2) in crop units (0..1 across the padded box).

    Reads the centre/scale layout (``center``, ``scale`` in 200 px units).
    """
    with open(ann_file) as f:
        annotations = json.load(f)['annotations']
    shapes = []
    for ann in annotations:
        if 'center' not in ann or 'scale' not in ann:
            raise ValueError(f"{ann_file}: annotation id {ann.get('id')}: the mean-shape baseline needs "
                             "'center' and 'scale' (the WFLW / 300W / AFLW layout)")
        keypoints = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)[:, :2]
        box = ann['scale'] * PIXEL_STD * padding
        shapes.append((keypoints - np.asarray(ann['center'])) / box + 0.5)
    if not shapes:
        raise ValueError(f'{ann_file}: no annotations to average for the mean-shape baseline')
    return np.mean(shapes, axis=0)


def _face_source(face: dict) -> str:
    image = f"image {face['img_path']}"
    return f"{face['ann_file']}, {image}" if face['ann_file'] else image


def unique_faces(results: list) -> list:
    """The processed faces, each once, told apart by (annotation file, annotation id).

    A face repeated as a whole (same key, image and ground truth: distributed
    padding) counts once; two different faces under one key (several files
    numbered alike, packed without ``ann_file``) are refused naming both.
    """
    faces, first_by_key = [], {}
    for face in results:
        if face['id'] is None:
            faces.append(face)
            continue
        key = (face['ann_file'], face['id'])
        if key in first_by_key:
            first = first_by_key[key]
            if first['img_path'] == face['img_path'] and np.array_equal(first['gt'], face['gt']):
                continue
            raise ValueError(f"NME: two different faces have annotation id {face['id']} ({_face_source(first)}; "
                             f'{_face_source(face)}): number ids uniquely across the files, or keep '
                             "'ann_file' in PackPoseInputs' meta_keys so faces are told apart by file")
        first_by_key[key] = face
        faces.append(face)
    return faces


@METRICS.register_module()
class NME(BaseMetric):
    """Normalised mean error, as mmpose's ``NME``, with the data set's subsets.

    ``evaluate`` returns mmpose's ``{'NME': ...}``, and ``NME_<subset>`` for
    each subset of ``dataset_meta['subsets']`` that has faces (a face's
    ``attributes`` say which it belongs to; it counts in every one; an empty
    subset is absent; faces without ``attributes`` count in no subset, said
    in one log line naming their file); with ``failure_rate_and_auc``, also
    ``FR@<threshold>`` and ``AUC@<threshold>``; with ``baseline_ann_file``,
    also ``baseline_NME(_<subset>)`` for predicting the mean training shape
    in every crop. The log always shows the table (NME, FR and AUC per
    subset). A non-finite predicted point that is scored counts as an
    infinite error: NME is inf and the face a failure (logged with the count
    of such faces). Faces are told apart by (annotation file, id), so a
    ``ConcatDataset`` of files numbered from 0 each counts every face.
    Formulas: :mod:`mmpose_face.evaluation.alignment_errors`.

    Args (mmpose 1.3.2's; its exception types, its messages first):
        norm_mode: ``'keypoint_distance'`` (the distance of two ground-truth
            points) or ``'use_norm_item'`` (a per-face value); anything else
            is a KeyError. Default ``'keypoint_distance'`` (mmpose has none).
        norm_item: with ``'use_norm_item'`` (required there, KeyError
            otherwise): ``'bbox_size'`` (the longer side of the face's
            ground-truth box, AFLW's) or a key of ``gt_instances``.
        keypoint_indices: the two points of ``'keypoint_distance'``; None
            = the data set's ``metainfo['nme_keypoint_indices']``, else
            mmpose's default for its ``dataset_name`` (KeyError if neither).
    Args (this project's):
        failure_rate_and_auc: also return ``FR@<threshold>`` and
            ``AUC@<threshold>`` (default False: mmpose's keys; this
            project's configs switch it on).
        threshold: of FR and AUC (0.1).
        baseline_ann_file: training annotations for the mean-shape baseline.
        baseline_padding: crop padding the baseline uses (as GetBBoxCenterScale).
        output_dir: where ``ced_curves.png`` is written (rank 0).
        dump_file: JSON of per-face predictions, ground truth, image path,
            annotation file and id, attributes and NME, to recompute offline.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.

    After ``evaluate``, ``nonfinite_faces`` is the count of faces with a
    non-finite scored prediction (``tools/test.py`` exits non-zero on them).
    """

    default_prefix = ''  # keys stay 'NME', ... as mmpose logs them

    def __init__(self, norm_mode: str = 'keypoint_distance', norm_item: str = None, keypoint_indices=None,
                 collect_device: str = 'cpu', prefix: str = None, failure_rate_and_auc: bool = False,
                 threshold: float = 0.1, baseline_ann_file: str = None, baseline_padding: float = 1.25,
                 output_dir: str = None, dump_file: str = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if norm_mode not in NORM_MODES:
            raise KeyError("`norm_mode` should be 'use_norm_item' or 'keypoint_distance', but got "
                           f"{norm_mode}. (NME: norm_mode={norm_mode!r})")
        if norm_mode == 'use_norm_item' and not norm_item:
            raise KeyError('`norm_mode` is set to `"use_norm_item"`, please specify the `norm_item` in the '
                           'datainfo used as the normalization factor. (NME: set norm_item, e.g. '
                           "'bbox_size' for AFLW)")
        if keypoint_indices is not None and len(keypoint_indices) != 2:
            raise AssertionError('The keypoint indices used for normalization should be a pair. '
                                 f'(NME: keypoint_indices={list(keypoint_indices)})')
        self.norm_mode, self.norm_item = norm_mode, norm_item
        self.keypoint_indices = tuple(keypoint_indices) if keypoint_indices is not None else None
        self.failure_rate_and_auc, self.threshold = failure_rate_and_auc, threshold
        self.baseline_ann_file, self.baseline_padding = baseline_ann_file, baseline_padding
        self.output_dir, self.dump_file = output_dir, dump_file
        self.nonfinite_faces = 0

    def _norm_item_of(self, gt) -> float:
        if self.norm_item == 'bbox_size':
            if 'bboxes' not in gt:
                raise AssertionError('The ground truth data info do not have the item ``bboxes`` for expected '
                                     'normalized_item ``"bbox_size"``. (NME: norm_item=\'bbox_size\' needs the '
                                     "ground-truth 'bboxes' of each face)")
            box = np.asarray(gt['bboxes'], dtype=np.float64)[0]
            return float(np.max(box[2:] - box[:2]))
        if self.norm_item not in gt:
            raise AssertionError('The ground truth data info do not have the expected normalized factor '
                                 f'"{self.norm_item}" (NME: norm_item={self.norm_item!r}; the ground truth has '
                                 f'{sorted(gt)})')
        return float(np.asarray(gt[self.norm_item], dtype=np.float64).reshape(-1)[0])

    def process(self, data_batch, data_samples) -> None:
        """Keep each face's prediction, ground truth and visibility ((1, K) or
        (1, K, 1)), and what the report needs when the sample has it."""
        for sample in data_samples:
            gt = sample['gt_instances']
            visible = np.asarray(gt['keypoints_visible'])
            if visible.ndim == 3:
                visible = visible[..., 0]
            face = dict(
                id=sample.get('id'), img_id=sample.get('img_id'), img_path=sample.get('img_path'),
                ann_file=sample.get('ann_file'), attributes=sample.get('attributes'),
                pred=np.asarray(sample['pred_instances']['keypoints'])[0].astype(np.float64),
                gt=np.asarray(gt['keypoints'])[0].astype(np.float64),
                visible=visible.reshape(1, -1)[0].astype(bool).astype(np.float64))
            if self.norm_item:
                face['norm_item'] = self._norm_item_of(gt)
            if 'input_center' in sample and 'input_scale' in sample:
                face['input_center'] = np.asarray(sample['input_center'], dtype=np.float64)
                face['input_scale'] = np.asarray(sample['input_scale'], dtype=np.float64)
            self.results.append(face)

    def _keypoint_indices(self) -> tuple:
        meta = self.dataset_meta or {}
        if self.keypoint_indices is None:
            if 'nme_keypoint_indices' not in meta and meta.get('dataset_name') in MMPOSE_DEFAULT_KEYPOINT_INDICES:
                return MMPOSE_DEFAULT_KEYPOINT_INDICES[meta['dataset_name']]
            if 'nme_keypoint_indices' not in meta:
                raise KeyError('`norm_mode` is set to `keypoint_distance`, and the keypoint_indices is set to '
                               'None, can not find the keypoint_indices in `DEFAULT_KEYPOINT_INDICES`, please '
                               f"specify `keypoint_indices` appropriately. (NME: the data set "
                               f"{meta.get('dataset_name')!r} names no nme_keypoint_indices in its description: "
                               'set keypoint_indices in the config)')
            return tuple(meta['nme_keypoint_indices'])
        if 'keypoint_id2name' in meta:
            for index in self.keypoint_indices:
                if index not in meta['keypoint_id2name']:
                    raise AssertionError(f"The {meta.get('dataset_name')} dataset does not contain the required "
                                         f"{index}-th keypoint. (NME: keypoint_indices={list(self.keypoint_indices)}; "
                                         f"it has {len(meta['keypoint_id2name'])} keypoints)")
        return self.keypoint_indices

    def _normalisers(self, faces: list, gt: np.ndarray) -> np.ndarray:
        if self.norm_mode == 'use_norm_item':
            return np.array([face['norm_item'] for face in faces], dtype=np.float64)
        return keypoint_distance(gt, self._keypoint_indices())

    def _baseline_errors(self, faces, gt, visible, normalisers):
        if any('input_center' not in face for face in faces):
            raise KeyError('NME: the mean-shape baseline needs input_center and input_scale in every sample '
                           '(TopdownAffine sets them)')
        mean_shape = mean_normalised_shape(self.baseline_ann_file, self.baseline_padding)
        baseline = np.stack([(mean_shape - 0.5) * face['input_scale'] + face['input_center'] for face in faces])
        return normalised_point_errors(baseline, gt, visible, normalisers)

    def _subset_membership(self, faces: list, subset_titles: dict) -> dict:
        """``{'' (all faces) or subset: (N,) bool}``; the subsets over the faces that carry ``attributes``
        (one log line per file naming how many do not); an empty subset is absent."""
        membership = {'': np.ones(len(faces), dtype=bool)}
        with_attributes = [bool(face['attributes']) for face in faces]
        if not subset_titles or not any(with_attributes):
            return membership
        for subset in subset_titles:
            members = np.array([bool((face['attributes'] or {}).get(subset)) for face in faces])
            if members.any():
                membership[subset] = members
        if not all(with_attributes):
            files = {}
            for face, flagged in zip(faces, with_attributes):
                counts = files.setdefault(face['ann_file'] or 'the evaluated faces', [0, 0])
                counts[0] += not flagged
                counts[1] += 1
            for ann_file, (without, total) in files.items():
                if without:
                    MMLogger.get_current_instance().warning(
                        f"{ann_file}: {without} of {total} faces carry no 'attributes'; each subset column "
                        f'counts only the {sum(with_attributes)} faces that do (All counts every face)')
        return membership

    def compute_metrics(self, results: list) -> dict:
        faces = unique_faces(results)
        gt = np.stack([face['gt'] for face in faces])
        visible = np.stack([face['visible'] for face in faces])
        normalisers = self._normalisers(faces, gt)
        errors = normalised_point_errors(np.stack([face['pred'] for face in faces]), gt, visible, normalisers)
        face_nmes = per_face_nme(errors)
        counted = ~np.isnan(face_nmes)  # a face without a normaliser or a visible point has no NME
        self.nonfinite_faces = int(np.isinf(face_nmes).sum())
        subset_titles = dict((self.dataset_meta or {}).get('subsets') or {})
        membership = self._subset_membership(faces, subset_titles)

        metrics = {}
        for subset, members in membership.items():
            metrics[f'NME_{subset}' if subset else 'NME'] = pooled_nme(errors[members])
        nmes_by_subset = {subset: face_nmes[members & counted] for subset, members in membership.items()}
        if self.failure_rate_and_auc:
            metrics[f'FR@{self.threshold:g}'] = failure_rate(nmes_by_subset[''], self.threshold)
            metrics[f'AUC@{self.threshold:g}'] = area_under_curve(nmes_by_subset[''], self.threshold)
        if self.baseline_ann_file:
            baseline_errors = self._baseline_errors(faces, gt, visible, normalisers)
            for subset, members in membership.items():
                metrics[f'baseline_NME_{subset}' if subset else 'baseline_NME'] = \
                    pooled_nme(baseline_errors[members])

        name = str((self.dataset_meta or {}).get('dataset_name', 'face')).upper()  # 'WFLW evaluation of ...'
        logger = MMLogger.get_current_instance()
        if self.nonfinite_faces:
            logger.warning(f'{name} evaluation: {self.nonfinite_faces} of {len(faces)} faces have non-finite '
                           'predicted keypoints (NaN or inf); each counts as a failure with an infinite error, '
                           'so NME is inf')
        logger.info(f'{name} evaluation of {len(faces)} faces:\n'
                    + format_table(metrics, nmes_by_subset, self.threshold, subset_titles))
        if self.output_dir:
            normaliser = (f'{self.norm_item}' if self.norm_mode == 'use_norm_item'
                          else 'the distance of keypoints {} and {}'.format(*self._keypoint_indices()))
            save_error_curves(osp.join(self.output_dir, 'ced_curves.png'), nmes_by_subset, self.threshold,
                              subset_titles, normaliser)
        if self.dump_file:
            write_json_atomically(self.dump_file, indent=1, document=[dict(
                ann_file=face['ann_file'], id=face['id'], img_id=face['img_id'], img_path=face['img_path'],
                attributes=face['attributes'], nme=None if np.isnan(nme) else float(nme),
                pred_keypoints=face['pred'].round(4).tolist(),
                gt_keypoints=face['gt'].round(4).tolist(),
                keypoints_visible=face['visible'].tolist()) for face, nme in zip(faces, face_nmes)])
        return metrics
