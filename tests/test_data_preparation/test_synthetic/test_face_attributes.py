"""attribute_flags: WFLW's make-up flag means saturated lips."""
import cv2
import numpy as np

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import face_sampling as sampling

from synthetic_faces import clean_face, render


def test_makeup_flag_means_saturated_lips():
    rng = np.random.default_rng(0)
    for _ in range(5):
        natural, made_up = sampling.sample_face_look(rng, makeup=False), sampling.sample_face_look(rng, makeup=True)
        saturation = {}
        for name, look in (('natural', natural), ('made_up', made_up)):
            face = clean_face(look=look)
            hsv = cv2.cvtColor(render([face]), cv2.COLOR_BGR2HSV)
            lips = np.zeros((300, 300), dtype=np.uint8)
            cv2.fillPoly(lips, [np.round(face.landmarks[76:88]).astype(np.int32)], 1)
            saturation[name] = hsv[..., 1][lips.astype(bool)].mean()
            assert attributes.attribute_flags(face)[3] == (look is made_up)
        assert saturation['made_up'] > saturation['natural'] + 40
