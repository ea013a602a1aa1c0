"""The train pipeline's augmentation for a whole batch at once, on the device.

``RandomFlip -> RandomBBoxTransform -> TopdownAffine -> GenerateTarget`` of
the reference pipeline, applied to cached face crops
(:mod:`mmpose_face.fast_path.face_crop_cache`): flip, shift, scale and
rotation become one affine matrix per face, the batch is warped by one
``grid_sample`` call and the keypoints by the same matrices.

The crop of the reference (``get_warp_matrix``) maps image pixel ``x`` to
input pixel ``p = (w / sw) Rot(-t) (x - c') + (w / 2, h / 2)``, with ``c'``
the shifted centre in the (possibly mirrored) image and ``sw`` the width of
the scaled box after ``fix_aspect_ratio``. Mirroring is ``x -> W - 1 - x``,
so in cache pixels ``u`` (centre ``u_c``, box ``b`` in cache pixels) the
image width cancels:

    p = (w / sw) Rot(-t) [D (u - u_c) - shift * b] + (w / 2, h / 2),
    D = diag(-1, 1) when flipped, else the identity.

Pixel centres are integers in cv2 and in ``grid_sample(align_corners=True)``
alike, which maps -1 and +1 to the centres of the first and last pixels.
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F

PHI_OF_MINUS_ONE = 0.15865525393145707  # standard normal CDF at -1


def truncated_standard_normal(shape, generator: torch.Generator, device) -> torch.Tensor:
    """Standard normal samples truncated to [-1, 1], by inverting the CDF.

    The same distribution as ``RandomBBoxTransform``'s rejection sampling,
    without its data-dependent loop (which would synchronise with the host).
    """
    uniform = torch.rand(shape, generator=generator, device=device)
    quantile = PHI_OF_MINUS_ONE + uniform * (1. - 2. * PHI_OF_MINUS_ONE)
    return torch.special.ndtri(quantile).clamp_(-1., 1.)


def _xy(like: torch.Tensor, x: float, y: float) -> torch.Tensor:
    """(1, 2) tensor (x, y) on ``like``'s device, made there: a tensor built
    from Python numbers would be copied from pageable host memory, and such a
    copy waits for all queued GPU work."""
    return torch.stack([torch.full((1, ), x, dtype=like.dtype, device=like.device),
                        torch.full((1, ), y, dtype=like.dtype, device=like.device)], dim=1)


def _inverse_2x2(matrices: torch.Tensor) -> torch.Tensor:
    """(B, 2, 2) inverses in closed form (``torch.linalg.inv`` checks for
    singular matrices on the host)."""
    a, b = matrices[:, 0, 0], matrices[:, 0, 1]
    c, d = matrices[:, 1, 0], matrices[:, 1, 1]
    adjugate = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2)
    return adjugate / (a * d - b * c)[:, None, None]


@dataclass
class AugmentParameters:
    """One draw per face: ``flip`` (B,) bool, ``shift`` (B, 2) in box sizes,
    ``scale`` (B,) factor, ``rotation`` (B,) degrees (as the reference's
    ``bbox_rotation``)."""
    flip: torch.Tensor
    shift: torch.Tensor
    scale: torch.Tensor
    rotation: torch.Tensor


class BatchTopdownAugmentor:
    """Flip, shift, scale and rotate cached crops into ``input_size`` inputs.

    Args:
        input_size: (w, h) of the network input, pixels.
        flip_prob: ``RandomFlip.prob``.
        shift_factor, shift_prob, scale_factor, scale_prob, rotate_factor,
            rotate_prob: as ``RandomBBoxTransform`` (the published WFLW
            settings are the defaults).
    """

    def __init__(self, input_size=(256, 256), flip_prob: float = 0.5, shift_factor: float = 0.16,
                 shift_prob: float = 0.3, scale_factor=(0.75, 1.25), scale_prob: float = 1.0,
                 rotate_factor: float = 60., rotate_prob: float = 0.6):
        self.input_size = tuple(int(v) for v in input_size)
        self.flip_prob = flip_prob
        self.shift_factor, self.shift_prob = shift_factor, shift_prob
        self.scale_factor, self.scale_prob = tuple(scale_factor), scale_prob
        self.rotate_factor, self.rotate_prob = rotate_factor, rotate_prob

    def sample(self, batch_size: int, generator: torch.Generator, device) -> AugmentParameters:
        """Draw as ``RandomFlip`` and ``RandomBBoxTransform`` do, on ``device``."""
        def coin(prob, shape=(batch_size, )):
            return torch.rand(shape, generator=generator, device=device) < prob

        flip = coin(self.flip_prob)
        shift = truncated_standard_normal((batch_size, 2), generator, device) * self.shift_factor
        shift = torch.where(coin(self.shift_prob, (batch_size, 1)), shift, 0.)
        low, high = self.scale_factor
        scale = truncated_standard_normal((batch_size, ), generator, device) * (high - low) * 0.5 + (high + low) * 0.5
        scale = torch.where(coin(self.scale_prob), scale, 1.)
        rotation = truncated_standard_normal((batch_size, ), generator, device) * self.rotate_factor
        rotation = torch.where(coin(self.rotate_prob), rotation, 0.)
        return AugmentParameters(flip=flip, shift=shift, scale=scale, rotation=rotation)

    def warp_matrices(self, params: AugmentParameters, center: torch.Tensor,
                      box_scale: torch.Tensor) -> torch.Tensor:
        """(B, 2, 3) maps from cache pixels to input pixels.

        center (B, 2): box centre, box_scale (B, 2): padded box size, both
        in cache pixels of the unflipped crop.
        """
        w, h = self.input_size
        scaled = box_scale * params.scale[:, None]
        # fix_aspect_ratio: widen the box to w / h; only its width sets the zoom
        box_width = torch.maximum(scaled[:, 0], scaled[:, 1] * (w / h))
        zoom = w / box_width                                            # input px per cache px
        angle = torch.deg2rad(params.rotation)
        cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
        rotate = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # zoom Rot(-t)
        mirror = torch.where(params.flip, -1., 1.).to(center.dtype)
        linear = rotate * torch.stack([mirror, torch.ones_like(mirror)], -1)[:, None, :]  # zoom Rot(-t) D
        shift_px = params.shift * box_scale
        translation = -(linear @ center[:, :, None])[..., 0] - (rotate @ shift_px[:, :, None])[..., 0]
        translation = translation + _xy(translation, w * 0.5, h * 0.5)  # the box centre -> the input centre
        return torch.cat([linear, translation[:, :, None]], dim=2)

    def warp_images(self, crops: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
        """crops (B, C, Hc, Wc) float, matrices (B, 2, 3) -> (B, C, h, w) float.

        Bilinear, zeros outside the crop, as ``cv2.warpAffine`` with
        ``BORDER_CONSTANT`` 0 (without its 1/32-pixel fixed-point rounding).
        """
        w, h = self.input_size
        crop_h, crop_w = crops.shape[-2:]
        inverse = _inverse_2x2(matrices[:, :, :2])                      # input px -> cache px
        offset = -(inverse @ matrices[:, :, 2:])[..., 0]                # cache px of input pixel (0, 0)
        # grid_sample(align_corners=True) reads cache pixel u at 2 u / (size - 1) - 1
        to_normalised = _xy(offset, 2. / (crop_w - 1), 2. / (crop_h - 1))  # (1, 2)
        inverse = inverse * to_normalised[:, :, None]
        offset = offset * to_normalised - 1.
        xs = torch.arange(w, dtype=matrices.dtype, device=matrices.device)
        ys = torch.arange(h, dtype=matrices.dtype, device=matrices.device)
        along_x = inverse[:, None, :, 0] * xs[None, :, None]                     # (B, w, 2)
        along_y = inverse[:, None, :, 1] * ys[None, :, None] + offset[:, None]   # (B, h, 2)
        grid = along_y[:, :, None] + along_x[:, None]                            # (B, h, w, 2)
        return F.grid_sample(crops, grid, mode='bilinear', padding_mode='zeros', align_corners=True)

    def keypoint_targets(self, keypoints: torch.Tensor, keypoints_visible: torch.Tensor,
                         matrices: torch.Tensor, flip: torch.Tensor, flip_indices: torch.Tensor):
        """``RegressionLabel.encode`` of the warped keypoints.

        keypoints (B, K, 2) cache pixels, keypoints_visible (B, K), matrices
        (B, 2, 3), flip (B,), flip_indices (K,) -> ``keypoint_labels`` (B, K,
        2) normalised by the input size and ``keypoint_weights`` (B, K): 0
        for points outside [0, w - 1] x [0, h - 1] or not visible. Flipped
        faces take point ``flip_indices[k]`` as point k, as ``RandomFlip``.
        """
        w, h = self.input_size
        warped = keypoints @ matrices[:, :, :2].transpose(1, 2) + matrices[:, None, :, 2]
        swapped = flip[:, None].expand_as(keypoints_visible)
        warped = torch.where(swapped[..., None], warped[:, flip_indices], warped)
        visible = torch.where(swapped, keypoints_visible[:, flip_indices], keypoints_visible)
        inside = (warped >= 0).all(dim=-1) & (warped[..., 0] <= w - 1) & (warped[..., 1] <= h - 1)
        weights = (inside & (visible > 0.5)).to(warped.dtype)
        return warped / _xy(warped, w, h), weights
