"""The config's train augmentation, for a batch of cached face crops.

:meth:`BatchTopdownAugmentor.from_pipeline` reads the steps of the training
set's own ``train_pipeline`` - ``LoadImage -> GetBBoxCenterScale ->
RandomFlip -> RandomBBoxTransform -> TopdownAffine -> GenerateTarget ->
PackPoseInputs`` - and refuses, by name, any step it cannot reproduce. It
then does what those steps do, with the same maths:

* the draws: :func:`~mmpose_face.structures.topdown_augmentation.sample_flips`
  and ``sample_bbox_jitter`` (the functions ``RandomFlip`` and
  ``RandomBBoxTransform`` call), for the whole batch from one
  ``np.random.RandomState``;
* the crop: :func:`~mmpose_face.structures.get_warp_matrix` (``TopdownAffine``'s)
  of the jittered box, in cache pixels. A cache crop is an axis-aligned
  copy of the photograph centred on the box, so mirroring the photograph
  (``x -> W - 1 - x``) is mirroring the crop (``u -> S - 1 - u``): a flipped
  face's matrix is the reference matrix of the mirrored box composed with
  that mirror;
* the keypoints: the same matrices, then the flip pairs swapped as
  ``RandomFlip`` swaps them; the targets are the configured codec's
  (``GenerateTarget``'s encoder), whose ``encode_batch`` the preprocessor
  calls on the device;
* the pixels: ``cv2.warpAffine`` on the host (the reference's own warp) or
  ``grid_sample`` over the batch on an accelerator.
"""
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from mmpose_face.datasets.transforms import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs,
                                             RandomBBoxTransform, RandomFlip, TopdownAffine)
from mmpose_face.errors import FastPathPipelineError
from mmpose_face.structures import fix_aspect_ratio, get_warp_matrix
from mmpose_face.structures.topdown_augmentation import sample_bbox_jitter, sample_flips

#: the steps the fast path reproduces, in their order, and whether each is required
PIPELINE_STEPS = ((LoadImage, True), (GetBBoxCenterScale, True), (RandomFlip, False),
                  (RandomBBoxTransform, False), (TopdownAffine, True), (GenerateTarget, True),
                  (PackPoseInputs, True))


@dataclass
class AugmentParameters:
    """One draw per face, as the reference transforms draw it: ``flip`` (B,)
    bool, ``shift`` (B, 2) in box sizes, ``scale`` (B, 1) factor, ``rotation``
    (B,) degrees (``bbox_rotation``)."""
    flip: np.ndarray
    shift: np.ndarray
    scale: np.ndarray
    rotation: np.ndarray


def _inverse_2x2(matrices: torch.Tensor) -> torch.Tensor:
    """(B, 2, 2) inverses in closed form (``torch.linalg.inv`` checks for
    singular matrices on the host)."""
    a, b = matrices[:, 0, 0], matrices[:, 0, 1]
    c, d = matrices[:, 1, 0], matrices[:, 1, 1]
    adjugate = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2)
    return adjugate / (a * d - b * c)[:, None, None]


