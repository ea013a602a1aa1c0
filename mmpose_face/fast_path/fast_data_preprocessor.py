"""The fast path's data preprocessor: cached crops -> augmented, normalised batch on the device."""
import cv2
import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData

from mmpose_face.models.data_preprocessor import PoseDataPreprocessor
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample
from .batch_topdown_augmentor import BatchTopdownAugmentor
from .face_crop_cache import FaceCropCache


class _DeviceCache:
    """A crop cache copied to one device: crops (N, 3, S, S) uint8 in the
    channel order the model wants, and the per-face arrays."""

    def __init__(self, cache: FaceCropCache, device, channel_order=(0, 1, 2), chunk: int = 256):
        self.crops = torch.empty(cache.crops.shape, dtype=torch.uint8, device=device)
        for start in range(0, len(cache), chunk):  # bounded host memory for the copy
            rows = np.ascontiguousarray(cache.crops[start:start + chunk][:, list(channel_order)])
            self.crops[start:start + chunk].copy_(torch.from_numpy(rows))
        faces = cache.faces
        self.keypoints = torch.from_numpy(faces['keypoints']).to(device)
        self.keypoints_visible = torch.from_numpy(faces['keypoints_visible']).to(device)
        self.center = torch.from_numpy(faces['center']).to(device)
        self.box_scale = torch.from_numpy(faces['box_scale']).to(device)
        self.flip_indices = torch.from_numpy(faces['flip_indices']).to(device)
        self.img_paths = faces['img_path'].tolist()
        self.settings = cache.settings


