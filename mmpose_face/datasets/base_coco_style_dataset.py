"""The COCO-style face loader every face data set shares (mmpose's layout).

A file is ``{"images": [{id, file_name, width, height}, ...],
"annotations": [{id, image_id, keypoints: K x [x, y, v], ...}, ...]}``.
Faces are listed image by image, in the order of ``images``, and within an
image in the order of ``annotations`` (as mmpose lists them). Each data set
class reads its own box layout and subset fields (``parse_data_info``);
this class reads and checks the file, so every error names the file and the
annotation (or image) id, with the reason.
"""
import copy
import json
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MessageHub, print_log

from mmpose_face.errors import FaceAnnotationError, ImageLoadError
from mmpose_face.registry import DATASETS
from .dataset_info import load_dataset_info, parse_dataset_info

PIXEL_STD = 200.  # ``scale`` of the centre/scale layouts is in units of 200 pixels
VISIBILITY_VALUES = (0., 1., 2.)  # COCO: not labelled, labelled but hidden, visible
# what get_data_info adds to every item from the metainfo (as mmpose)
ITEM_METAINFO_KEYS = ('dataset_name', 'upper_body_ids', 'lower_body_ids', 'flip_pairs',
                      'dataset_keypoint_weights', 'flip_indices', 'skeleton_links')


