"""GlobalAveragePooling: (B, C, H, W) maps to (B, C) means, for a tensor, a tuple or a list, as
mmpose's neck."""
import pytest
import torch

from mmpose_face.registry import MODELS


# --------------------------------------------------------------------------- neck and head
def test_global_average_pooling_shapes_and_values():
    gap = MODELS.build(dict(type='GlobalAveragePooling'))
    maps = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    pooled = gap(maps)
    assert pooled.shape == (2, 3)
    assert torch.allclose(pooled, maps.mean(dim=(2, 3)))
    pooled_tuple = gap((maps, maps[:, :2]))
    assert isinstance(pooled_tuple, tuple) and [p.shape for p in pooled_tuple] == [(2, 3), (2, 2)]


def test_global_average_pooling_takes_tuples_lists_and_tensors_like_mmpose():
    gap = MODELS.build(dict(type='GlobalAveragePooling'))
    maps = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    assert isinstance(gap([maps]), list) and torch.allclose(gap([maps])[0], maps.mean(dim=(2, 3)))
    assert gap(maps[:1]).shape == (1, 3)  # a batch of one keeps its batch axis
    with pytest.raises(TypeError):
        gap(maps.numpy())
    assert list(gap.state_dict()) == []