@MODELS.register_module()
class FastPoseDataPreprocessor(PoseDataPreprocessor):
    """``PoseDataPreprocessor`` that also takes fast-path batches.

    A batch from :class:`~mmpose_face.fast_path.CachedFaceDataset`
    (``face_index`` (B,), ``cache_dir``) is augmented here, on the model's
    device: the cache is copied to the device on first use, parameters are
    drawn from a generator seeded by (seed, rank, iteration) - so a resumed
    run draws exactly what an uninterrupted one would - and the batch is
    warped: on an accelerator by ``grid_sample`` in chunks of ``chunk_size``
    faces, on the CPU by ``cv2.warpAffine`` face by face. Any
    other batch (validation, testing, inference) goes through
    ``PoseDataPreprocessor`` unchanged.

    Args:
        input_size: (w, h) network input, pixels.
        augment: ``BatchTopdownAugmentor`` arguments (flip_prob, shift_factor,
            shift_prob, scale_factor, scale_prob, rotate_factor, rotate_prob).
        seed: base seed of the augmentation; default ``torch.initial_seed()``
            (mmengine's ``randomness.seed``).
        chunk_size: faces warped at once on an accelerator (bounds the float
            copy of their crops: chunk x 3 x S x S x 4 bytes).
        channels_last: return inputs in channels-last memory format on CUDA
            (on the CPU it would only cost a re-layout, ~25% of the work).
        Other arguments as ``PoseDataPreprocessor`` (mean, std, bgr_to_rgb).

    Returns, for a fast-path batch, ``inputs`` (B, 3, h, w) normalised and
    ``data_samples``: ONE ``PoseDataSample`` for the whole batch whose
    ``gt_instance_labels`` hold ``keypoint_labels`` (B, K, 2) and
    ``keypoint_weights`` (B, K) (the head concatenates per-sample labels, so
    one batch-sized sample is the same to it, without B Python objects per
    step) and whose metainfo ``img_path`` lists the B images.
    """

    def __init__(self, input_size=(256, 256), augment: dict = None, seed: int = None, chunk_size: int = 128,
                 channels_last: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.augmentor = BatchTopdownAugmentor(input_size, **(augment or {}))
        self.seed = seed
        self.chunk_size = chunk_size
        self.channels_last = channels_last
        self._device_caches = {}
        self._generators = {}
        self._calls = 0

    def forward(self, data: dict, training: bool = False) -> dict:
        if 'face_index' not in data:
            return super().forward(data, training)
        with torch.autocast(self._device.type, enabled=False):  # geometry and targets in float32
            return self._augment_batch(data)

    def _device_cache(self, cache_dir: str) -> _DeviceCache:
        key = (cache_dir, str(self._device))
        if key not in self._device_caches:
            cache = FaceCropCache(cache_dir)
            self._check_covered(cache)
            order = (2, 1, 0) if self._channel_conversion else (0, 1, 2)  # BGR -> RGB once, here
            self._device_caches[key] = _DeviceCache(cache, self._device, order)
        return self._device_caches[key]

    def _check_covered(self, cache: FaceCropCache) -> None:
        """Refuse augmentation stronger than the cache holds, or another input size."""
        held, wanted = cache.settings, self.augmentor
        problems = []
        if tuple(held.input_size) != wanted.input_size:
            problems.append(f'input_size {wanted.input_size} vs cached {tuple(held.input_size)}')
        if wanted.shift_factor > held.shift_factor + 1e-9:
            problems.append(f'shift_factor {wanted.shift_factor} > cached {held.shift_factor}')
        if wanted.scale_factor[1] > held.scale_factor[1] + 1e-9 or wanted.scale_factor[0] < held.scale_factor[0] - 1e-9:
            problems.append(f'scale_factor {wanted.scale_factor} outside cached {held.scale_factor}')
        if wanted.rotate_factor > held.rotate_factor + 1e-9 and held.rotate_factor < 90:
            problems.append(f'rotate_factor {wanted.rotate_factor} > cached {held.rotate_factor}')
        if problems:
            raise ValueError(f'{cache.directory}: the face crop cache does not cover this augmentation ('
                             + '; '.join(problems) + '); give CachedFaceDataset the same settings')

    def _generator(self) -> torch.Generator:
        """The device generator, reseeded for this iteration (no host sync)."""
        iteration = MessageHub.get_current_instance().get_info('iter')
        if iteration is None:  # outside a runner: count calls
            iteration, self._calls = self._calls, self._calls + 1
        base_seed = self.seed if self.seed is not None else torch.initial_seed()
        seed = np.random.SeedSequence([base_seed % 2**63, get_rank(), int(iteration)]).generate_state(1, np.uint64)[0]
        key = str(self._device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=self._device)
        return self._generators[key].manual_seed(int(seed) & (2**63 - 1))

    def _warp(self, cache: _DeviceCache, face_index: torch.Tensor, host_index: list,
              matrices: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) float inputs from the cached crops of ``face_index``."""
        if self._device.type == 'cpu':
            return self._warp_on_host(cache, host_index, matrices)
        return self._warp_batched(cache, face_index, matrices)

    def _warp_batched(self, cache: _DeviceCache, face_index: torch.Tensor, matrices: torch.Tensor):
        """On an accelerator: gather whole crops and warp them, ``chunk_size`` faces at a time."""
        chunks = []
        for start in range(0, len(face_index), self.chunk_size):
            crops = cache.crops.index_select(0, face_index[start:start + self.chunk_size]).float()
            chunks.append(self.augmentor.warp_images(crops, matrices[start:start + self.chunk_size]))
        return torch.cat(chunks) if len(chunks) > 1 else chunks[0]

    def _warp_on_host(self, cache: _DeviceCache, host_index: list, matrices: torch.Tensor):
        """On the CPU: ``cv2.warpAffine`` (the reference pipeline's own warp) of
        each cached uint8 crop, one channel plane at a time, straight into the
        batch; only the (B, 3, h, w) result is converted to float."""
        w, h = self.augmentor.input_size
        inputs = np.empty((len(host_index), 3, h, w), dtype=np.uint8)
        for row, (face, matrix) in enumerate(zip(host_index, matrices.double().numpy())):
            crop = cache.crops[face].numpy()
            for channel in range(3):
                cv2.warpAffine(crop[channel], matrix, (w, h), dst=inputs[row, channel],
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return torch.from_numpy(inputs).float()

    def _augment_batch(self, data: dict) -> dict:
        cache_dir = data['cache_dir'][0] if isinstance(data['cache_dir'], (list, tuple)) else data['cache_dir']
        cache = self._device_cache(cache_dir)
        face_index = torch.as_tensor(data['face_index'])
        host_index = face_index.tolist()  # the loader's indices are on the host: no sync
        img_paths = [cache.img_paths[i] for i in host_index]
        if self._device.type == 'cuda':  # a pinned source: a pageable copy would wait for the GPU
            face_index = face_index.pin_memory()
        face_index = face_index.to(self._device, non_blocking=True)
        batch_size = len(img_paths)
        params = self.augmentor.sample(batch_size, self._generator(), self._device)
        matrices = self.augmentor.warp_matrices(params, cache.center[face_index], cache.box_scale[face_index])
        inputs = self._warp(cache, face_index, host_index, matrices)  # already RGB if bgr_to_rgb
        if self._enable_normalize:
            inputs = inputs.sub_(self.mean).div_(self.std)
        if self.channels_last and self._device.type == 'cuda':
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        labels, weights = self.augmentor.keypoint_targets(
            cache.keypoints[face_index], cache.keypoints_visible[face_index], matrices, params.flip,
            cache.flip_indices)
        batch_sample = PoseDataSample(metainfo=dict(img_path=img_paths, batch_size=batch_size))
        batch_sample.gt_instance_labels = InstanceData(keypoint_labels=labels, keypoint_weights=weights)
        return dict(inputs=inputs, data_samples=[batch_sample])
