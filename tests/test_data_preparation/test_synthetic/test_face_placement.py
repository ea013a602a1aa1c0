"""place_face: a yawed face's far side is compressed and its nose moves towards it."""
from synthetic_faces import clean_face


def test_yaw_compresses_the_far_side_and_moves_the_nose_towards_it():
    frontal = clean_face()
    turned = clean_face(yaw=35.0)
    width = lambda face, a, b: abs(face.landmarks[a, 0] - face.landmarks[b, 0])  # noqa: E731
    assert width(turned, 54, 32) < 0.8 * width(frontal, 54, 32)   # image-right half is the far side
    assert width(turned, 0, 54) > width(frontal, 0, 54)
    assert turned.landmarks[54, 0] > frontal.landmarks[54, 0]
