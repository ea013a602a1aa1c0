"""The fast path's data preprocessor: an augmented batch -> normalised inputs and targets on the device."""
import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData

from mmpose_face.models.data_preprocessor import PoseDataPreprocessor
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample
from .augmented_face_batch import AugmentedFaceBatch
from .batch_topdown_augmentor import BatchTopdownAugmentor
from .face_crop_cache import FaceCropCache


class _DeviceCache:
    """A crop cache copied to one device: all crops one after the other
    (flat uint8, in the channel order the model wants), their offsets and (h, w)."""

    def __init__(self, cache: FaceCropCache, device, channel_order=(0, 1, 2), chunk_bytes: int = 3 << 24):
        self.crops = torch.empty(cache.crops.shape, dtype=torch.uint8, device=device)
        for start in range(0, cache.nbytes, chunk_bytes):  # bounded host memory for the copy (a multiple of 3)
            pixels = np.ascontiguousarray(cache.crops[start:start + chunk_bytes].reshape(-1, 3)[:, list(channel_order)])
            self.crops[start:start + pixels.size].copy_(torch.from_numpy(pixels.reshape(-1)))
        self.offsets = cache.faces['crop_offset'].tolist()
        self.shapes = cache.faces['crop_shape'].tolist()

    def padded(self, rows) -> torch.Tensor:
        """(B, 3, H, W) float crops of ``rows``, zero-padded right and below to the largest."""
        height = max(self.shapes[row][0] for row in rows)
        width = max(self.shapes[row][1] for row in rows)
        out = self.crops.new_zeros((len(rows), height, width, 3))
        for index, row in enumerate(rows):
            (h, w), offset = self.shapes[row], self.offsets[row]
            out[index, :h, :w] = self.crops[offset:offset + h * w * 3].view(h, w, 3)
        return out.permute(0, 3, 1, 2).float()


