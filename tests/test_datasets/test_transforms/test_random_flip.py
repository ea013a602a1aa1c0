"""RandomFlip on the real WFLW samples: a flip twice is the identity, the landmarks keep their meaning."""
import numpy as np
import pytest

from mmpose_face.datasets.transforms import RandomFlip

from test_datasets.wflw_samples import dataset, loaded_face


def test_flipping_twice_is_the_identity_on_real_faces(dataset):
    flip = RandomFlip(prob=1.0)
    for index in range(len(dataset)):
        original = loaded_face(dataset, index)
        image, keypoints = original['img'].copy(), original['keypoints'].copy()
        center, bbox = original['bbox_center'].copy(), original['bbox'].copy()
        once = flip(dict(original, keypoints=keypoints.copy(), img=image.copy()))
        assert once['flip'] and once['flip_direction'] == 'horizontal'
        assert not np.allclose(once['keypoints'], keypoints)
        twice = flip(once)
        np.testing.assert_array_equal(twice['img'], image)
        np.testing.assert_allclose(twice['keypoints'], keypoints, atol=1e-4)
        np.testing.assert_allclose(twice['bbox_center'], center, atol=1e-4)
        np.testing.assert_allclose(twice['bbox'], bbox, atol=1e-4)


def test_after_a_flip_the_landmarks_keep_their_meaning(dataset):
    """Point 60 (outer corner of the eye on the image's left) stays left of 72;
    the flipped image shows at each flipped point what the original shows there."""
    flip = RandomFlip(prob=1.0)
    for index in range(len(dataset)):
        original = loaded_face(dataset, index)
        image, keypoints = original['img'].copy(), original['keypoints'][0].copy()
        assert keypoints[60, 0] < keypoints[72, 0]
        flipped = flip(dict(original))
        flipped_keypoints = flipped['keypoints'][0]
        assert flipped_keypoints[60, 0] < flipped_keypoints[72, 0]
        assert flipped_keypoints[0, 0] < flipped_keypoints[32, 0]  # jaw starts on the left
        width = image.shape[1]
        np.testing.assert_allclose(flipped_keypoints[72], [width - 1 - keypoints[60, 0], keypoints[60, 1]],
                                   atol=1e-4)
        # the box centre mirrors like a keypoint (pixel x -> width - 1 - x)
        center = original['bbox_center'][0]
        np.testing.assert_allclose(flipped['bbox_center'][0], [width - 1 - center[0], center[1]], atol=1e-4)
        for k in range(98):
            x, y = np.round(keypoints[dataset.metainfo['flip_indices'][k]]).astype(int)
            fx, fy = np.round(flipped_keypoints[k]).astype(int)
            np.testing.assert_array_equal(flipped['img'][fy, fx], image[y, x])


def test_random_flip_probability_zero_changes_nothing(dataset):
    face = loaded_face(dataset, 0)
    keypoints = face['keypoints'].copy()
    result = RandomFlip(prob=0.0)(face)
    assert result['flip'] is False and result['flip_direction'] is None
    np.testing.assert_array_equal(result['keypoints'], keypoints)


def test_only_horizontal_flips_are_accepted():
    with pytest.raises(ValueError, match='vertical'):
        RandomFlip(direction='vertical')
