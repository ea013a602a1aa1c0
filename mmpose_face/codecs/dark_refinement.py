"""DARK's sub-pixel step (Zhang et al., 2020): a Taylor expansion of the log of the blurred heatmap.

In torch, for the per-face numpy decode of :class:`MSRAHeatmap` (``unbiased``)
and :class:`SimCCLabel` (``use_dark``, the 1-D form on SimCC vectors) and for
the heads' batched ``predict_normalised``.
"""
import cv2
import torch
import torch.nn.functional as F


def blur_keeping_the_peak(heatmaps: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Heatmaps (B, K, H, W) blurred by OpenCV's Gaussian of ``kernel_size`` (sigma
    ``0.3 * ((kernel_size - 1) * 0.5 - 1) + 0.8``), zero outside the map, then
    scaled so that each map keeps its maximum."""
    channels, border = heatmaps.shape[1], (kernel_size - 1) // 2
    kernel = torch.from_numpy(cv2.getGaussianKernel(kernel_size, 0)).to(heatmaps).reshape(1, 1, 1, -1)
    # separable, rows first, as OpenCV filters
    blurred = F.conv2d(heatmaps, kernel.expand(channels, 1, 1, kernel_size), padding=(0, border), groups=channels)
    blurred = F.conv2d(blurred, kernel.reshape(1, 1, -1, 1).expand(channels, 1, kernel_size, 1),
                       padding=(border, 0), groups=channels)
    peak = heatmaps.flatten(-2).amax(-1)[..., None, None]
    return blurred * (peak / blurred.flatten(-2).amax(-1)[..., None, None])


def refine_by_taylor_expansion(locations: torch.Tensor, heatmaps: torch.Tensor,
                               blur_kernel_size: int) -> torch.Tensor:
    """Arg-max locations (B, K, 2) heatmap pixels -> moved by ``-hessian^-1 @ gradient``
    of ``log(max(blurred heatmap, 1e-10))`` at the cell (finite differences);
    heatmaps (B, K, H, W).

    A point moves when ``1 < x < W - 2`` and ``1 < y < H - 2`` (the bounds
    mmpose's ``refine_keypoints_dark`` uses) and the hessian is invertible.
    """
    height, width = heatmaps.shape[-2:]
    log_maps = blur_keeping_the_peak(heatmaps, blur_kernel_size).clamp(min=1e-10).log().flatten(-2)
    x, y = locations.to(torch.int64).unbind(-1)  # truncation, as numpy's astype(int)

    def at(dx: int, dy: int):
        index = ((y + dy).clamp(0, height - 1) * width + (x + dx).clamp(0, width - 1)).unsqueeze(-1)
        return log_maps.gather(-1, index).squeeze(-1)

    gradient_x = 0.5 * (at(1, 0) - at(-1, 0))
    gradient_y = 0.5 * (at(0, 1) - at(0, -1))
    hessian_xx = 0.25 * (at(2, 0) - 2 * at(0, 0) + at(-2, 0))
    hessian_xy = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
    hessian_yy = 0.25 * (at(0, 2) - 2 * at(0, 0) + at(0, -2))
    determinant = hessian_xx * hessian_yy - hessian_xy ** 2
    moves = (x > 1) & (x < width - 2) & (y > 1) & (y < height - 2) & (determinant != 0)
    safe = torch.where(moves, determinant, torch.ones_like(determinant))
    offset_x = -(hessian_yy * gradient_x - hessian_xy * gradient_y) / safe
    offset_y = -(hessian_xx * gradient_y - hessian_xy * gradient_x) / safe
    offset = torch.stack([offset_x, offset_y], dim=-1)
    return locations + torch.where(moves.unsqueeze(-1), offset, torch.zeros_like(offset))


def blur_vectors_keeping_the_peak(vectors: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Vectors (..., W) blurred by OpenCV's 1-D Gaussian of ``kernel_size`` (odd), zero
    outside the vector, then scaled so that each keeps its maximum: mmpose's
    ``gaussian_blur1d`` for SimCC."""
    if kernel_size % 2 != 1:
        raise ValueError(f'the blur kernel size must be odd, got {kernel_size}')
    shape, border = vectors.shape, (kernel_size - 1) // 2
    kernel = torch.from_numpy(cv2.getGaussianKernel(kernel_size, 0)).to(vectors).reshape(1, 1, -1)
    flat = vectors.reshape(-1, 1, shape[-1])
    blurred = F.conv1d(flat, kernel, padding=border).reshape(shape)
    return blurred * (vectors.amax(-1, keepdim=True) / blurred.amax(-1, keepdim=True))


def refine_simcc_by_taylor_expansion(locations: torch.Tensor, simcc: torch.Tensor,
                                     blur_kernel_size: int) -> torch.Tensor:
    """Arg-max locations (..., K) in SimCC bins of one axis -> moved by
    ``-gradient / hessian`` of ``log(clip(blurred simcc, 1e-3, 50))`` at the bin
    (finite differences over +-2 bins, the vector's ends repeated);
    simcc (..., K, W). mmpose's ``refine_simcc_dark``: every point moves, the
    bin is ``int(location + 0.5)``, and a location of -1 (no positive value)
    reads its far neighbour from the other end, as numpy's negative index does.
    """
    log_simcc = blur_vectors_keeping_the_peak(simcc, blur_kernel_size).clamp(1e-3, 50.).log()
    padded = torch.cat([log_simcc[..., :1], log_simcc[..., :1], log_simcc,
                        log_simcc[..., -1:], log_simcc[..., -1:]], dim=-1)
    length = padded.shape[-1]
    bins = (locations + 2.5).to(torch.int64)  # truncation, as numpy's astype(int64)

    def at(offset: int):
        return padded.gather(-1, torch.remainder(bins + offset, length).unsqueeze(-1)).squeeze(-1)

    gradient = 0.5 * (at(1) - at(-1))
    hessian = 1e-9 + 0.25 * (at(2) - 2 * at(0) + at(-2))
    return locations - gradient / hessian
