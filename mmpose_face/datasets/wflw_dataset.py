"""WFLW faces from mmpose's COCO-style annotation JSON."""
import json
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmpose_face.errors import ImageLoadError, WFLWAnnotationError  # noqa: F401 (re-exported)
from mmpose_face.registry import DATASETS
from .dataset_info import load_dataset_info

ATTRIBUTE_NAMES = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')
WFLW_PIXEL_STD = 200.  # WFLW stores ``scale`` in units of 200 pixels




@DATASETS.register_module()
class WFLWDataset(BaseDataset):
    """One item per annotated face: image path, 98 keypoints, crop centre/scale.

    Args:
        ann_file: COCO-style JSON (``images``, ``annotations`` with
            ``keypoints`` 98 x [x, y, v], ``center``, ``scale`` in 200 px
            units, ``bbox`` xywh and, when converted by this project,
            ``attributes`` and ``face_rectangle``).
        data_mode: only ``'topdown'`` (one crop per face).
        crop_from: ``'center_scale'`` (default, the published convention:
            the box around the landmark extents) or ``'face_rectangle'`` (the
            official detector-style rectangle, as a face detector would give).
        bad_image_policy: ``'raise'`` (default) stops at an unreadable image
            naming it; ``'skip'`` (training only) logs a warning with a
            running count and draws another face instead.
        Other arguments as :class:`mmengine.dataset.BaseDataset`.

    Items (``get_data_info``): ``img_path``, ``bbox`` (1, 4), ``bbox_center``
    (1, 2), ``bbox_scale`` (1, 2) pixels, ``keypoints`` (1, K, 2) pixels,
    ``keypoints_visible`` (1, K), ``id``, ``img_id``, ``attributes``, plus
    the dataset metainfo (``flip_indices`` ...).
    """

    METAINFO = dict(from_file='configs/_base_/datasets/wflw.py')

    def __init__(self, ann_file: str = '', data_mode: str = 'topdown',
                 crop_from: str = 'center_scale', bad_image_policy: str = 'raise', **kwargs):
        if data_mode != 'topdown':
            raise ValueError(f"WFLWDataset: data_mode must be 'topdown', got {data_mode!r}")
        if bad_image_policy not in ('raise', 'skip'):
            raise ValueError(f"WFLWDataset: bad_image_policy must be 'raise' or 'skip', got {bad_image_policy!r}")
        if crop_from not in ('center_scale', 'face_rectangle'):
            raise ValueError(f"WFLWDataset: crop_from must be 'center_scale' or 'face_rectangle', got {crop_from!r}")
        self.data_mode = data_mode
        self.crop_from = crop_from
        self.bad_image_policy = bad_image_policy
        self.skipped_images = 0
        super().__init__(ann_file=ann_file, **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        metainfo = dict(metainfo or cls.METAINFO)
        if 'from_file' in metainfo:
            metainfo = {**load_dataset_info(metainfo.pop('from_file')), **metainfo}
        return metainfo

    def load_data_list(self) -> list:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: annotation file not found')
        try:
            with open(self.ann_file) as f:
                coco = json.load(f)
        except json.JSONDecodeError as error:
            raise WFLWAnnotationError(f'{self.ann_file}: not valid JSON ({error})') from None
        for key in ('images', 'annotations'):
            if key not in coco:
                raise WFLWAnnotationError(f'{self.ann_file}: no {key!r} list (not a COCO-style file)')
        images = {image['id']: image for image in coco['images']}
        return [self._parse_annotation(ann, images) for ann in coco['annotations']]

    def _parse_annotation(self, ann: dict, images: dict) -> dict:
        num_keypoints = self.metainfo['num_keypoints']
        ann_id = ann.get('id', '?')

        def fail(reason):
            raise WFLWAnnotationError(f'{self.ann_file}: annotation id {ann_id}: {reason}')

        if ann.get('image_id') not in images:
            fail(f"image_id {ann.get('image_id')} is not in 'images'")
        raw = np.asarray(ann.get('keypoints', []), dtype=np.float64)
        if raw.size != num_keypoints * 3:
            fail(f'{raw.size // 3 if raw.size % 3 == 0 else raw.size / 3:g} keypoints, expected {num_keypoints}')
        raw = raw.reshape(1, num_keypoints, 3)
        with np.errstate(over='ignore'):  # values beyond float32 (kept as such below) become inf
            if not np.isfinite(raw.astype(np.float32)).all():
                fail('keypoint coordinates are not finite (NaN, inf or beyond float32)')
        center = np.asarray(ann.get('center', [np.nan, np.nan]), dtype=np.float64).reshape(1, 2)
        scale = float(ann.get('scale', np.nan))
        if not np.isfinite(center).all():
            fail("no finite 'center'")
        if not 0 < scale < np.finfo(np.float32).max / WFLW_PIXEL_STD:
            fail(f"box scale must be positive and finite, got {ann.get('scale')}")
        bbox_scale = np.full((1, 2), scale * WFLW_PIXEL_STD, dtype=np.float32)
        center = center.astype(np.float32)
        image = images[ann['image_id']]
        attributes = ann.get('attributes')
        crop = dict(bbox=np.hstack([center - bbox_scale / 2, center + bbox_scale / 2]),
                    bbox_center=center, bbox_scale=bbox_scale)
        if self.crop_from == 'face_rectangle':
            rectangle = np.asarray(ann.get('face_rectangle') or [np.nan] * 4, dtype=np.float32).reshape(1, 4)
            if not (np.isfinite(rectangle).all() and (rectangle[0, 2:] > rectangle[0, :2]).all()):
                fail(f"crop_from='face_rectangle' needs a positive 'face_rectangle', got {ann.get('face_rectangle')}")
            crop = dict(bbox=rectangle)  # GetBBoxCenterScale derives centre and scale
        return dict(
            img_id=ann['image_id'], id=ann_id,
            img_path=osp.join(self.data_prefix.get('img', ''), image['file_name']),
            **crop,
            bbox_score=np.ones(1, dtype=np.float32),
            keypoints=raw[..., :2].astype(np.float32),
            keypoints_visible=np.minimum(1, raw[..., 2]).astype(np.float32),
            attributes={name: int(attributes[name]) for name in ATTRIBUTE_NAMES} if attributes else None,
            face_rectangle=ann.get('face_rectangle'),
            category_id=ann.get('category_id', 1),
        )

    def get_data_info(self, idx: int) -> dict:
        data_info = super().get_data_info(idx)
        for key in ('dataset_name', 'flip_indices', 'num_keypoints'):
            data_info[key] = self.metainfo[key]
        return data_info

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except ImageLoadError as error:
            if self.bad_image_policy == 'raise' or self.test_mode:
                raise
            self.skipped_images += 1
            print_log(f'skipped a face: {error} ({self.skipped_images} skipped so far in this '
                      'process; bad_image_policy=skip)', logger='current', level=30)
            return None