def _described(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


@DATASETS.register_module()
class BaseCocoStyleDataset(BaseDataset):
    """Faces from a COCO-style annotation file; one item per face (top-down).

    Args (mmpose 1.3.2's, same defaults):
        ann_file: the COCO-style JSON.
        bbox_file: detection results (a JSON list of ``{image_id, bbox
            [x, y, w, h], score, category_id}``) used instead of the
            annotated boxes; test mode only; a path as given (not joined
            with ``data_root``), as in mmpose.
        data_mode: ``'topdown'`` (one crop per face; ``'bottomup'`` is not
            implemented here).
        sample_interval: keep images whose id is a multiple of it.
        metainfo, data_root, data_prefix, filter_cfg, indices,
        serialize_data, pipeline, test_mode, lazy_init, max_refetch: as
            :class:`mmengine.dataset.BaseDataset`.
    Args (this project's):
        check_geometry: refuse, naming file, id and reason, a face whose
            keypoints or centre lie farther outside the image than the
            image's own width or height, whose box is under one pixel, or
            whose visibility flags are not 0, 1 or 2 (default True; False
            loads such faces as they are).
        bad_image_policy: ``'raise'`` (default) stops at an unreadable image
            naming it; ``'skip'`` (training only) logs a warning with a
            running count and draws another face instead.

    As in mmpose, annotations marked ``iscrowd``, with ``num_keypoints`` 0,
    an empty box or no positive coordinate are left out (counted in the log).
    Items: ``ann_file`` (the file's path: faces of several files are told
    apart by (``ann_file``, ``id``)), ``img_id``, ``img_path``, ``bbox`` (1, 4) xyxy, ``bbox_score``
    (1,), ``keypoints`` (1, K, 2) pixels, ``keypoints_visible`` (1, K),
    ``num_keypoints``, ``iscrowd``, ``id``, ``category_id``, ``attributes``
    (``{subset: 0 or 1}`` or None), what the data set class adds
    (``bbox_center``, ``bbox_scale`` (1, 2) pixels ...), and the metainfo
    keys of ``ITEM_METAINFO_KEYS``.
    """

    METAINFO: dict = dict()

    def __init__(self, ann_file: str = '', bbox_file: str = None, data_mode: str = 'topdown',
                 metainfo: dict = None, data_root: str = None, data_prefix: dict = dict(img=''),
                 filter_cfg: dict = None, indices=None, serialize_data: bool = True, pipeline=[],
                 test_mode: bool = False, lazy_init: bool = False, max_refetch: int = 1000,
                 sample_interval: int = 1, check_geometry: bool = True, bad_image_policy: str = 'raise'):
        name = type(self).__name__
        if data_mode not in ('topdown', 'bottomup'):
            raise ValueError(f"{name} got invalid data_mode: {data_mode!r}; it should be 'topdown' or 'bottomup'")
        if data_mode != 'topdown':
            raise ValueError(f"{name}: data_mode='bottomup' is not implemented in mmpose_face "
                             "(face alignment crops one face at a time: use 'topdown')")
        if bbox_file and not test_mode:
            raise ValueError(f'{name} has `test_mode==False` while "bbox_file" is only supported when '
                             f'`test_mode==True`. ({name}: bbox_file={bbox_file!r} gives detected boxes, '
                             'which are for evaluation: set test_mode=True, or drop bbox_file to train)')
        if bad_image_policy not in ('raise', 'skip'):
            raise ValueError(f"{name}: bad_image_policy must be 'raise' or 'skip', got {bad_image_policy!r}")
        self.data_mode = data_mode
        self.bbox_file = bbox_file
        self.sample_interval = sample_interval
        self.check_geometry = check_geometry
        self.bad_image_policy = bad_image_policy
        self.skipped_images = 0
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root, data_prefix=data_prefix,
                         filter_cfg=filter_cfg, indices=indices, serialize_data=serialize_data,
                         pipeline=pipeline, test_mode=test_mode, lazy_init=lazy_init, max_refetch=max_refetch)
        if self.test_mode:
            MessageHub.get_current_instance().update_info_dict(
                {f"{self.metainfo['dataset_name']}_ann_file": self.ann_file})

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        """``dict(from_file=...)``, a ``dataset_info`` dict or nothing (the class's) -> metainfo."""
        if metainfo is None:
            metainfo = copy.deepcopy(cls.METAINFO)
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo should be a dict, but got {type(metainfo)}')
        if not metainfo:
            return metainfo
        if 'from_file' in metainfo:  # other keys given beside it (e.g. synthetic=True) are kept
            extra = {key: value for key, value in metainfo.items() if key != 'from_file'}
            return {**load_dataset_info(metainfo['from_file']), **extra}
        return parse_dataset_info(metainfo)

    # ------------------------------------------------------------------ reading the file
    def _refuse(self, reason: str, ann_id=None):
        where = self.ann_file if ann_id is None else f'{self.ann_file}: annotation id {ann_id}'
        raise FaceAnnotationError(f'{where}: {reason}')

    def _read_json(self, path: str, what: str):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: {what} not found')
        try:
            with open(path) as f:
                return json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FaceAnnotationError(f'{path}: not valid JSON ({error})') from None

    def _read_images(self, coco: dict) -> dict:
        """``{image id: image dict}``, refusing entries without id or file name and repeated ids."""
        images = {}
        for index, image in enumerate(coco['images']):
            if not isinstance(image, dict):
                self._refuse(f'images[{index}] is not a dict (got {type(image).__name__}: {_described(image)})')
            for key in ('id', 'file_name'):
                if key not in image:
                    where = f"image id {image['id']}" if 'id' in image else f'images[{index}]'
                    self._refuse(f'{where} has no {key!r}')
            if not isinstance(image['file_name'], str):
                self._refuse(f"image id {image['id']}: 'file_name' is not a string")
            try:
                repeated = image['id'] in images
            except TypeError:
                self._refuse(f"images[{index}]: id {_described(image['id'])} is not a number or string")
            if repeated:
                self._refuse(f"image id {image['id']} is repeated (images[{index}]; "
                             f"{images[image['id']]['file_name']!r} and {image['file_name']!r})")
            images[image['id']] = image
        return images

    def _read_annotations(self, coco: dict, images: dict) -> dict:
        """``{image id: [annotation, ...]}`` in file order, refusing what cannot be paired."""
        by_image = {image_id: [] for image_id in images}
        seen = set()
        for index, ann in enumerate(coco['annotations']):
            if not isinstance(ann, dict):
                self._refuse(f'annotations[{index}] is not a dict (got {type(ann).__name__}: {_described(ann)})')
            if 'id' not in ann:
                self._refuse(f"annotations[{index}] has no 'id'")
            ann_id = ann['id']
            try:
                repeated = ann_id in seen
            except TypeError:
                self._refuse(f'annotations[{index}]: id {_described(ann_id)} is not a number or string')
            if repeated:
                self._refuse(f'the id is repeated (annotations[{index}]); each face needs its own id', ann_id)
            seen.add(ann_id)
            if 'image_id' not in ann:
                self._refuse("no 'image_id'", ann_id)
            try:
                known = ann['image_id'] in by_image
            except TypeError:
                known = False
            if not known:
                self._refuse(f"image_id {_described(ann['image_id'])} is not in 'images'", ann_id)
            by_image[ann['image_id']].append(ann)
        return by_image

    def load_data_list(self) -> list:
        if self.bbox_file:
            return self._load_detection_results()
        coco = self._read_json(self.ann_file, 'annotation file')
        if not isinstance(coco, dict):
            self._refuse(f'not a COCO-style file: the top level is a {type(coco).__name__}, not a dict')
        for key in ('images', 'annotations'):
            if not isinstance(coco.get(key), list):
                self._refuse(f'no {key!r} list (not a COCO-style file)')
        if not coco['annotations']:
            self._refuse("the 'annotations' list is empty: no face to load")
        images = self._read_images(coco)
        by_image = self._read_annotations(coco, images)
        data_list, left_out = [], 0
        for img_id, anns in by_image.items():
            if self.sample_interval != 1 and img_id % self.sample_interval != 0:
                continue
            for ann in anns:
                data_info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=images[img_id]))
                if data_info and self._is_valid_instance(data_info):
                    data_list.append(data_info)
                else:
                    left_out += 1
        if left_out:
            print_log(f'{self.ann_file}: left out {left_out} annotation(s) without a usable face (crowd, no '
                      'keypoints or an empty box), as mmpose does', logger='current')
        if not data_list:
            self._refuse('no annotation describes a usable face')
        return data_list

    # ------------------------------------------------------------------ one face
    def _numbers(self, ann: dict, key: str, count: int = None, required: bool = True):
        """``ann[key]`` as a float64 array, refusing what is not a list of numbers."""
        if key not in ann or ann[key] is None:
            if required:
                self._refuse(f'no {key!r}', ann['id'])
            return None
        values = ann[key]
        if isinstance(values, (str, bytes, dict)):
            self._refuse(f'{key!r} is not a list of numbers: {_described(values)}', ann['id'])
        try:
            array = np.asarray(values, dtype=np.float64)  # None becomes NaN (refused as not finite)
        except (TypeError, ValueError):
            self._refuse(f'{key!r} is not a list of numbers: {_described(values)}', ann['id'])
        if count is not None and array.size != count:
            self._refuse(f'{key!r} has {array.size} values, expected {count}', ann['id'])
        return array

    def parse_keypoints(self, ann: dict, key: str = 'keypoints'):
        """``ann[key]``, K x [x, y, v] -> keypoints (1, K, 2) and keypoints_visible (1, K), float32."""
        num_keypoints = self.metainfo['num_keypoints']
        raw = self._numbers(ann, key)
        if raw.size != num_keypoints * 3:
            count = f'{raw.size // 3}' if raw.size % 3 == 0 else f'{raw.size / 3:g}'
            self._refuse(f'{count} keypoints, expected {num_keypoints}', ann['id'])
        raw = raw.reshape(1, num_keypoints, 3)
        with np.errstate(over='ignore'):  # values beyond float32 (kept as such below) become inf
            if not np.isfinite(raw.astype(np.float32)).all():
                self._refuse('keypoint coordinates are not finite (NaN, inf or beyond float32)', ann['id'])
        if self.check_geometry and not np.isin(raw[..., 2], VISIBILITY_VALUES).all():
            k = int(np.flatnonzero(~np.isin(raw[0, :, 2], VISIBILITY_VALUES))[0])
            self._refuse(f'keypoint {k} has visibility {raw[0, k, 2]:g}; it must be 0, 1 or 2 '
                         '(check_geometry=False loads it as it is)', ann['id'])
        keypoints = raw[..., :2].astype(np.float32)
        return keypoints, np.minimum(1, raw[..., 2].astype(np.float32))

    def parse_center_scale(self, ann: dict) -> dict:
        """``center`` [x, y] and ``scale`` (box side / 200 px) -> bbox, bbox_center, bbox_scale."""
        center = self._numbers(ann, 'center', 2).reshape(1, 2)
        if not np.isfinite(center).all():
            self._refuse("no finite 'center'", ann['id'])
        scale = ann.get('scale')
        if isinstance(scale, (list, tuple)) and len(scale) == 1:
            scale = scale[0]
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            scale = float('nan')
        if not 0 < scale < np.finfo(np.float32).max / PIXEL_STD:
            self._refuse(f"box scale must be positive and finite, got {_described(ann.get('scale'))}", ann['id'])
        if self.check_geometry and scale * PIXEL_STD < 1:
            self._refuse(f'box scale {scale:g} is under one pixel ({scale * PIXEL_STD:.3g} px; '
                         'check_geometry=False loads it as it is)', ann['id'])
        center = center.astype(np.float32)
        bbox_scale = np.array([[scale, scale]], dtype=np.float32) * PIXEL_STD
        corner = center - 0.5 * bbox_scale  # x2 = x1 + w, to the bit as mmpose's bbox_cs2xyxy
        return dict(bbox=np.hstack([corner, corner + bbox_scale]), bbox_center=center, bbox_scale=bbox_scale)

    def parse_xywh_box(self, ann: dict, image: dict, key: str = 'bbox') -> np.ndarray:
        """``ann[key]`` [x, y, w, h] clipped to the image (as mmpose) -> (1, 4) xyxy float32."""
        box = self._numbers(ann, key, 4)
        if not np.isfinite(box).all():
            self._refuse(f'{key!r} is not finite: {_described(ann[key])}', ann['id'])
        for side in ('width', 'height'):
            if not isinstance(image.get(side), (int, float)) or not image[side] > 0:
                self._refuse(f"image id {image['id']} has no positive {side!r}, needed to clip the box",
                             ann['id'])
        x, y, w, h = box.tolist()
        x1, y1 = np.clip(x, 0, image['width'] - 1), np.clip(y, 0, image['height'] - 1)
        x2, y2 = np.clip(x + w, 0, image['width'] - 1), np.clip(y + h, 0, image['height'] - 1)
        return np.array([x1, y1, x2, y2], dtype=np.float32).reshape(1, 4)

    def check_inside_image(self, ann: dict, image: dict, keypoints, keypoints_visible, center=None) -> None:
        """Refuse labelled points (or the centre) farther outside the image than its own size."""
        if not self.check_geometry:
            return
        size = [image.get('width'), image.get('height')]
        if not all(isinstance(v, (int, float)) and v > 0 for v in size):
            return  # without the image size there is nothing to compare with
        size = np.asarray(size, dtype=np.float64)
        points = [('keypoint', k, keypoints[0, k]) for k in np.flatnonzero(keypoints_visible[0] > 0)]
        if center is not None:
            points.append(('centre', None, center[0]))
        for what, k, point in points:
            if ((point < -size) | (point > 2 * size)).any():
                name = what if k is None else f'{what} {k}'
                self._refuse(f'{name} at ({point[0]:.1f}, {point[1]:.1f}) is farther from the '
                             f'{size[0]:g} x {size[1]:g} image {image["file_name"]!r} than its own size '
                             '(check_geometry=False loads it as it is)', ann['id'])

    def parse_attributes(self, ann: dict):
        """The face's subsets ``{name: 0 or 1}`` from its ``attributes``, or None.

        ``attributes`` is a dict with a 0/1 flag for every subset of
        ``metainfo['subsets']`` or a list of the flags in that order (WFLW's
        release order); anything else is refused naming file and id. A data
        set without subsets does not read the field.
        """
        attributes = ann.get('attributes')
        if not attributes:
            return None
        names = tuple(self.metainfo.get('subsets') or ())
        if not names:
            return None  # a data set without subsets: the field is not read (as mmpose ignores it)
        if isinstance(attributes, (list, tuple)):
            if len(attributes) != len(names):
                self._refuse(f"'attributes' is a list of {len(attributes)} values; a list must hold the "
                             f'{len(names)} flags in the release order {names}', ann['id'])
            attributes = dict(zip(names, attributes))
        if not isinstance(attributes, dict):
            self._refuse(f"'attributes' must be a dict of the flags {names} or a list of them in that "
                         f'order, got {type(attributes).__name__}', ann['id'])
        missing = [name for name in names if name not in attributes]
        if missing:
            self._refuse(f"'attributes' has no {missing[0]!r} flag (it needs {names})", ann['id'])
        flags = {}
        for name in names:
            value = attributes[name]
            if isinstance(value, bool) or value in (0, 1):
                flags[name] = int(value)
            else:
                self._refuse(f"attribute {name!r} must be 0 or 1, got {value!r}", ann['id'])
        return flags


    def parse_data_info(self, raw_data_info: dict):
        """mmpose's base layout: ``bbox`` [x, y, w, h], ``keypoints``; None when either is absent."""
        ann, image = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        if 'bbox' not in ann or 'keypoints' not in ann:
            return None
        bbox = self.parse_xywh_box(ann, image)
        keypoints, keypoints_visible = self.parse_keypoints(ann)
        self.check_inside_image(ann, image, keypoints, keypoints_visible)
        x1, y1, x2, y2 = bbox[0]
        area = ann['area'] if 'area' in ann else np.clip((x2 - x1) * (y2 - y1) * 0.53, a_min=1.0, a_max=None)
        return dict(self.common_fields(ann, image, keypoints, keypoints_visible),
                    bbox=bbox, area=np.array(area, dtype=np.float32))

    def common_fields(self, ann: dict, image: dict, keypoints, keypoints_visible) -> dict:
        """The item fields every layout has."""
        num_keypoints = ann.get('num_keypoints', np.count_nonzero(keypoints.max(axis=2)))
        return dict(
            ann_file=self.ann_file, img_id=ann['image_id'], id=ann['id'],
            img_path=osp.join(self.data_prefix.get('img', '') or '', image['file_name']),
            bbox_score=np.ones(1, dtype=np.float32),
            num_keypoints=num_keypoints,
            keypoints=keypoints, keypoints_visible=keypoints_visible,
            iscrowd=ann.get('iscrowd', 0),
            category_id=ann.get('category_id', 1),
            attributes=self.parse_attributes(ann),
            # the size the file declares; LoadImage replaces it by the decoded one, and warns when they differ
            img_shape=(image.get('height'), image.get('width')))

    @staticmethod
    def _is_valid_instance(data_info: dict) -> bool:
        """mmpose's filter: not crowd, some keypoints, a non-empty box, a positive coordinate."""
        if data_info.get('iscrowd'):
            return False
        if data_info.get('num_keypoints', 1) == 0:
            return False
        if 'bbox' in data_info:
            w, h = data_info['bbox'][0][2:4] - data_info['bbox'][0][:2]
            if w <= 0 or h <= 0:
                return False
        return not ('keypoints' in data_info and np.max(data_info['keypoints']) <= 0)

    # ------------------------------------------------------------------ detected boxes
    def _load_detection_results(self) -> list:
        """Faces from ``bbox_file`` (category 1 only), with placeholder keypoints (as mmpose)."""
        coco = self._read_json(self.ann_file, 'annotation file')
        if not isinstance(coco, dict) or not isinstance(coco.get('images'), list):
            self._refuse("no 'images' list (not a COCO-style file)")
        images = self._read_images(coco)
        detections = self._read_json(self.bbox_file, 'bbox file')
        if not isinstance(detections, list) or not all(isinstance(d, dict) for d in detections):
            raise FaceAnnotationError(f'{self.bbox_file}: BBox file should be a list of dict, '
                                      f'but got {type(detections).__name__}')
        num_keypoints = self.metainfo['num_keypoints']
        data_list = []
        for index, det in enumerate(detections):
            missing = [key for key in ('image_id', 'bbox', 'score', 'category_id') if key not in det]
            if missing:
                raise FaceAnnotationError(f'{self.bbox_file}: detection {index} has no {missing[0]!r}')
            if det['category_id'] != 1:
                continue
            if det['image_id'] not in images:
                raise FaceAnnotationError(f"{self.bbox_file}: detection {index}: image_id {det['image_id']} "
                                          f'is not in the images of {self.ann_file}')
            image = images[det['image_id']]
            try:
                x, y, w, h = np.asarray(det['bbox'][:4], dtype=np.float32)
                score = np.array(det['score'], dtype=np.float32).reshape(1)
            except (TypeError, ValueError):
                raise FaceAnnotationError(f'{self.bbox_file}: detection {index}: bbox or score is not '
                                          'numeric') from None
            data_list.append(dict(
                ann_file=self.ann_file, img_id=det['image_id'],
                img_path=osp.join(self.data_prefix.get('img', '') or '', image['file_name']),
                img_shape=(image.get('height'), image.get('width')),
                bbox=np.array([[x, y, x + w, y + h]], dtype=np.float32),
                bbox_score=score,
                keypoints=np.zeros((1, num_keypoints, 2), dtype=np.float32),
                keypoints_visible=np.ones((1, num_keypoints), dtype=np.float32),
                id=len(data_list)))
        return data_list

    def filter_data(self) -> list:
        """``filter_cfg=dict(bbox_score_thr=t)`` leaves out boxes scored under t (as mmpose)."""
        if not self.filter_cfg or 'bbox_score_thr' not in self.filter_cfg:
            return self.data_list
        threshold = self.filter_cfg['bbox_score_thr']
        return [item for item in self.data_list if not item['bbox_score'] < threshold]

    # ------------------------------------------------------------------ items
    def get_data_info(self, idx: int) -> dict:
        data_info = super().get_data_info(idx)
        for key in ITEM_METAINFO_KEYS:
            data_info[key] = copy.deepcopy(self.metainfo[key])
        return data_info

    def __getitem__(self, idx: int):
        try:
            return super().__getitem__(idx)
        except Exception as error:  # noqa: BLE001  mmengine raises a bare Exception when every refetch failed
            if not str(error).startswith('Cannot find valid image after'):
                raise
            last = f'; the last: {self.last_skipped}' if getattr(self, 'last_skipped', None) else ''
            raise ImageLoadError(
                f'{self.ann_file}: no readable image in {self.max_refetch + 1} draws (bad_image_policy='
                f'{self.bad_image_policy!r}{last}); check data_root and data_prefix') from None

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except ImageLoadError as error:
            if self.bad_image_policy == 'raise' or self.test_mode:
                raise
            self.last_skipped = str(error)
            self.skipped_images += 1
            print_log(f'skipped a face: {error} ({self.skipped_images} skipped so far in this '
                      'process; bad_image_policy=skip)', logger='current', level=30)
            return None
