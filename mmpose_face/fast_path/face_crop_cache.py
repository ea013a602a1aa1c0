"""Decode once: a cache of face crops, each at its own resolution, for the fast training path.

Each face is cut out of its photograph once, as a crop centred on the
(padded) face box, big enough for the strongest augmentation the train
pipeline can draw, and never sharper than the photograph nor than the
``input_size`` network input can use at the strongest zoom. Epochs then
warp these crops (:class:`~mmpose_face.fast_path.BatchTopdownAugmentor`)
instead of decoding and warping the photograph.

Geometry (padded box ``b = (bw, bh)`` pixels, ``b^`` = ``b`` widened to the
input's aspect ratio as ``TopdownAffine`` does; the pipeline's strongest
jitter, its ``jitter_bounds()``: shift up to ``f`` box sizes, scale range
``(lo, hi)``, rotation up to ``r`` degrees):

* half side ``R = hi * E + f * max(bw, bh)``, with ``E`` the largest
  half-extent along an image axis of a ``b^`` box turned by up to ``r``
  degrees (``b^ * sqrt(2) / 2`` for a square box once ``r >= 45``). For the
  published settings (padding 1.25 on a square box ``s``: ``b = 1.25 s``,
  f 0.16, hi 1.25, r 60): ``R = b (1.25 sqrt(2)/2 + 0.16) = 1.044 b``.
* lossless side: the input has ``w / (lo * b^w)`` pixels per image pixel at
  the strongest zoom, so ``S = ceil(2 R w / (lo b^w)) + 3`` (716 for 256x256
  and the published settings), or the given ``crop_size``.
* a face whose covered square at source pixels (``ceil(2 R) + 3`` pixels,
  one more each side for bilinear neighbours) is no larger than ``S`` is
  stored at source pixels: an integer-offset copy of the photograph, no
  resampling (zeros outside it), so the host warp of it is the reference
  warp (see ``BatchTopdownAugmentor.warp_on_host``);
* a larger face is resampled to ``S x S`` with cache pixel size ``k = 2 R /
  (S - 3)`` image pixels, first area-averaged by an integer factor when
  ``k >= 2`` so the cache does not alias.

Files in the cache directory: ``crops.npy``, all crops one after the other
as (h, w, 3) uint8 BGR (a flat memory map), ``faces.npz`` (per face:
``crop_offset`` (N,) and ``crop_shape`` (N, 2) (h, w) of its crop in
``crops.npy``; image pixels: ``origin`` (N, 2) of crop pixel (0, 0),
``pixel_size`` (N,) (1: stored at source pixels), ``image_shape`` (N, 2)
(H, W), ``keypoints`` (N, K, 2), ``center`` (N, 2), ``box_scale`` (N, 2) as
the box step gives them; ``keypoints_visible`` (N, K), ``dataset_index``
(N,), ``img_path`` (N,), ``flip_indices`` (K,)) and ``key.json``, written
last: what the cache was built from (annotation file hash, image sizes and
mtimes, face boxes and keypoints, settings, shard). A key that differs from
the current one rebuilds the cache.
"""
import hashlib
import json
import os
import os.path as osp
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from mmpose_face.errors import FaceCropCacheError
from mmpose_face.fileio import read_image_bgr, sha256_file
from mmpose_face.structures import fix_aspect_ratio

CACHE_FORMAT_VERSION = 4  # 3: settings by jitter bounds; 4: each face at its own resolution, one flat file
BILINEAR_MARGIN_PX = 3  # cache pixels beyond the covered square (one each side, rounded up)




@dataclass(frozen=True)
class CropCacheSettings:
    """What a cache must cover, in the pipeline's own terms: the network
    input (w, h) pixels (the ``warp`` step's), the box ``padding`` (the
    ``box`` step's) and the strongest box jitter (the ``box_jitter`` step's
    ``jitter_bounds()``: ``max_shift`` box sizes, ``scale_range`` (low,
    high) factors, ``max_rotation`` degrees; none by default); ``crop_size``
    S pixels or ``'lossless'``."""
    input_size: tuple
    padding: float
    max_shift: float = 0.
    scale_range: tuple = (1., 1.)
    max_rotation: float = 0.
    crop_size: object = 'lossless'

    def __post_init__(self):
        object.__setattr__(self, 'input_size', tuple(int(v) for v in self.input_size))
        object.__setattr__(self, 'scale_range', tuple(float(v) for v in self.scale_range))
        low, high = self.scale_range
        if not 0 < low <= high:
            raise ValueError(f'CropCacheSettings: scale_range must be 0 < low <= high, got {self.scale_range}')
        if self.max_shift < 0 or self.max_rotation < 0:
            raise ValueError('CropCacheSettings: max_shift and max_rotation must be >= 0')
        if self.crop_size != 'lossless' and not (isinstance(self.crop_size, int) and self.crop_size >= 16):
            raise ValueError(f"CropCacheSettings: crop_size must be 'lossless' or an int >= 16, got {self.crop_size!r}")


