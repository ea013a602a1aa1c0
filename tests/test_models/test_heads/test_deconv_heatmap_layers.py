"""The deconvolution layers of the heatmap heads: their kernel sizes are checked when built."""
import pytest

from test_models.regression_family_parts import dsnt_head, mmpose_face_scope  # noqa: F401 (an autouse fixture)


def test_deconv_kernel_sizes_must_fit():
    with pytest.raises(ValueError, match='same length'):
        dsnt_head(deconv_kernel_sizes=(4,))
    with pytest.raises(ValueError, match='kernel size 5'):
        dsnt_head(deconv_kernel_sizes=(4, 5))
