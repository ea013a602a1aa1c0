"""SimCC targets and decoding (Li et al., 2022): one 1-D distribution per axis and keypoint."""
import numpy as np
import torch

from mmpose_face.registry import KEYPOINT_CODECS
from .base_keypoint_codec import BaseKeypointCodec
from .dark_refinement import blur_vectors_keeping_the_peak, refine_simcc_by_taylor_expansion
from .simcc_maximum import simcc_maximum


@KEYPOINT_CODECS.register_module()
class SimCCLabel(BaseKeypointCodec):
    """Crop-pixel keypoints <-> SimCC vectors: x in ``Wx = round(w * simcc_split_ratio)``
    bins, y in ``Wy = round(h * simcc_split_ratio)`` bins (a bin is
    ``1 / simcc_split_ratio`` crop pixels).

    mmpose 1.3.2's codec of that name, with its arguments, defaults and errors.

    Args:
        input_size: (w, h) of the network input, pixels.
        smoothing_type: ``'gaussian'`` (a Gaussian around the point's bin) or
            ``'standard'`` (one-hot, spread by ``label_smooth_weight``).
        sigma: the Gaussian's sigma in bins, one number or (sigma_x, sigma_y).
        simcc_split_ratio: bins per crop pixel.
        label_smooth_weight: ``'standard'`` only: the mass spread evenly over
            the other bins, in [0, 1].
        normalize: divide the Gaussians by ``sigma * sqrt(2 pi)`` (unit area).
        use_dark: decode with DARK's Taylor step on the blurred vectors (blur
            kernel from sigma, as mmpose).
        decode_visibility: decode also returns a visibility per point, the
            score of the vectors times ``decode_beta * sigma`` after a softmax.
        decode_beta: see ``decode_visibility``.

    Encoded: ``keypoint_x_labels`` (N, K, Wx), ``keypoint_y_labels`` (N, K, Wy)
    float32 and ``keypoint_weights`` (N, K): the visibility, 0 for a visible
    point whose label misses the vector (all into ``gt_instance_labels``).
    Decoded: the arg-max bin of each vector (or DARK's step) divided by
    ``simcc_split_ratio``; the score is the smaller of the two vectors' maxima.
    """

    label_mapping_table = dict(keypoint_x_labels='keypoint_x_labels', keypoint_y_labels='keypoint_y_labels',
                               keypoint_weights='keypoint_weights')

    def __init__(self, input_size, smoothing_type: str = 'gaussian', sigma=6.0, simcc_split_ratio: float = 2.0,
                 label_smooth_weight: float = 0.0, normalize: bool = True, use_dark: bool = False,
                 decode_visibility: bool = False, decode_beta: float = 150.0):
        self.input_size = tuple(input_size)
        self.smoothing_type = smoothing_type
        self.simcc_split_ratio = simcc_split_ratio
        self.label_smooth_weight = label_smooth_weight
        self.normalize, self.use_dark = normalize, use_dark
        self.decode_visibility, self.decode_beta = decode_visibility, decode_beta
        self.sigma = np.array([sigma, sigma]) if isinstance(sigma, (float, int)) else np.array(sigma)
        if smoothing_type not in ('gaussian', 'standard'):
            raise ValueError(f"SimCCLabel: smoothing_type must be 'gaussian' or 'standard', got {smoothing_type!r}")
        if smoothing_type == 'gaussian' and label_smooth_weight > 0:
            raise ValueError("SimCCLabel: label_smooth_weight is only used with smoothing_type='standard'")
        if not 0.0 <= label_smooth_weight <= 1.0:
            raise ValueError(f'SimCCLabel: label_smooth_weight must be in [0, 1], got {label_smooth_weight}')
        width, height = self.input_size
        self.simcc_size = (int(np.around(width * simcc_split_ratio)), int(np.around(height * simcc_split_ratio)))

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (N, K, 2) crop pixels, visibility (N, K) (None: all visible) ->
        ``keypoint_x_labels`` (N, K, Wx), ``keypoint_y_labels`` (N, K, Wy) and
        ``keypoint_weights`` (N, K), numpy float32."""
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        keypoints = np.asarray(keypoints)
        if not np.issubdtype(keypoints.dtype, np.floating):
            keypoints = keypoints.astype(np.float32)
        encoded = self.encode_batch(torch.from_numpy(keypoints), torch.from_numpy(np.asarray(keypoints_visible,
                                                                                             np.float32)))
        return {key: value.numpy() for key, value in encoded.items()}

    def encode_batch(self, keypoints: torch.Tensor, keypoints_visible: torch.Tensor) -> dict:
        """Keypoints (B, K, 2) crop pixels, visibility (B, K), torch on any device -> the
        keys of :meth:`encode` with leading B. A point with visibility < 0.5 gets zero
        labels (its weight stays its visibility, as in mmpose)."""
        keypoints = keypoints[..., :2]
        if not keypoints.is_floating_point():
            keypoints = keypoints.to(torch.float32)
        # rounded in the keypoints' own precision, as mmpose's numpy
        bins = torch.round(keypoints * self.simcc_split_ratio).to(torch.int64)
        visible = keypoints_visible.to(torch.float32)
        labelled = visible >= 0.5
        bin_x, bin_y = bins.unbind(-1)
        size_x, size_y = self.simcc_size
        if self.smoothing_type == 'gaussian':
            # the Gaussian's 3-sigma span must reach into the vector (mmpose's bounds)
            radius_x, radius_y = (float(r) for r in self.sigma * 3)
            inside = ((bin_x - radius_x < size_x) & (bin_y - radius_y < size_y)
                      & (bin_x + radius_x + 1 >= 0) & (bin_y + radius_y + 1 >= 0))
        else:
            inside = (bin_x >= 0) & (bin_x < size_x) & (bin_y >= 0) & (bin_y < size_y)
        weights = torch.where(labelled & ~inside, torch.zeros_like(visible), visible)
        has_label = (labelled & inside).unsqueeze(-1)
        labels = []
        for centre, size, sigma in ((bin_x, size_x, self.sigma[0]), (bin_y, size_y, self.sigma[1])):
            if self.smoothing_type == 'gaussian':
                label = self._gaussian(centre, size, float(sigma))
            else:
                label = self._one_hot(centre, size)
            labels.append(torch.where(has_label, label, torch.zeros_like(label)))
        return dict(keypoint_x_labels=labels[0], keypoint_y_labels=labels[1], keypoint_weights=weights)

    def _gaussian(self, centre: torch.Tensor, size: int, sigma: float) -> torch.Tensor:
        """(B, K) bins -> (B, K, size) float32; float64 maths cast to float32, then the
        normalisation in float64 again, the order of mmpose's numpy."""
        grid = torch.arange(size, device=centre.device, dtype=torch.float64)
        label = torch.exp(-(grid - centre.unsqueeze(-1).to(torch.float64)) ** 2 / (2 * sigma ** 2))
        label = label.to(torch.float32)
        if self.normalize:
            label = (label.to(torch.float64) / (sigma * np.sqrt(np.pi * 2))).to(torch.float32)
        return label

    def _one_hot(self, centre: torch.Tensor, size: int) -> torch.Tensor:
        """(B, K) bins (inside the vector where it matters) -> (B, K, size) float32:
        ``1 - label_smooth_weight`` at the bin, ``label_smooth_weight / (size - 1)`` elsewhere."""
        grid = torch.arange(size, device=centre.device)
        background = self.label_smooth_weight / (size - 1) if self.label_smooth_weight > 0 else 0.0
        hit = grid == centre.unsqueeze(-1)
        # the two values as float32 numbers, as mmpose's assignments into its float32 arrays
        peak, background = (float(np.float32(value)) for value in (1.0 - self.label_smooth_weight, background))
        return torch.where(hit, peak, background).to(torch.float32)

    def decode(self, simcc_x: np.ndarray, simcc_y: np.ndarray):
        """mmpose's decode: SimCC vectors (K, Wx) and (K, Wy), or (N, K, Wx) and (N, K, Wy)
        -> keypoints (N, K, 2) crop pixels float32 and scores (N, K) (the smaller of the
        two maxima; -1 locations where it is not positive); with ``decode_visibility``
        the scores are (scores, visibility)."""
        simcc_x, simcc_y = np.asarray(simcc_x), np.asarray(simcc_y)
        if simcc_x.ndim not in (2, 3) or simcc_x.ndim != simcc_y.ndim:
            raise ValueError(f'SimCCLabel.decode: expected vectors (K, W) or (N, K, W) for both axes, got '
                             f'{simcc_x.shape} and {simcc_y.shape}')
        vectors_x, vectors_y = (torch.from_numpy(np.ascontiguousarray(v)) for v in (simcc_x, simcc_y))
        if simcc_x.ndim == 2:
            vectors_x, vectors_y = vectors_x[None], vectors_y[None]
        keypoints, scores, visibility = self.decode_batch(vectors_x, vectors_y)
        if self.decode_visibility:
            return keypoints.numpy(), (scores.numpy(), visibility.numpy())
        return keypoints.numpy(), scores.numpy()

    def decode_batch(self, simcc_x: torch.Tensor, simcc_y: torch.Tensor):
        """SimCC vectors (B, K, Wx), (B, K, Wy), torch on any device -> keypoints (B, K, 2)
        crop pixels float32, scores (B, K) and visibility (B, K) (None without
        ``decode_visibility``; float64)): :meth:`decode` for a batch, traceable for export."""
        locations, scores = simcc_maximum(simcc_x, simcc_y)
        if self.use_dark:
            blur_kernels = [int((sigma * 20 - 7) // 3) for sigma in self.sigma]
            blur_kernels = [size - int(size % 2 == 0) for size in blur_kernels]
            refined_x = refine_simcc_by_taylor_expansion(locations[..., 0], simcc_x, blur_kernels[0])
            refined_y = refine_simcc_by_taylor_expansion(locations[..., 1], simcc_y, blur_kernels[1])
            locations = torch.stack([refined_x, refined_y], dim=-1)
        keypoints = locations.to(torch.float32) / self.simcc_split_ratio
        visibility = None
        if self.decode_visibility:
            if self.use_dark:
                # mmpose's DARK step works in place: its visibility reads the log of the
                # clipped, blurred vectors
                simcc_x, simcc_y = (blur_vectors_keeping_the_peak(vectors, size).clamp(1e-3, 50.).log()
                                    for vectors, size in ((simcc_x, blur_kernels[0]), (simcc_y, blur_kernels[1])))
            # the order and precision of mmpose's numpy: times beta in the vectors' dtype,
            # times its float64 sigma in float64
            _, visibility = simcc_maximum((simcc_x * self.decode_beta).double() * float(self.sigma[0]),
                                          (simcc_y * self.decode_beta).double() * float(self.sigma[1]),
                                          apply_softmax=True)
        return keypoints, scores, visibility
