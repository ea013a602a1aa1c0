"""Image reading at the bottom of the package (``mmpose_face/fileio.py``): an image is refused from
its header, before decoding, when it claims more pixels than the documented limit."""
import json

import cv2
import numpy as np
import pytest

from mmpose_face.errors import ImageLoadError, SettingError
from mmpose_face.fileio import DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS_ENV, max_image_pixels, read_image_bgr
from tests.image_headers import write_png_header


@pytest.mark.parametrize('side', [40000, 30000])   # beyond cv2's own 2**30 limit, and under it
def test_a_huge_header_is_refused_before_decoding(tmp_path, side):
    path = tmp_path / 'bomb.png'
    write_png_header(path, side, side)
    with pytest.raises(ImageLoadError) as refused:
        read_image_bgr(str(path))
    assert str(refused.value) == (
        f'{path}: the image header claims {side} x {side} = {side * side:,} pixels, over the limit of '
        f'{DEFAULT_MAX_IMAGE_PIXELS:,} pixels; refused before decoding. To read it, raise the limit: '
        f'{MAX_IMAGE_PIXELS_ENV}=N or LoadImage(max_image_pixels=N)')


def test_the_limit_can_be_raised(tmp_path, monkeypatch):
    path = tmp_path / 'small.png'
    cv2.imwrite(str(path), np.full((40, 50, 3), 7, np.uint8))
    with pytest.raises(ImageLoadError, match='50 x 40 = 2,000 pixels, over the limit of 1,000 pixels'):
        read_image_bgr(str(path), max_pixels=1000)
    assert read_image_bgr(str(path), max_pixels=2000).shape == (40, 50, 3)
    monkeypatch.setenv(MAX_IMAGE_PIXELS_ENV, '1000')
    assert max_image_pixels() == 1000
    with pytest.raises(ImageLoadError, match='over the limit of 1,000 pixels'):
        read_image_bgr(str(path))
    monkeypatch.setenv(MAX_IMAGE_PIXELS_ENV, 'lots')
    with pytest.raises(SettingError, match=f"{MAX_IMAGE_PIXELS_ENV}='lots': expected a positive whole number"):
        read_image_bgr(str(path))


def test_json_is_standard_with_null_for_nonfinite_numbers(tmp_path):
    from mmpose_face.fileio import write_json_atomically
    path = tmp_path / 'metrics.json'
    write_json_atomically(str(path), {'NME': float('inf'), 'faces': [[1.5, float('nan')], (2.0, -float('inf'))],
                                      'name': 'wflw', 'count': 3}, indent=1)
    text = path.read_text()
    assert 'Infinity' not in text and 'NaN' not in text
    assert json.loads(text) == {'NME': None, 'faces': [[1.5, None], [2.0, None]], 'name': 'wflw', 'count': 3}
    assert not [p for p in tmp_path.iterdir() if p.name != 'metrics.json']  # no partial file left


@pytest.mark.parametrize('settings', [dict(imdecode_backend='pillow'), dict(color_type='grayscale'),
                                      dict(backend_args=dict(backend='local'))])
def test_the_limit_holds_on_loadimages_mmcv_path_too(tmp_path, settings):
    """LoadImage with a non-default decoder, colour type or storage reads through mmcv: the
    header is checked there too, before decoding, and the refusal is an undecodable image."""
    from mmpose_face.datasets.transforms import LoadImage
    from mmpose_face.datasets.transforms.loading import ImageDecodeError
    path = tmp_path / 'bomb.png'
    write_png_header(path, 30000, 30000)
    with pytest.raises(ImageDecodeError, match=r'bomb.png: the image header claims 30000 x 30000 .* refused '
                                                r'before decoding'):
        LoadImage(**settings)(dict(img_path=str(path)))
    assert LoadImage(ignore_empty=True, **settings)(dict(img_path=str(path))) is None
    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.full((40, 50, 3), 7, np.uint8))
    with pytest.raises(ImageDecodeError, match='over the limit of 1,000 pixels'):
        LoadImage(max_image_pixels=1000, **settings)(dict(img_path=str(small)))
    assert LoadImage(max_image_pixels=2000, **settings)(dict(img_path=str(small)))['img'].shape[:2] == (40, 50)