@MODELS.register_module()
class FastPoseDataPreprocessor(PoseDataPreprocessor):
    """``PoseDataPreprocessor`` that also takes :class:`CachedFaceDataset` batches.

    Such a batch (an :class:`AugmentedFaceBatch`) becomes: inputs (B, 3, h, w) normalised as
    ``PoseDataPreprocessor`` does - warped here by ``grid_sample`` from a
    copy of the cache on the model's device, ``chunk_size`` faces at a time,
    when the loader did not - and one :class:`PoseDataSample` per face whose
    ``gt_instance_labels`` (and ``gt_fields``) hold the codec's
    ``encode_batch`` outputs, packed where ``PackPoseInputs`` packs them.
    Any other batch (validation, testing, inference) goes through
    ``PoseDataPreprocessor`` unchanged.

    The training set's cache and augmentor are handed over by :meth:`bind`
    (``FastEpochBasedTrainLoop`` does it when it starts).

    Args:
        chunk_size: faces warped at once on the device (bounds the float
            copy of their crops, zero-padded to the largest: chunk x 3 x S x S x 4 bytes).
        channels_last: return inputs in channels-last memory format on CUDA
            (on the CPU it would only cost a re-layout).
        Other arguments as ``PoseDataPreprocessor`` (mean, std, bgr_to_rgb).
    """

    def __init__(self, chunk_size: int = 128, channels_last: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.chunk_size = chunk_size
        self.channels_last = channels_last
        self._cache = self._augmentor = None
        self._device_caches = {}

    def bind(self, cache: FaceCropCache, augmentor: BatchTopdownAugmentor) -> None:
        """Use this crop cache (for warps on the device) and this augmentor's
        codec, input size and packing tables for fast-path batches."""
        if cache is not self._cache:  # the same cache (a switched pipeline) keeps its device copies
            self._device_caches = {}
        self._cache, self._augmentor = cache, augmentor

    def forward(self, data: dict, training: bool = False) -> dict:
        if not isinstance(data, AugmentedFaceBatch):
            return super().forward(data, training)
        if self._augmentor is None:
            raise RuntimeError('FastPoseDataPreprocessor: a fast-path batch, but no training set is bound; '
                               'FastEpochBasedTrainLoop binds it (or call bind(dataset.cache, dataset.augmentor))')
        with torch.autocast(self._device.type, enabled=False):  # geometry and targets in float32
            return self._fast_batch(data)

    def _device_cache(self) -> _DeviceCache:
        key = str(self._device)
        if key not in self._device_caches:
            order = (2, 1, 0) if self._channel_conversion else (0, 1, 2)  # BGR -> RGB once, here
            self._device_caches[key] = _DeviceCache(self._cache, self._device, order)
        return self._device_caches[key]

    def _to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor.to(self._device, non_blocking=True)  # from the loader's pinned memory on CUDA

    def _warp_on_device(self, face_index: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
        device_cache = self._device_cache()
        rows = face_index.tolist()  # the loader's host tensor: no sync
        matrices = self._to_device(matrices)
        chunks = []
        for start in range(0, len(rows), self.chunk_size):
            crops = device_cache.padded(rows[start:start + self.chunk_size])
            chunks.append(self._augmentor.warp_on_device(crops, matrices[start:start + self.chunk_size]))
        return torch.cat(chunks) if len(chunks) > 1 else chunks[0]

    def _normalise_loaded(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) uint8 BGR (a channels-last view, as the loader warps) -> float
        ``(x - mean) / std``, channels swapped if ``bgr_to_rgb``, channels-last."""
        pixels = inputs.permute(0, 2, 3, 1)  # (B, h, w, 3): the layout in memory
        if self._channel_conversion:
            pixels = pixels.flip(-1)
        out = torch.empty(pixels.shape, dtype=torch.float32, device=pixels.device)
        if self._enable_normalize:
            torch.sub(pixels, self.mean.view(3), out=out).div_(self.std.view(3))
        else:
            out.copy_(pixels)
        return out.permute(0, 3, 1, 2)

    def _fast_batch(self, batch: AugmentedFaceBatch) -> dict:
        if batch.inputs is not None:  # warped by the loader, BGR uint8
            inputs = self._normalise_loaded(self._to_device(batch.inputs))
        else:  # already RGB if bgr_to_rgb
            inputs = self._warp_on_device(batch.face_index, batch.warp_matrices)
            if self._enable_normalize:
                inputs = inputs.sub_(self.mean).div_(self.std)
        if self.channels_last and self._device.type == 'cuda':
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return dict(inputs=inputs, data_samples=self.data_samples(batch))

    def data_samples(self, batch: AugmentedFaceBatch) -> list:
        """The targets of a fast-path batch, on the device: the codec's
        ``encode_batch`` of its keypoints, then one ``PoseDataSample`` per face,
        labels (1, ...) into ``gt_instance_labels`` and fields (...) into
        ``gt_fields`` by ``PackPoseInputs``'s tables."""
        encoded = self._augmentor.codec.encode_batch(self._to_device(batch.keypoints),
                                                     self._to_device(batch.keypoints_visible))
        img_paths, flips = batch.img_path, batch.flip.tolist()  # the loader's host tensor: no sync
        labels = {name: encoded[key] for key, name in self._augmentor.label_mapping_table.items() if key in encoded}
        fields = {name: encoded[key] for key, name in self._augmentor.field_mapping_table.items() if key in encoded}
        input_size = self._augmentor.input_size
        samples = []
        for index, (img_path, flip) in enumerate(zip(img_paths, flips)):
            sample = PoseDataSample(metainfo=dict(img_path=img_path, input_size=input_size, flip=flip,
                                                  flip_direction='horizontal' if flip else None))
            sample.gt_instance_labels = InstanceData(
                **{name: value[index:index + 1] for name, value in labels.items()})
            if fields:
                sample.gt_fields = PixelData(**{name: value[index] for name, value in fields.items()})
            samples.append(sample)
        return samples
