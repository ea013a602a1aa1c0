"""The drawing helpers of the synthetic faces: sub-pixel fixed point, polygons (filled, blended,
masked), colours clipped to 0-255, HSV to BGR, ellipses and thick segments by their geometry."""
import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic.drawing_primitives import (
    SUBPIXEL_ONE, blend_polygon, ellipse_polygon, fill_polygon, fixed_point, hsv_to_bgr, polygon_mask, scaled_colour,
    segment_polygon)

SQUARE = np.array([[4., 4.], [12., 4.], [12., 12.], [4., 12.]])


def test_fixed_point_keeps_sub_pixel_positions():
    assert SUBPIXEL_ONE == 16
    np.testing.assert_array_equal(fixed_point([[1.5, 2.25]]), [[[24, 36]]])


def test_a_filled_square_covers_its_inside_and_nothing_far_outside():
    image = np.zeros((16, 16, 3), np.uint8)
    fill_polygon(image, SQUARE, (0, 0, 255))
    assert (image[6:11, 6:11] == [0, 0, 255]).all() and not image[:2].any() and not image[:, 14:].any()


def test_a_blended_polygon_mixes_its_colour_at_its_opacity_and_clips_to_the_image():
    image = np.full((16, 16, 3), 100, np.uint8)
    blend_polygon(image, SQUARE, (200, 200, 200), 0.5)
    assert (image[8, 8] == 150).all() and (image[0, 0] == 100).all()
    blend_polygon(image, SQUARE + 100, (0, 0, 0), 1.0)  # off the image: nothing drawn, no error
    assert (image[8, 8] == 150).all()


def test_colours_scale_within_0_255_and_hsv_hues_land_on_bgr_channels():
    assert scaled_colour((100, 200, 250), 1.5) == (150, 255, 255)
    assert scaled_colour((100, 200, 250), -1) == (0, 0, 0)
    assert hsv_to_bgr(0, 1, 1) == (0, 0, 255) and hsv_to_bgr(120, 1, 1) == (0, 255, 0)
    assert hsv_to_bgr(600, 1, 1) == hsv_to_bgr(240, 1, 1) == (255, 0, 0)  # hue wraps at 360


def test_ellipse_and_segment_polygons_have_their_geometry():
    ellipse = ellipse_polygon((10., 20.), (4., 2.), 90., num_points=4)
    np.testing.assert_allclose(ellipse, [[10, 24], [8, 20], [10, 16], [12, 20]], atol=1e-9)  # turned 90 degrees
    segment = segment_polygon((0., 0.), (10., 0.), 2.)
    np.testing.assert_allclose(segment, [[0, 1], [10, 1], [10, -1], [0, -1]], atol=1e-6)


def test_polygon_mask_is_drawn_relative_to_its_offset():
    mask = polygon_mask((12, 12), [(SQUARE, (0, 0, 0))], offset_xy=np.array([4., 4.]))  # the square at 0..8
    assert mask.dtype == np.uint8 and mask[1, 1] == mask[6, 6] == 255 and mask[10, 10] == 0 and mask[1, 10] == 0
    assert polygon_mask((8, 8), [], np.zeros(2)).sum() == 0
    with pytest.raises(ValueError):
        polygon_mask((8, 8), [SQUARE], np.zeros(2))  # polygons come with their colour
