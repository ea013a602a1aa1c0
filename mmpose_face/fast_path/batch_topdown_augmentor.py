"""The config's train augmentation, for a batch of cached face crops.

:meth:`BatchTopdownAugmentor.from_pipeline` reads the steps of the training
set's own ``train_pipeline`` by the stage each declares
(:mod:`mmpose_face.datasets.transforms.batch_stage`: ``LoadImage ->
GetBBoxCenterScale -> RandomFlip -> RandomBBoxTransform -> TopdownAffine ->
[PhotometricDistortion, Albumentation ...] -> GenerateTarget ->
PackPoseInputs``, subclasses and other steps that declare a stage alike)
and refuses, by name, a step that declares none. It then does what those
steps do, with the same maths:

* the draws: the flip step's ``sample_batch`` and the jitter step's
  ``sample_parameters`` (what ``RandomFlip`` and ``RandomBBoxTransform``
  draw per face), for the whole batch from one ``np.random.RandomState``;
* the crop: :func:`~mmpose_face.structures.get_warp_matrix` (``TopdownAffine``'s)
  of the flipped and jittered box in image pixels, with the reference's
  float32 arithmetic, then composed with where the cached crop lies in the
  (mirrored, ``x -> W - 1 - x``) photograph;
* the keypoints: the same matrices, then the flip pairs swapped as
  ``RandomFlip`` swaps them; the targets are the configured codec's
  (``GenerateTarget``'s encoder), whose ``encode_batch`` the preprocessor
  calls on the device;
* the pixels: ``cv2.warpAffine`` on the host (the reference's own warp) or
  ``grid_sample`` over the batch on an accelerator; then the ``per_crop``
  steps on each warped crop on the host, drawing after the batch's
  geometry from the same generator (a batch of one draws what the
  reference pipeline draws after ``np.random.seed`` of the batch's seed).
"""
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from mmpose_face.datasets.transforms import PackPoseInputs
from mmpose_face.datasets.transforms import batch_stage as stages
from mmpose_face.errors import FastPathPipelineError
from mmpose_face.structures import fix_aspect_ratio, get_warp_matrix


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


def declared_stage(step, index: int, source: str):
    """The ``batch_stage`` ``step`` (step ``index`` of ``source``) declares, or None.

    A subclass inherits its base's stage, except that one re-defining
    ``transform`` (or ``__call__``) below the class that declared a stage
    other than ``per_crop`` is refused: it may draw or warp otherwise than
    the batch form it inherited.
    """
    kind = type(step)
    stage = getattr(kind, 'batch_stage', None)
    if stage is None or stage == stages.PER_CROP:
        return stage
    declarer = next(base for base in kind.__mro__ if 'batch_stage' in vars(base))
    redefiner = next(base for base in kind.__mro__ if {'transform', '__call__'} & set(vars(base)))
    if redefiner is not declarer and issubclass(redefiner, declarer):
        raise FastPathPipelineError(
            f'{source}: step {index} ({kind.__name__}) re-defines {redefiner.__name__}.transform but inherits '
            f'batch_stage {stage!r} from {declarer.__name__}: declare batch_stage in {redefiner.__name__} '
            f'when its batch form ({", ".join(stages.STAGE_INTERFACE[stage])}) still does what its transform does')
    return stage