class BatchTopdownAugmentor:
    """Flip, shift, scale and rotate cached crops into ``input_size`` inputs.

    Args:
        box: the pipeline's ``GetBBoxCenterScale``.
        topdown_affine: its ``TopdownAffine`` (``input_size`` (w, h) pixels).
        codec: ``GenerateTarget``'s encoder.
        flip: its ``RandomFlip`` or None.
        jitter: its ``RandomBBoxTransform`` or None.
        label_mapping_table, field_mapping_table: ``PackPoseInputs``'s: which
            codec output goes to ``gt_instance_labels`` and which to ``gt_fields``.
    """

    def __init__(self, box: GetBBoxCenterScale, topdown_affine: TopdownAffine, codec, flip: RandomFlip = None,
                 jitter: RandomBBoxTransform = None, label_mapping_table: dict = None,
                 field_mapping_table: dict = None):
        self.padding = box.padding
        self.input_size = tuple(int(v) for v in topdown_affine.input_size)
        self.codec = codec
        self.flip_prob = flip.prob if flip is not None else 0.
        self.jitter = jitter
        self.label_mapping_table = dict(label_mapping_table or PackPoseInputs.label_mapping_table)
        self.field_mapping_table = dict(field_mapping_table or PackPoseInputs.field_mapping_table)

    @classmethod
    def from_pipeline(cls, transforms, source: str = 'train_pipeline') -> 'BatchTopdownAugmentor':
        """From the built steps of a train pipeline (``dataset.pipeline.transforms``)."""
        kinds = [kind for kind, _ in PIPELINE_STEPS]
        route = ' -> '.join(kind.__name__ for kind in kinds)
        found, position = {}, 0
        for index, step in enumerate(transforms):
            if type(step) not in kinds:  # a subclass may draw or warp otherwise
                raise FastPathPipelineError(
                    f'{source}: step {index} ({type(step).__name__}) cannot be reproduced by the fast path, '
                    f'which does {route}; train with the reference '
                    'pipeline (the published config) or drop the step')
            where = kinds.index(type(step))
            if where < position or type(step) in found:
                raise FastPathPipelineError(
                    f'{source}: step {index} ({type(step).__name__}) is out of the order the fast path '
                    f'reproduces ({route})')
            found[type(step)], position = step, where
        missing = [kind.__name__ for kind, required in PIPELINE_STEPS if required and kind not in found]
        if missing:
            raise FastPathPipelineError(f'{source}: the fast path needs the steps {missing}')
        flip = found.get(RandomFlip)
        if flip is not None and flip.direction != 'horizontal':
            raise FastPathPipelineError(f"{source}: RandomFlip direction {flip.direction!r}: the fast path "
                                           "mirrors horizontally only")
        pack = found[PackPoseInputs]
        return cls(found[GetBBoxCenterScale], found[TopdownAffine], found[GenerateTarget].encoder, flip,
                   found.get(RandomBBoxTransform), pack.label_mapping_table, pack.field_mapping_table)

    @property
    def strongest_jitter(self) -> dict:
        """What the crop cache must cover: shift_factor, scale_factor, rotate_factor."""
        if self.jitter is None:
            return dict(shift_factor=0., scale_factor=(1., 1.), rotate_factor=0.)
        return dict(shift_factor=self.jitter.shift_factor, scale_factor=tuple(self.jitter.scale_factor),
                    rotate_factor=self.jitter.rotate_factor)

    def sample(self, num_faces: int, random_state: np.random.RandomState) -> AugmentParameters:
        """Flips, then shifts, scales and rotations of ``num_faces`` faces."""
        flip = sample_flips(num_faces, self.flip_prob, random_state)
        if self.jitter is None:
            return AugmentParameters(flip, np.zeros((num_faces, 2), np.float32), np.ones((num_faces, 1), np.float32),
                                     np.zeros(num_faces, np.float32))
        j = self.jitter
        shift, scale, rotation = sample_bbox_jitter(num_faces, j.shift_factor, j.shift_prob, j.scale_factor,
                                                    j.scale_prob, j.rotate_factor, j.rotate_prob, random_state)
        return AugmentParameters(flip, shift, scale, rotation)

    def warp_matrices(self, params: AugmentParameters, center: np.ndarray, box_scale: np.ndarray,
                      crop_size: int) -> np.ndarray:
        """(B, 2, 3) float64 maps from cache pixels to input pixels.

        center (B, 2), box_scale (B, 2): the padded box in cache pixels of the
        unflipped ``crop_size`` crop. The box goes through ``RandomFlip``,
        ``RandomBBoxTransform`` and ``TopdownAffine``'s arithmetic (float32).
        """
        w, h = self.input_size
        center = np.asarray(center, dtype=np.float32).copy()
        mirror = crop_size - 1
        center[params.flip, 0] = mirror - center[params.flip, 0]
        center = center + params.shift * box_scale
        scale = fix_aspect_ratio(box_scale * params.scale, w / h)
        matrices = np.stack([get_warp_matrix(center[i], scale[i], float(params.rotation[i]), (w, h))
                             for i in range(len(center))])
        flipped = matrices[params.flip]
        flipped[:, :, 2] += mirror * flipped[:, :, 0]  # (u, v) -> (S - 1 - u, v) first
        flipped[:, :, 0] *= -1
        matrices[params.flip] = flipped
        return matrices

    def transform_keypoints(self, keypoints: np.ndarray, keypoints_visible: np.ndarray, matrices: np.ndarray,
                            flip: np.ndarray, flip_indices):
        """Cache-pixel keypoints (B, K, 2) -> input pixels (B, K, 2) float32 and
        visibility (B, K); a flipped face takes point ``flip_indices[k]`` as point k."""
        warped = (np.einsum('bij,bkj->bki', matrices[:, :, :2], keypoints) + matrices[:, None, :, 2])
        warped, visible = warped.astype(np.float32), np.array(keypoints_visible, dtype=np.float32)
        warped[flip] = warped[flip][:, flip_indices]
        visible[flip] = visible[flip][:, flip_indices]
        return warped, visible

    def warp_on_host(self, crops: np.ndarray, rows, matrices: np.ndarray) -> np.ndarray:
        """``cv2.warpAffine`` (bilinear, zeros outside: ``TopdownAffine``'s warp) of
        cached (N, S, S, 3) uint8 crops ``rows`` -> (B, h, w, 3) uint8."""
        w, h = self.input_size
        inputs = np.empty((len(rows), h, w, 3), dtype=np.uint8)
        for out, row, matrix in zip(inputs, rows, matrices):
            cv2.warpAffine(crops[row], matrix, (w, h), dst=out, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return inputs

    def warp_on_device(self, crops: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
        """crops (B, C, Hc, Wc) float, matrices (B, 2, 3) -> (B, C, h, w) float.

        Bilinear, zeros outside the crop, as ``cv2.warpAffine`` with
        ``BORDER_CONSTANT`` 0 (without its 1/32-pixel fixed-point rounding).
        Pixel centres are integers in cv2 and in ``grid_sample(align_corners=True)``
        alike, which maps -1 and +1 to the centres of the first and last pixels.
        """
        w, h = self.input_size
        crop_h, crop_w = crops.shape[-2:]
        inverse = _inverse_2x2(matrices[:, :, :2])                      # input px -> cache px
        offset = -(inverse @ matrices[:, :, 2:])[..., 0]                # cache px of input pixel (0, 0)
        # grid_sample(align_corners=True) reads cache pixel u at 2 u / (size - 1) - 1; the factors are
        # made on the device (a tensor from Python numbers would be a pageable copy, which waits for the GPU)
        to_normalised = torch.stack([inverse.new_full((), 2. / (crop_w - 1)), inverse.new_full((), 2. / (crop_h - 1))])
        inverse = inverse * to_normalised[None, :, None]
        offset = offset * to_normalised - 1.
        xs = torch.arange(w, dtype=matrices.dtype, device=matrices.device)
        ys = torch.arange(h, dtype=matrices.dtype, device=matrices.device)
        along_x = inverse[:, None, :, 0] * xs[None, :, None]                     # (B, w, 2)
        along_y = inverse[:, None, :, 1] * ys[None, :, None] + offset[:, None]   # (B, h, 2)
        grid = along_y[:, :, None] + along_x[:, None]                            # (B, h, w, 2)
        return F.grid_sample(crops, grid, mode='bilinear', padding_mode='zeros', align_corners=True)