def rotated_half_extent(box_wh: np.ndarray, max_degrees: float) -> np.ndarray:
    """(N,) largest half-extent along x or y of (N, 2) boxes turned by any
    angle in [-max_degrees, max_degrees]."""
    width, height = box_wh[:, 0].astype(np.float64), box_wh[:, 1].astype(np.float64)
    limit = np.deg2rad(min(float(max_degrees), 90.))
    extents = []
    for a, b in ((width, height), (height, width)):  # x extent, y extent
        # a cos t + b sin t rises until t* = atan2(b, a), where it is hypot(a, b)
        peak = np.arctan2(b, a)
        extents.append(np.where(peak <= limit, np.hypot(a, b), a * np.cos(limit) + b * np.sin(limit)))
    return 0.5 * np.maximum(*extents)


def covered_half_side(box_scale: np.ndarray, settings: CropCacheSettings) -> np.ndarray:
    """(N,) half side R, image pixels, of the square around the box centre
    that any sampled crop of (N, 2) padded boxes stays inside."""
    w, h = settings.input_size
    widened = fix_aspect_ratio(np.asarray(box_scale, dtype=np.float32), w / h)
    return (settings.scale_range[1] * rotated_half_extent(widened, settings.max_rotation)
            + settings.max_shift * np.max(box_scale, axis=1))


def lossless_sides(box_scale: np.ndarray, settings: CropCacheSettings) -> np.ndarray:
    """(N,) int: the side S at which each (N, 2) box loses no resolution at the strongest zoom."""
    w, h = settings.input_size
    widened = fix_aspect_ratio(np.asarray(box_scale, dtype=np.float32), w / h)
    cache_pixels = 2 * covered_half_side(box_scale, settings) * w / (settings.scale_range[0] * widened[:, 0])
    return np.ceil(cache_pixels - 1e-6).astype(np.int64) + BILINEAR_MARGIN_PX


def lossless_crop_size(box_scale: np.ndarray, settings: CropCacheSettings) -> int:
    """Smallest S at which no (N, 2) box loses resolution at the strongest zoom."""
    return int(np.max(lossless_sides(box_scale, settings)))


def crop_layout(center: np.ndarray, box_scale: np.ndarray, settings: CropCacheSettings) -> dict:
    """Where each face's crop lies: crop pixel (u, v) shows image pixel
    ``origin + pixel_size * (u, v)``.

    center, box_scale (N, 2) image pixels -> ``origin`` (N, 2) float64,
    ``pixel_size`` (N,) float64 and ``crop_shape`` (N, 2) int64 (h, w): at
    source pixels (``pixel_size`` 1, integer ``origin``) the covered square
    and one pixel each side; otherwise ``S x S`` (the lossless side or
    ``settings.crop_size``) centred on the box, ``pixel_size = 2 R / (S - 3)``.
    """
    center = np.asarray(center, dtype=np.float64)
    half = covered_half_side(box_scale, settings)[:, None]
    sides = (lossless_sides(box_scale, settings) if settings.crop_size == 'lossless'
             else np.full(len(center), settings.crop_size, dtype=np.int64))
    first, last = np.floor(center - half) - 1, np.ceil(center + half) + 1  # integer pixels, x and y
    source_shape = (last - first + 1)[:, ::-1].astype(np.int64)
    at_source = source_shape.max(axis=1) <= sides
    pixel_size = np.where(at_source, 1., 2 * half[:, 0] / (sides - BILINEAR_MARGIN_PX))
    resampled_origin = center - 0.5 * (sides[:, None] - 1) * pixel_size[:, None]
    return dict(origin=np.where(at_source[:, None], first, resampled_origin), pixel_size=pixel_size,
                crop_shape=np.where(at_source[:, None], source_shape, sides[:, None]))


