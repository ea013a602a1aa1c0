"""sample_faces: the flags it samples are the flags of what it draws."""
import numpy as np

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import face_sampling as sampling


def test_sampled_flags_are_the_flags_of_what_is_drawn(monkeypatch):
    requested = []
    original = sampling.sample_attribute_flags

    def recording(rng):
        flags = original(rng)
        requested.append(tuple(int(flags[name]) for name in attributes.ATTRIBUTE_NAMES))
        return flags

    monkeypatch.setattr(sampling, 'sample_attribute_flags', recording)
    rng = np.random.default_rng(7)
    drawn = []
    for _ in range(150):
        faces = sampling.sample_faces(rng, 1, 300, 280)
        drawn.extend(attributes.attribute_flags(face) for face in faces)
    assert drawn == requested
    assert np.array(drawn).sum(axis=0).min() > 5