class BatchTopdownAugmentor:
    """Flip, shift, scale and rotate cached crops into ``input_size`` inputs.

    Args (the train pipeline's steps, by stage):
        box: the ``box`` step (``GetBBoxCenterScale``).
        warp: the ``warp`` step (``TopdownAffine``: ``input_size`` (w, h) pixels).
        codec: the ``target`` step's encoder (``GenerateTarget.encoder``).
        flip: the ``flip`` step (``RandomFlip``) or None.
        jitter: the ``box_jitter`` step (``RandomBBoxTransform``) or None.
        per_crop_steps: the ``per_crop`` steps, in pipeline order.
        label_mapping_table, field_mapping_table: the ``pack`` step's
            (``PackPoseInputs``): which codec output goes to
            ``gt_instance_labels`` and which to ``gt_fields``.
    """

    def __init__(self, box, warp, codec, flip=None, jitter=None, per_crop_steps=(), label_mapping_table: dict = None,
                 field_mapping_table: dict = None):
        self.box = box
        self.padding = box.padding
        self.input_size = tuple(int(v) for v in warp.input_size)
        self.codec = codec
        self.flip = flip
        self.jitter = jitter
        self.per_crop_steps = tuple(per_crop_steps)
        self.label_mapping_table = dict(label_mapping_table or PackPoseInputs.label_mapping_table)
        self.field_mapping_table = dict(field_mapping_table or PackPoseInputs.field_mapping_table)

    @classmethod
    def from_pipeline(cls, transforms, source: str = 'train_pipeline') -> 'BatchTopdownAugmentor':
        """From the built steps of a train pipeline (``dataset.pipeline.transforms``)."""
        order = [stage for stage, _, _ in stages.BATCH_STAGES]
        repeatable = {stage for stage, _, repeats in stages.BATCH_STAGES if repeats}
        route = ' -> '.join(f'{stage} ({stages.STAGE_EXAMPLES[stage]})' for stage in order)
        found, position = {}, 0
        for index, step in enumerate(transforms):
            name = type(step).__name__
            stage = declared_stage(step, index, source)
            if stage not in order:
                raise FastPathPipelineError(
                    f'{source}: step {index} ({name}) cannot be reproduced by the fast path: it declares '
                    f'{"no batch_stage" if stage is None else f"an unknown batch_stage {stage!r}"} (the fast path '
                    f'does {route}; see '
                    'mmpose_face.datasets.transforms.batch_stage); train with the reference pipeline (the '
                    'published config), drop the step or declare how it batches')
            where = order.index(stage)
            if stage == stages.PER_CROP and stages.WARP not in found:
                raise FastPathPipelineError(
                    f'{source}: step {index} ({name}) is out of the order the fast path reproduces: stage '
                    f"'per_crop' before 'warp': it runs on the warped crop, so place it after the warp ({route})")
            if where < position or (stage in found and stage not in repeatable):
                raise FastPathPipelineError(
                    f'{source}: step {index} ({name}) is out of the order the fast path reproduces: stage '
                    f'{stage!r} {"again" if stage in found else "after " + repr(order[position])} ({route})')
            lacking = [attribute for attribute in stages.STAGE_INTERFACE[stage] if not hasattr(step, attribute)]
            if lacking:
                raise FastPathPipelineError(f'{source}: step {index} ({name}) declares batch_stage {stage!r} '
                                            f'but has no {lacking}')
            found.setdefault(stage, []).append(step)
            position = where
        missing = [f'{stage} ({stages.STAGE_EXAMPLES[stage]})' for stage, required, _ in stages.BATCH_STAGES
                   if required and stage not in found]
        if missing:
            raise FastPathPipelineError(f'{source}: the fast path needs a step of each of the stages {missing}')
        codec = found[stages.TARGET][0].encoder
        if not hasattr(codec, 'encode_batch'):
            raise FastPathPipelineError(f'{source}: the codec {type(codec).__name__} has no encode_batch: the '
                                        'fast path encodes the targets of a whole batch on the device')
        pack = found[stages.PACK][0]
        return cls(found[stages.BOX][0], found[stages.WARP][0], codec, found.get(stages.FLIP, [None])[0],
                   found.get(stages.BOX_JITTER, [None])[0], found.get(stages.PER_CROP, ()),
                   pack.label_mapping_table, pack.field_mapping_table)

    @property
    def jitter_bounds(self) -> dict:
        """What the crop cache must cover beyond the box: the jitter step's
        ``jitter_bounds()`` (``max_shift``, ``scale_range``, ``max_rotation``), {} without one."""
        return dict(self.jitter.jitter_bounds()) if self.jitter is not None else {}

    def sample(self, num_faces: int, random_state: np.random.RandomState) -> AugmentParameters:
        """Flips, then shifts, scales and rotations of ``num_faces`` faces (a
        stage the pipeline lacks draws nothing, as in the reference pipeline)."""
        flip = (self.flip.sample_batch(num_faces, random_state) if self.flip is not None
                else np.zeros(num_faces, dtype=bool))
        if self.jitter is None:
            return AugmentParameters(flip, np.zeros((num_faces, 2), np.float32), np.ones((num_faces, 1), np.float32),
                                     np.zeros(num_faces, np.float32))
        shift, scale, rotation = self.jitter.sample_parameters(num_faces, random_state)
        return AugmentParameters(np.asarray(flip, dtype=bool), shift, scale, rotation)

    def image_matrices(self, params: AugmentParameters, center: np.ndarray, box_scale: np.ndarray,
                       image_width: np.ndarray) -> np.ndarray:
        """(B, 2, 3) float64 ``TopdownAffine`` matrices: photograph pixels (mirrored,
        ``x -> W - 1 - x``, for a flipped face) -> input pixels.

        center, box_scale (B, 2): the padded box, image pixels; image_width (B,)
        W. The box goes through ``RandomFlip``, ``RandomBBoxTransform`` and
        ``TopdownAffine``'s arithmetic (float32), so a face draws the
        reference's matrix bit for bit.
        """
        w, h = self.input_size
        center = np.asarray(center, dtype=np.float32).copy()
        mirror = (np.asarray(image_width) - 1).astype(np.float32)
        center[params.flip, 0] = mirror[params.flip] - center[params.flip, 0]
        center = center + params.shift * box_scale
        scale = fix_aspect_ratio(box_scale * params.scale, w / h)
        return np.stack([get_warp_matrix(center[i], scale[i], float(params.rotation[i]), (w, h))
                         for i in range(len(center))])

    @staticmethod
    def crop_matrices(image_matrices: np.ndarray, flip: np.ndarray, origin: np.ndarray, pixel_size: np.ndarray,
                      image_width: np.ndarray) -> np.ndarray:
        """(B, 2, 3) float64 maps from cache crop pixels (as stored) to input pixels.

        Crop pixel ``u`` shows photograph pixel ``origin + pixel_size * u``
        (origin (B, 2), pixel_size (B,)), which a flip moves to ``W - 1 - x``
        (image_width (B,) W): composed with ``image_matrices``.
        """
        linear, translation = image_matrices[:, :, :2], image_matrices[:, :, 2]
        start = np.array(origin, dtype=np.float64)
        start[flip, 0] = (np.asarray(image_width)[flip] - 1) - start[flip, 0]
        steps = np.stack([np.where(flip, -1., 1.) * pixel_size, pixel_size], axis=-1)  # (B, 2): du, dv
        return np.concatenate([linear * steps[:, None, :],
                               (np.einsum('bij,bj->bi', linear, start) + translation)[..., None]], axis=-1)

    def transform_keypoints(self, keypoints: np.ndarray, keypoints_visible: np.ndarray, image_matrices: np.ndarray,
                            flip: np.ndarray, flip_indices, image_width: np.ndarray):
        """Image-pixel keypoints (B, K, 2) -> input pixels (B, K, 2) float32 and
        visibility (B, K): a flipped face is mirrored (``W - 1 - x``) and takes
        point ``flip_indices[k]`` as point k, as ``RandomFlip`` does, then
        goes through its ``image_matrices``."""
        points = np.array(keypoints, dtype=np.float32)
        points[flip, :, 0] = (np.asarray(image_width)[flip, None] - 1) - points[flip, :, 0]
        warped = np.einsum('bij,bkj->bki', image_matrices[:, :, :2], points) + image_matrices[:, None, :, 2]
        warped, visible = warped.astype(np.float32), np.array(keypoints_visible, dtype=np.float32)
        warped[flip] = warped[flip][:, flip_indices]
        visible[flip] = visible[flip][:, flip_indices]
        return warped, visible

    def warp_on_host(self, cache, rows, image_matrices: np.ndarray, crop_matrices: np.ndarray,
                     flip: np.ndarray) -> np.ndarray:
        """(B, h, w, 3) uint8 input crops of ``cache`` (a ``FaceCropCache``) rows:
        ``cv2.warpAffine`` (bilinear, zeros outside: ``TopdownAffine``'s warp).

        A face stored at source pixels is put back where it lies in a zero
        canvas the photograph's size (mirrored by ``cv2.flip`` when flipped,
        as ``RandomFlip`` mirrors the photograph) and warped by its image
        matrix, so its input is the reference's bit for bit (the warp reads
        only the covered square; the canvas, as large as the largest
        photograph so far, is kept per augmentor, i.e. per loader worker); a
        resampled face is warped by its crop matrix.
        """
        w, h = self.input_size
        faces = cache.faces
        inputs = np.empty((len(rows), h, w, 3), dtype=np.uint8)
        for out, row, image_matrix, crop_matrix, flipped in zip(inputs, rows, image_matrices, crop_matrices, flip):
            crop = cache.crop(row)
            if faces['pixel_size'][row] != 1:
                cv2.warpAffine(crop, crop_matrix, (w, h), dst=out, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                continue
            image_h, image_w = (int(v) for v in faces['image_shape'][row])
            (x0, y0), (crop_h, crop_w) = (int(v) for v in faces['origin'][row]), crop.shape[:2]
            if flipped:
                crop, x0 = cv2.flip(crop, 1), image_w - x0 - crop_w
            canvas = self._canvas(image_h, image_w)
            top, left = max(y0, 0), max(x0, 0)
            bottom, right = min(y0 + crop_h, image_h), min(x0 + crop_w, image_w)
            canvas[top:bottom, left:right] = crop[top - y0:bottom - y0, left - x0:right - x0]
            cv2.warpAffine(canvas, image_matrix, (w, h), dst=out, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            canvas[top:bottom, left:right] = 0
        return inputs

    def _canvas(self, height: int, width: int) -> np.ndarray:
        """A zero (height, width, 3) uint8 view, reused across faces (each clears what it wrote)."""
        buffer = getattr(self, '_canvas_buffer', None)
        if buffer is None or buffer.shape[0] < height or buffer.shape[1] < width:
            shape = (height, width) if buffer is None else (max(height, buffer.shape[0]), max(width, buffer.shape[1]))
            self._canvas_buffer = buffer = np.zeros(shape + (3, ), dtype=np.uint8)
        return buffer[:height, :width]

    def run_per_crop_steps(self, crops: np.ndarray, flip: np.ndarray, img_paths, random_state=None) -> np.ndarray:
        """The ``per_crop`` steps on (B, h, w, 3) uint8 BGR warped crops, face
        after face, each face's steps in pipeline order, written back into
        ``crops``.

        They draw from numpy's global generator, set for the batch to
        ``random_state`` (whose state then moves on as if they had drawn from
        it; None: the global state as it is) and restored afterwards: after
        :meth:`sample` of one face, the draws the reference pipeline makes
        after ``np.random.seed(seed)`` when ``random_state`` is
        ``RandomState(seed)``.
        """
        if not self.per_crop_steps:
            return crops
        saved = np.random.get_state() if random_state is not None else None
        if random_state is not None:
            np.random.set_state(random_state.get_state())
        try:
            for index, (img_path, flipped) in enumerate(zip(img_paths, flip.tolist())):
                results = dict(img=crops[index], img_shape=crops.shape[1:3], input_size=self.input_size,
                               flip=bool(flipped), flip_direction='horizontal' if flipped else None,
                               img_path=img_path)
                for step in self.per_crop_steps:
                    results = step(results)
                    if results is None or results.get('img') is None:
                        raise FastPathPipelineError(f'{type(step).__name__} (a per_crop step) dropped the crop '
                                                    f'of {img_path}; the fast path cannot draw another face')
                img = results['img']
                if img.shape != crops.shape[1:] or img.dtype != np.uint8:
                    raise FastPathPipelineError(
                        f'{[type(step).__name__ for step in self.per_crop_steps]} turned the {crops.shape[1:]} '
                        f'uint8 crop of {img_path} into {img.shape} {img.dtype}; per_crop steps must keep it')
                crops[index] = img
        finally:
            if random_state is not None:
                random_state.set_state(np.random.get_state())
                np.random.set_state(saved)
        return crops

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