def copy_face_crop(image: np.ndarray, origin, crop_shape) -> np.ndarray:
    """(h, w, 3) pixels of a (H, W, 3) image from integer ``origin`` (x, y), zeros outside it."""
    (x0, y0), (h, w) = (int(v) for v in origin), (int(v) for v in crop_shape)
    crop = np.zeros((h, w, 3), dtype=np.uint8)
    top, left = max(y0, 0), max(x0, 0)
    bottom, right = min(y0 + h, image.shape[0]), min(x0 + w, image.shape[1])
    if bottom > top and right > left:
        crop[top - y0:bottom - y0, left - x0:right - x0] = image[top:bottom, left:right]
    return crop


def warp_face_crop(image: np.ndarray, origin, pixel_size: float, crop_size: int,
                   downscaled: dict = None) -> np.ndarray:
    """(S, S, 3) uint8 crop of a (H, W, 3) image: bilinear, zeros outside.

    When one cache pixel spans 2 or more image pixels the image is first
    area-averaged by ``f = floor(pixel_size)`` (whole f x f blocks, zero
    padded), whose pixel ``x'`` is centred at image ``f x' + (f - 1) / 2``.
    ``downscaled`` memoises those images per factor across faces.
    """
    factor = int(pixel_size) if pixel_size >= 2 else 1
    source = image
    if factor > 1:
        downscaled = {} if downscaled is None else downscaled
        if factor not in downscaled:
            height, width = image.shape[:2]
            padded = cv2.copyMakeBorder(image, 0, -height % factor, 0, -width % factor,
                                        cv2.BORDER_CONSTANT, value=0)
            downscaled[factor] = cv2.resize(padded, (padded.shape[1] // factor, padded.shape[0] // factor),
                                            interpolation=cv2.INTER_AREA)
        source = downscaled[factor]
    return _warp(source, origin, pixel_size, crop_size, factor)


def _warp(source, origin, pixel_size, crop_size, factor):
    # source pixel x' sits at image f x' + (f - 1) / 2; cache u at origin + k u
    step = pixel_size / factor
    offset = (np.asarray(origin, dtype=np.float64) - 0.5 * (factor - 1)) / factor
    cache_to_source = np.array([[step, 0., offset[0]], [0., step, offset[1]]])
    return cv2.warpAffine(source, cache_to_source, (crop_size, crop_size),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _image_stats_digest(img_paths) -> str:
    entries = []
    for path in sorted(set(img_paths)):
        try:
            stat = os.stat(path)
        except OSError as error:
            raise FileNotFoundError(f'{path}: image not found for the face crop cache ({error.strerror})') from None
        entries.append([path, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()


def _faces_digest(faces: dict) -> str:
    digest = hashlib.sha256()
    for name in ('center', 'box_scale', 'keypoints', 'keypoints_visible', 'flip_indices'):
        digest.update(np.ascontiguousarray(faces[name], dtype=np.float64).tobytes())
    digest.update('\n'.join(faces['img_path']).encode())
    return digest.hexdigest()


def cache_key(faces: dict, settings: CropCacheSettings, ann_file: str = None, shard=(0, 1)) -> dict:
    """What a cache depends on, as a JSON-able dict (see the module docstring)."""
    return dict(
        version=CACHE_FORMAT_VERSION,
        ann_file_sha256=sha256_file(ann_file) if ann_file else None,
        images_sha256=_image_stats_digest(faces['img_path']),
        faces_sha256=_faces_digest(faces),
        num_faces=int(len(faces['img_path'])),
        settings=json.loads(json.dumps(asdict(settings))),
        shard=[int(v) for v in shard])


class FaceCropCache:
    """An opened cache: ``crops``, a flat uint8 memory map of all crops, the
    per-face arrays of ``faces.npz`` (see the module docstring) and
    :meth:`crop` (one face's (h, w, 3) BGR crop)."""

    CROPS, FACES, KEY = 'crops.npy', 'faces.npz', 'key.json'

    def __init__(self, directory: str):
        self.directory = directory
        try:
            with open(osp.join(directory, self.KEY)) as f:
                self.key = json.load(f)
            with np.load(osp.join(directory, self.FACES)) as faces:
                self.faces = {name: faces[name] for name in faces.files}
            # copy-on-write: torch.from_numpy needs a writable array; the file is never written
            self.crops = np.load(osp.join(directory, self.CROPS), mmap_mode='c')
        except (OSError, ValueError, KeyError) as error:
            raise FaceCropCacheError(f'{directory}: not a usable face crop cache ({error})') from None
        self._check_layout()
        self.img_paths = self.faces['img_path'].tolist()

    def _check_layout(self) -> None:
        """Every array of the module docstring, with its shape; ``crops`` a flat uint8 map holding
        exactly the bytes that ``crop_offset`` and ``crop_shape`` account for."""
        directory, faces, crops = self.directory, self.faces, self.crops
        if not isinstance(self.key, dict) or not isinstance(self.key.get('num_faces'), int):
            raise FaceCropCacheError(f'{directory}: {self.KEY} has no "num_faces" (an interrupted build?)')
        num_faces = self.key['num_faces']
        num_keypoints = faces['keypoints'].shape[1] if getattr(faces.get('keypoints'), 'ndim', 0) == 3 else None
        expected = dict(crop_offset=(num_faces, ), crop_shape=(num_faces, 2), image_shape=(num_faces, 2),
                        keypoints=(num_faces, num_keypoints, 2), keypoints_visible=(num_faces, num_keypoints),
                        center=(num_faces, 2), box_scale=(num_faces, 2), origin=(num_faces, 2),
                        pixel_size=(num_faces,), dataset_index=(num_faces,), img_path=(num_faces,),
                        flip_indices=(num_keypoints,))
        for name, shape in expected.items():
            if name not in faces:
                raise FaceCropCacheError(f'{directory}: {self.FACES} has no "{name}" (an interrupted or foreign '
                                         'build?)')
            if faces[name].shape != shape or (name != 'img_path' and faces[name].dtype.kind not in 'fiu'):
                raise FaceCropCacheError(f'{directory}: {self.FACES}: "{name}" has shape {faces[name].shape} and '
                                         f'type {faces[name].dtype}, expected {shape} numbers for {num_faces} '
                                         'faces')
        if crops.ndim != 1 or crops.dtype != np.uint8:
            raise FaceCropCacheError(f'{directory}: {self.CROPS} holds {crops.dtype} crops of shape {crops.shape}, '
                                     'expected one flat uint8 array of all crops')
        offsets, shapes = faces['crop_offset'].astype(np.int64), faces['crop_shape'].astype(np.int64)
        sizes = shapes.prod(axis=1) * 3
        if num_faces and ((shapes < 1).any() or (offsets != np.concatenate([[0], np.cumsum(sizes)[:-1]])).any()):
            raise FaceCropCacheError(f'{directory}: {self.FACES}: "crop_offset" and "crop_shape" do not lay the '
                                     'crops one after the other (a foreign or damaged build?)')
        if crops.shape != (int(sizes.sum()), ):
            raise FaceCropCacheError(f'{directory}: {crops.size} bytes of crops for {num_faces} faces of '
                                     f'{int(sizes.sum())} bytes (an interrupted build?)')

    def __reduce__(self):
        # loader workers started by spawn reopen the memory map instead of receiving a copy of it
        return type(self), (self.directory, )

    def __len__(self) -> int:
        return len(self.faces['crop_offset'])

    def crop(self, row: int) -> np.ndarray:
        """(h, w, 3) uint8 BGR crop of face ``row`` (a view of the memory map)."""
        offset = int(self.faces['crop_offset'][row])
        h, w = (int(v) for v in self.faces['crop_shape'][row])
        return self.crops[offset:offset + h * w * 3].reshape(h, w, 3)

    @property
    def crop_size(self) -> int:
        """The largest crop side, pixels."""
        return int(self.faces['crop_shape'].max())

    @property
    def nbytes(self) -> int:
        """Bytes of crops."""
        return int(self.crops.size)

    @property
    def settings(self) -> CropCacheSettings:
        return CropCacheSettings(**self.key['settings'])

    @classmethod
    def is_current(cls, directory: str, key: dict) -> bool:
        try:
            with open(osp.join(directory, cls.KEY)) as f:
                return json.load(f) == key
        except (OSError, ValueError):
            return False

    @classmethod
    def build_or_open(cls, directory: str, faces: dict, settings: CropCacheSettings,
                      ann_file: str = None, shard=(0, 1), num_threads: int = None,
                      progress: bool = True) -> 'FaceCropCache':
        """Open ``directory`` if its key matches ``faces``/``settings``, else build it.

        faces: ``img_path`` (N,) str, ``center`` (N, 2) and ``box_scale``
        (N, 2) padded box, image pixels, ``keypoints`` (N, K, 2) image
        pixels, ``keypoints_visible`` (N, K), ``flip_indices`` (K,),
        ``dataset_index`` (N,).
        """
        if len(faces['img_path']) == 0:
            raise FaceCropCacheError(f'{directory}: no faces to cache')
        key = cache_key(faces, settings, ann_file, shard)
        if not cls.is_current(directory, key):
            cls._build(directory, faces, settings, key, num_threads, progress)
        return cls(directory)

    @classmethod
    def _build(cls, directory, faces, settings, key, num_threads, progress):
        os.makedirs(directory, exist_ok=True)
        key_path = osp.join(directory, cls.KEY)
        if osp.exists(key_path):
            os.remove(key_path)  # an interrupted rebuild must not look valid
        layout = crop_layout(faces['center'], faces['box_scale'], settings)
        origin, pixel_size, crop_shape = layout['origin'], layout['pixel_size'], layout['crop_shape']
        sizes = crop_shape.prod(axis=1) * 3
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        num_faces = len(faces['img_path'])
        image_shape = np.zeros((num_faces, 2), dtype=np.int64)
        temporary = f'.{os.getpid()}.tmp'
        crops_path = osp.join(directory, cls.CROPS)
        crops = np.lib.format.open_memmap(crops_path + temporary, mode='w+', dtype=np.uint8,
                                          shape=(int(sizes.sum()), ))
        rows_of_image = {}
        for row, path in enumerate(faces['img_path']):
            rows_of_image.setdefault(path, []).append(row)

        def cache_image(item):
            path, rows = item
            image, downscaled = read_image_bgr(path), {}
            for row in rows:
                image_shape[row] = image.shape[:2]
                if pixel_size[row] == 1:
                    crop = copy_face_crop(image, origin[row], crop_shape[row])
                else:
                    crop = warp_face_crop(image, origin[row], pixel_size[row], int(crop_shape[row, 0]), downscaled)
                crops[offsets[row]:offsets[row] + sizes[row]] = crop.reshape(-1)

        try:
            with ThreadPoolExecutor(num_threads or min(8, os.cpu_count() or 1)) as pool:
                jobs = pool.map(cache_image, rows_of_image.items())
                if progress:
                    from tqdm import tqdm
                    jobs = tqdm(jobs, total=len(rows_of_image), file=sys.stderr, mininterval=1.,
                                desc=f'caching {num_faces} face crops in {directory}')
                for _ in jobs:
                    pass
        except BaseException:
            del crops
            os.remove(crops_path + temporary)  # e.g. an unreadable photograph (the error names it)
            raise
        crops.flush()
        del crops
        os.replace(crops_path + temporary, crops_path)
        arrays = dict(
            crop_offset=offsets, crop_shape=crop_shape.astype(np.int64), origin=origin.astype(np.float64),
            pixel_size=pixel_size.astype(np.float64), image_shape=image_shape,
            keypoints=np.asarray(faces['keypoints'], dtype=np.float32),
            keypoints_visible=np.asarray(faces['keypoints_visible'], dtype=np.float32),
            center=np.asarray(faces['center'], dtype=np.float32),
            box_scale=np.asarray(faces['box_scale'], dtype=np.float32),
            dataset_index=np.asarray(faces['dataset_index'], dtype=np.int64),
            img_path=np.asarray(faces['img_path'], dtype=str),
            flip_indices=np.asarray(faces['flip_indices'], dtype=np.int64))
        faces_path = osp.join(directory, cls.FACES)
        with open(faces_path + temporary, 'wb') as f:
            np.savez(f, **arrays)
        os.replace(faces_path + temporary, faces_path)
        with open(key_path + temporary, 'w') as f:
            json.dump(key, f, indent=1)
        os.replace(key_path + temporary, key_path)
