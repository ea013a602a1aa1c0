"""Decode once: a cache of square face crops for the fast training path.

Each face is cut out of its photograph once, as a square crop of ``S x S``
pixels centred on the (padded) face box, big enough for the strongest
augmentation the train pipeline can draw, and sharp enough that the
``input_size`` network input loses nothing at the strongest zoom. Epochs
then warp these crops (:class:`~mmpose_face.fast_path.BatchTopdownAugmentor`)
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
* cache pixel size ``k = 2 R / (S - 3)`` image pixels: the covered square
  plus one pixel each side for bilinear neighbours.
* lossless size: the input has ``w / (lo * b^w)`` pixels per image pixel at
  the strongest zoom, so ``S = ceil(2 R w / (lo b^w)) + 3``: 716 for
  256x256 and the published settings (1.54 MB per face, 11.5 GB for WFLW's
  7,500 training faces; ``crop_size=512`` halves that and softens only the
  faces whose padded box exceeds ~245 px when zoomed in).

A face smaller than that in its photograph is upsampled (bilinear, like the
reference warp); a larger one is first area-averaged by an integer factor
when ``k >= 2`` so the cache does not alias.

Files in the cache directory: ``crops.npy`` (N, S, S, 3) uint8 BGR (a
memory map), ``faces.npz`` (per face, cache pixels: ``keypoints`` (N, K, 2),
``keypoints_visible`` (N, K), ``center`` (N, 2), ``box_scale`` (N, 2); image
pixels: ``origin`` (N, 2) of cache pixel (0, 0) and ``pixel_size`` (N,);
``dataset_index`` (N,), ``img_path`` (N,), ``flip_indices`` (K,)) and
``key.json``, written last: what the cache was built from (annotation file
hash, image sizes and mtimes, face boxes and keypoints, settings, shard). A
key that differs from the current one rebuilds the cache.
"""
import hashlib
import json
import math
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

CACHE_FORMAT_VERSION = 3  # 2: crops (N, S, S, 3), as cv2 warps them in one call; 3: settings by jitter bounds
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


def lossless_crop_size(box_scale: np.ndarray, settings: CropCacheSettings) -> int:
    """Smallest S at which no (N, 2) box loses resolution at the strongest zoom."""
    w, h = settings.input_size
    widened = fix_aspect_ratio(np.asarray(box_scale, dtype=np.float32), w / h)
    cache_pixels = 2 * covered_half_side(box_scale, settings) * w / (settings.scale_range[0] * widened[:, 0])
    return int(math.ceil(float(np.max(cache_pixels)) - 1e-6)) + BILINEAR_MARGIN_PX


def crop_geometry(center: np.ndarray, box_scale: np.ndarray, crop_size: int, settings: CropCacheSettings):
    """Cache pixel (u, v) shows image pixel ``origin + pixel_size * (u, v)``.

    center, box_scale (N, 2) image pixels -> origin (N, 2), pixel_size (N,);
    the box centre lands on the crop centre ((S - 1) / 2, (S - 1) / 2).
    """
    pixel_size = 2 * covered_half_side(box_scale, settings) / (crop_size - BILINEAR_MARGIN_PX)
    origin = np.asarray(center, dtype=np.float64) - 0.5 * (crop_size - 1) * pixel_size[:, None]
    return origin, pixel_size


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


def cache_key(faces: dict, settings: CropCacheSettings, crop_size: int, ann_file: str = None,
              shard=(0, 1)) -> dict:
    """What a cache depends on, as a JSON-able dict (see the module docstring)."""
    return dict(
        version=CACHE_FORMAT_VERSION,
        ann_file_sha256=sha256_file(ann_file) if ann_file else None,
        images_sha256=_image_stats_digest(faces['img_path']),
        faces_sha256=_faces_digest(faces),
        num_faces=int(len(faces['img_path'])),
        settings=json.loads(json.dumps(asdict(settings))),
        crop_size=int(crop_size),
        shard=[int(v) for v in shard])


class FaceCropCache:
    """An opened cache: ``crops`` (N, S, S, 3) uint8 BGR memory map and the
    per-face arrays of ``faces.npz`` (see the module docstring)."""

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
        if self.crops.shape[0] != len(self.faces['center']) or self.crops.shape[0] != self.key['num_faces']:
            raise FaceCropCacheError(f'{directory}: {self.crops.shape[0]} crops for '
                                     f"{len(self.faces['center'])} faces (an interrupted build?)")
        self.img_paths = self.faces['img_path'].tolist()

    def __reduce__(self):
        # loader workers started by spawn reopen the memory map instead of receiving a copy of it
        return type(self), (self.directory, )

    def __len__(self) -> int:
        return self.crops.shape[0]

    @property
    def crop_size(self) -> int:
        return self.crops.shape[1]

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
        crop_size = (lossless_crop_size(faces['box_scale'], settings) if settings.crop_size == 'lossless'
                     else settings.crop_size)
        key = cache_key(faces, settings, crop_size, ann_file, shard)
        if not cls.is_current(directory, key):
            cls._build(directory, faces, settings, crop_size, key, num_threads, progress)
        return cls(directory)

    @classmethod
    def _build(cls, directory, faces, settings, crop_size, key, num_threads, progress):
        os.makedirs(directory, exist_ok=True)
        key_path = osp.join(directory, cls.KEY)
        if osp.exists(key_path):
            os.remove(key_path)  # an interrupted rebuild must not look valid
        origin, pixel_size = crop_geometry(faces['center'], faces['box_scale'], crop_size, settings)
        num_faces = len(faces['img_path'])
        temporary = f'.{os.getpid()}.tmp'
        crops_path = osp.join(directory, cls.CROPS)
        crops = np.lib.format.open_memmap(crops_path + temporary, mode='w+', dtype=np.uint8,
                                          shape=(num_faces, crop_size, crop_size, 3))
        rows_of_image = {}
        for row, path in enumerate(faces['img_path']):
            rows_of_image.setdefault(path, []).append(row)

        def cache_image(item):
            path, rows = item
            image, downscaled = read_image_bgr(path), {}
            for row in rows:
                crop = warp_face_crop(image, origin[row], pixel_size[row], crop_size, downscaled)
                crops[row] = crop

        try:
            with ThreadPoolExecutor(num_threads or min(8, os.cpu_count() or 1)) as pool:
                jobs = pool.map(cache_image, rows_of_image.items())
                if progress:
                    from tqdm import tqdm
                    jobs = tqdm(jobs, total=len(rows_of_image), file=sys.stderr, mininterval=1.,
                                desc=f'caching {num_faces} face crops ({crop_size}x{crop_size}) in {directory}')
                for _ in jobs:
                    pass
        except BaseException:
            del crops
            os.remove(crops_path + temporary)  # e.g. an unreadable photograph (the error names it)
            raise
        crops.flush()
        del crops
        os.replace(crops_path + temporary, crops_path)
        scale = pixel_size[:, None]
        arrays = dict(
            keypoints=((faces['keypoints'] - origin[:, None]) / scale[:, None]).astype(np.float32),
            keypoints_visible=np.asarray(faces['keypoints_visible'], dtype=np.float32),
            center=((faces['center'] - origin) / scale).astype(np.float32),
            box_scale=(faces['box_scale'] / scale).astype(np.float32),
            origin=origin.astype(np.float64), pixel_size=pixel_size.astype(np.float64),
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
