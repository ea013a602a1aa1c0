"""Flip test: predictions made on a mirrored crop, mapped back to the original crop."""
import torch


def flip_normalised_coordinates(coords: torch.Tensor, flip_indices, shift_coords: bool,
                                input_width: int) -> torch.Tensor:
    """Coordinates (B, K, D >= 2) normalised to the input size, predicted on mirrored
    crops -> the original crops': x -> 1 - x; with ``shift_coords`` a further
    -1/width, because the mirror of pixel x is w - 1 - x, not w - x; then left
    and right points swap (``flip_indices``, K ints). Other channels (RLE's
    sigmas) only swap."""
    coords = coords.clone()
    coords[..., 0] = 1.0 - coords[..., 0]
    if shift_coords:
        coords[..., 0] -= 1.0 / input_width
    return coords[:, flip_indices]


def flip_heatmaps(heatmaps: torch.Tensor, flip_indices, shift_heatmap: bool) -> torch.Tensor:
    """Heatmaps (B, K, H, W) of a mirrored crop -> the original crop's: mirror the columns,
    swap left/right maps and, with ``shift_heatmap``, move one column right (the
    mirror of column x is W - 1 - x). mmpose's ``flip_heatmaps`` in its 'heatmap' mode."""
    heatmaps = heatmaps.flip(-1)[:, flip_indices]
    if shift_heatmap:
        heatmaps = torch.cat([heatmaps[..., :1], heatmaps[..., :-1]], dim=-1)
    return heatmaps


def flip_vectors(x_labels: torch.Tensor, y_labels: torch.Tensor, flip_indices):
    """SimCC vectors (B, K, Wx) and (B, K, Wy) of a mirrored crop -> the original crop's:
    left and right points swap (``flip_indices``, K ints) and the x vectors are
    reversed (bin i -> Wx - 1 - i); y only swaps. mmpose's ``flip_vectors``."""
    if x_labels.ndim != 3 or y_labels.ndim != 3:
        raise ValueError(f'flip_vectors: expected (B, K, W) vectors, got {tuple(x_labels.shape)} and '
                         f'{tuple(y_labels.shape)}')
    if not torch.jit.is_tracing() and not len(flip_indices) == x_labels.shape[1] == y_labels.shape[1]:
        raise ValueError(f'flip_vectors: {len(flip_indices)} flip indices for {x_labels.shape[1]} keypoints')
    return x_labels[:, flip_indices].flip(-1), y_labels[:, flip_indices]
