"""Occluders hide landmarks of their own face only, and keep their true positions."""
from dataclasses import replace

import numpy as np

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import occluders

from synthetic_faces import clean_face, render


def test_occluder_hides_landmarks_of_its_face_only():
    rng = np.random.default_rng(1)
    for _ in range(10):
        face = clean_face()
        occluded = replace(face, occluder=occluders.sample_occluder(rng, face))
        covered = occluders.occluded_landmarks(occluded)
        assert covered.sum() >= attributes.MIN_OCCLUDED_LANDMARKS
        plain, hidden = render([face]), render([occluded])
        changed = np.abs(plain.astype(int) - hidden.astype(int)).max(axis=2) > 20
        points = np.round(face.landmarks[covered]).astype(int)
        assert changed[points[:, 1], points[:, 0]].mean() > 0.5
        np.testing.assert_array_equal(occluded.landmarks, face.landmarks)   # true positions kept
        assert attributes.attribute_flags(occluded)[4] == 1 and attributes.attribute_flags(face)[4] == 0
