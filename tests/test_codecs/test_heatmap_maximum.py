"""The arg-max cell of each heatmap and SimpleBaseline's quarter-pixel step, in torch, any batch shape."""
import torch

from mmpose_face.codecs.heatmap_maximum import heatmap_maximum, refine_by_quarter_pixel


def test_maximum_location_x_y_and_value_per_map_for_any_leading_shape():
    heatmaps = torch.zeros(2, 3, 4, 6, 8)  # (B, N, K, H, W)
    heatmaps[1, 2, 3, 5, 7] = 2.0
    heatmaps[0, 0, 0, 1, 6] = 0.5
    locations, values = heatmap_maximum(heatmaps)
    assert locations.shape == (2, 3, 4, 2) and values.shape == (2, 3, 4) and locations.dtype == torch.float32
    assert locations[1, 2, 3].tolist() == [7.0, 5.0] and values[1, 2, 3].item() == 2.0
    assert locations[0, 0, 0].tolist() == [6.0, 1.0]
    assert locations[0, 1, 0].tolist() == [-1.0, -1.0] and values[0, 1, 0].item() == 0.0  # all zero: not positive


def test_quarter_step_towards_the_higher_neighbour_inside_mmposes_bounds():
    heatmaps = torch.zeros(1, 4, 6, 8)
    heatmaps[0, 0, 3, 4], heatmaps[0, 0, 3, 3], heatmaps[0, 0, 4, 4] = 1.0, 0.5, 0.7  # left, down
    heatmaps[0, 1, 1, 4], heatmaps[0, 1, 2, 4] = 1.0, 0.5  # y = 1: y moves only when 1 < y < H - 1
    heatmaps[0, 2, 3, 7], heatmaps[0, 2, 3, 6] = 1.0, 0.5  # x = W - 1: no x step
    heatmaps[0, 3, 2, 2], heatmaps[0, 3, 2, 3] = 1.0, 1.0  # a tie: the first cell wins
    locations, _ = heatmap_maximum(heatmaps)
    refined = refine_by_quarter_pixel(locations, heatmaps)
    assert refined[0, 0].tolist() == [3.75, 3.25]
    assert refined[0, 1].tolist() == [4.0, 1.0]
    assert refined[0, 2].tolist() == [7.0, 3.0]
    # cell (2, 2) with its right neighbour as high and its left at 0: a step right
    assert refined[0, 3].tolist() == [2.25, 2.0]
