"""LoadImage: BGR pixels as OpenCV reads them; a missing or broken file is named."""
import cv2
import numpy as np
import pytest

from mmpose_face.datasets.transforms import ImageLoadError, LoadImage

from test_datasets.wflw_samples import dataset, loaded_face


# --------------------------------------------------------------------------- loading
def test_load_image_reads_bgr_and_names_a_missing_or_broken_file(dataset, tmp_path):
    face = loaded_face(dataset, 0)
    assert face['img'].dtype == np.uint8 and face['img'].shape == (661, 1024, 3)
    assert face['img_shape'] == face['ori_shape'] == (661, 1024)
    np.testing.assert_array_equal(face['img'], cv2.imread(face['img_path']))  # BGR, as OpenCV reads it
    with pytest.raises(ImageLoadError, match=r'no_face\.jpg: cannot read image'):
        LoadImage()(dict(img_path=str(tmp_path / 'no_face.jpg')))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not a jpeg at all')
    with pytest.raises(ImageLoadError, match=r'broken\.jpg: not a decodable image \(17 bytes\)'):
        LoadImage()(dict(img_path=str(broken)))
