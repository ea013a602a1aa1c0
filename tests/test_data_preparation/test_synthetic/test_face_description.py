"""What a synthetic face is: frozen descriptions with a frontal, neutral default, changed by replace()."""
import dataclasses

import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic.face_description import (BlurEffect, FaceLook, FacePose, FaceShape,
                                                                     IlluminationChange, SyntheticFace)


def test_the_default_face_is_frontal_neutral_and_left_right_symmetric_in_its_description():
    shape, pose = FaceShape(), FacePose()
    assert (pose.yaw_deg, pose.pitch_deg, pose.roll_deg) == (0.0, 0.0, 0.0)
    assert shape.mouth_open == 0.0 and shape.smile == 0.0
    assert shape.brow_inner_x < shape.brow_outer_x and shape.jaw_top_y < shape.eye_y < shape.nose_tip_y < shape.mouth_y
    assert shape.mouth_y < shape.chin_y  # y grows downwards, in half jaw widths


def test_descriptions_are_frozen_and_changed_by_replace():
    shape = FaceShape()
    with pytest.raises(dataclasses.FrozenInstanceError):
        shape.mouth_open = 0.3
    opened = dataclasses.replace(shape, mouth_open=0.3)
    assert opened.mouth_open == 0.3 and shape.mouth_open == 0.0
    assert FaceLook().eye_shadow_bgr is None and FaceLook().has_hair


def test_a_face_carries_its_effects_only_when_given():
    face = SyntheticFace(FaceShape(), FacePose(), FaceLook(), landmarks=np.zeros((98, 2)), parts={},
                         region=(0, 0, 64, 64), face_box=(8, 8, 56, 56))
    assert face.occluder == () and face.illumination is None and face.blur is None
    lit = dataclasses.replace(face, illumination=IlluminationChange(0.3, 1.5), blur=BlurEffect('motion', 9.0, 30.0))
    assert lit.illumination.direction_deg == 0.0 and lit.blur.kind == 'motion' and lit.blur.angle_deg == 30.0
