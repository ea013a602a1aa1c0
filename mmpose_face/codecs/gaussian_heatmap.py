"""Gaussian heatmap targets ("MSRA" heatmaps) for a batch of faces, in torch.

One implementation for the per-face numpy codec (through ``torch.from_numpy``)
and for the batched fast path on the device.
"""
import torch


def _gaussian_windows(keypoints: torch.Tensor, sigma: float, unbiased: bool):
    """Centres (B, K, 2) and window edges left, top, right, bottom (B, K) in heatmap
    pixels: rounded int64 centres (MSRA) or the fractional points (DARK)."""
    radius = sigma * 3
    if unbiased:
        mu = keypoints
        left, top = (mu - radius).unbind(-1)
        right, bottom = (mu + radius + 1).unbind(-1)
    else:
        mu = (keypoints + 0.5).to(torch.int64)  # truncation, as numpy's astype
        left, top = (mu - radius).to(torch.int64).unbind(-1)
        right, bottom = (mu + radius + 1).to(torch.int64).unbind(-1)
    return mu, left, top, right, bottom


def _window_on_map(left, top, right, bottom, heatmap_size) -> torch.Tensor:
    width, height = heatmap_size
    return ~((left >= width) | (top >= height) | (right < 0) | (bottom < 0))


def gaussian_heatmaps(keypoints: torch.Tensor, keypoints_visible: torch.Tensor, heatmap_size,
                      sigma: float, unbiased: bool = False) -> torch.Tensor:
    """Keypoints (B, K, 2) in heatmap pixels -> heatmaps (B, K, H, W) float32, peak 1.

    Biased (MSRA): the centre is rounded, ``mu = int(p + 0.5)``, and the Gaussian
    is cut to the window ``[mu - 3 sigma, mu + 3 sigma]``. Unbiased (DARK): the
    centre stays fractional and the Gaussian covers the whole map. A point with
    visibility under 0.5, or whose window misses the map, gets an all-zero map.
    heatmap_size: (W, H).
    """
    width, height = heatmap_size
    keypoints = keypoints.to(torch.float32)
    xs = torch.arange(width, dtype=torch.float32, device=keypoints.device)
    ys = torch.arange(height, dtype=torch.float32, device=keypoints.device)
    mu, left, top, right, bottom = _gaussian_windows(keypoints, sigma, unbiased)
    if unbiased:
        dx = xs - mu[..., 0:1]  # (B, K, W)
        dy = ys - mu[..., 1:2]  # (B, K, H)
        inside_x = torch.ones_like(dx, dtype=torch.bool)
        inside_y = torch.ones_like(dy, dtype=torch.bool)
    else:
        size = 2 * (sigma * 3) + 1  # the window's side, as _gaussian_windows' radius
        centre = float(size // 2)
        window_length = len(torch.arange(0, size, 1))
        offset_x = xs - left.unsqueeze(-1)  # index into the window (B, K, W)
        offset_y = ys - top.unsqueeze(-1)
        inside_x = (offset_x >= 0) & (offset_x < window_length) & (xs < right.unsqueeze(-1))
        inside_y = (offset_y >= 0) & (offset_y < window_length) & (ys < bottom.unsqueeze(-1))
        dx, dy = offset_x - centre, offset_y - centre
    heatmaps = torch.exp(-(dx.unsqueeze(-2) ** 2 + dy.unsqueeze(-1) ** 2) / (2 * sigma ** 2))
    keep = (keypoints_visible >= 0.5) & _window_on_map(left, top, right, bottom, heatmap_size)  # (B, K)
    mask = inside_y.unsqueeze(-1) & inside_x.unsqueeze(-2) & keep[..., None, None]
    return torch.where(mask, heatmaps, torch.zeros((), dtype=torch.float32, device=heatmaps.device))


def gaussian_heatmap_weights(keypoints: torch.Tensor, keypoints_visible: torch.Tensor, heatmap_size,
                             sigma: float, unbiased: bool = False) -> torch.Tensor:
    """Keypoint weights (B, K) float32 of :func:`gaussian_heatmaps`' maps, as mmpose
    gives them: the visibility, but 0 for a visible point (>= 0.5) whose window
    misses the map (its map is empty, so the loss must not ask for a peak)."""
    _, left, top, right, bottom = _gaussian_windows(keypoints.to(torch.float32), sigma, unbiased)
    keypoints_visible = keypoints_visible.to(torch.float32)
    missed = (keypoints_visible >= 0.5) & ~_window_on_map(left, top, right, bottom, heatmap_size)
    return torch.where(missed, torch.zeros((), dtype=torch.float32, device=keypoints.device),
                       keypoints_visible)
