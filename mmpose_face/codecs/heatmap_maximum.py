"""Keypoints from heatmaps in torch: the arg-max cell and SimpleBaseline's quarter-pixel step.

One implementation for the per-face numpy decode of :class:`MSRAHeatmap`
(through ``torch.from_numpy``) and for the heads' batched ``predict_normalised``
on the device (and in an exported ONNX graph).
"""
import torch


def heatmap_maximum(heatmaps: torch.Tensor):
    """Heatmaps (..., K, H, W) -> locations (..., K, 2) float32 (x, y) of each map's
    largest value, in heatmap pixels, and those values (..., K).

    Ties go to the first cell in row-major order (numpy's ``argmax``); a map
    whose maximum is not positive gets the location (-1, -1), as in mmpose.
    """
    width = heatmaps.shape[-1]
    flat = heatmaps.flatten(-2)
    index = flat.argmax(dim=-1)
    values = flat.gather(-1, index.unsqueeze(-1)).squeeze(-1)
    locations = torch.stack([index % width, torch.div(index, width, rounding_mode='floor')], dim=-1)
    locations = locations.to(torch.float32)
    return torch.where((values > 0).unsqueeze(-1), locations, torch.full_like(locations, -1.)), values


def refine_by_quarter_pixel(locations: torch.Tensor, heatmaps: torch.Tensor) -> torch.Tensor:
    """Move each arg-max location (..., K, 2) a quarter heatmap pixel towards its higher
    neighbour in x and in y (SimpleBaseline's sub-pixel step); heatmaps (..., K, H, W).

    x moves when ``1 < x < W - 1`` (and ``0 < y < H``), y when ``1 < y < H - 1``
    (and ``0 < x < W``), the bounds mmpose's ``refine_keypoints`` uses; equal
    neighbours, or a location (-1, -1), leave the point where it is.
    """
    height, width = heatmaps.shape[-2:]
    flat = heatmaps.flatten(-2)
    x, y = locations.to(torch.int64).unbind(-1)  # truncation, as numpy's astype(int)

    def value_at(column, row):
        index = (row.clamp(0, height - 1) * width + column.clamp(0, width - 1)).unsqueeze(-1)
        return flat.gather(-1, index).squeeze(-1)

    moves_x = (x > 1) & (x < width - 1) & (y > 0) & (y < height)
    moves_y = (y > 1) & (y < height - 1) & (x > 0) & (x < width)
    dx = torch.where(moves_x, value_at(x + 1, y) - value_at(x - 1, y), torch.zeros_like(flat[..., 0]))
    dy = torch.where(moves_y, value_at(x, y + 1) - value_at(x, y - 1), torch.zeros_like(flat[..., 0]))
    return locations + torch.stack([dx, dy], dim=-1).sign().to(torch.float32) * 0.25
