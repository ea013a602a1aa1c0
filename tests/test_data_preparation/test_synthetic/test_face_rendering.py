"""render_image: landmarks sit on drawn edges; blur and illumination are drawn as their flags say."""
from dataclasses import replace

import cv2

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import face_description as description

from synthetic_faces import clean_face, hull_mask, render


# ---------------------------------------------------------------- drawing
def test_landmarks_sit_on_drawn_structures():
    shape = replace(description.FaceShape(), mouth_open=0.25)
    face = clean_face(shape=shape)
    image = render([face])
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(int)
    sample = lambda point: grey[int(round(point[1])), int(round(point[0]))]  # noqa: E731
    skin = sample(0.5 * (face.landmarks[54] + face.landmarks[1]))
    assert sample(face.landmarks[96]) < 50 and sample(face.landmarks[97]) < 50   # pupils
    assert sample(0.5 * (face.landmarks[90] + face.landmarks[94]) + [0, 4]) < skin - 60  # open mouth
    # Every landmark lies on an edge: the image varies within 2 px of it.
    for point in face.landmarks:
        x, y = int(round(point[0])), int(round(point[1]))
        patch = grey[y - 2:y + 3, x - 2:x + 3]
        assert patch.max() - patch.min() > 25, point


def test_blur_flag_means_a_blurred_face():
    face = clean_face()
    box = face.face_box
    sharpness = {}
    for name, blur in [('none', None), ('gaussian', description.BlurEffect('gaussian', 2.5)),
                       ('motion', description.BlurEffect('motion', 9.0, 30.0))]:
        image = render([replace(face, blur=blur)])
        crop = cv2.cvtColor(image[box[1]:box[3], box[0]:box[2]], cv2.COLOR_BGR2GRAY)
        sharpness[name] = cv2.Laplacian(crop, cv2.CV_64F).var()
        assert attributes.attribute_flags(replace(face, blur=blur))[5] == (blur is not None)
    assert sharpness['gaussian'] < 0.5 * sharpness['none']
    assert sharpness['motion'] < 0.5 * sharpness['none']


def test_illumination_flag_means_dark_bright_or_steep_lighting():
    face = clean_face()
    inside = hull_mask(face, (300, 300))
    grey = lambda image: cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(float)  # noqa: E731
    normal = grey(render([face]))
    dark = grey(render([replace(face, illumination=description.IlluminationChange(0.3, 0.3))]))
    bright = grey(render([replace(face, illumination=description.IlluminationChange(2.0, 2.0))]))
    ramp = grey(render([replace(face, illumination=description.IlluminationChange(0.25, 1.5, 0.0))]))
    assert dark[inside].mean() < 0.5 * normal[inside].mean()
    assert bright[inside].mean() > 1.3 * normal[inside].mean()
    left, right = inside.copy(), inside.copy()   # outer thirds of the face
    left[:, 110:] = False
    right[:, :190] = False
    assert ramp[left].mean() < 0.6 * normal[left].mean()
    assert ramp[right].mean() > 1.2 * normal[right].mean()
    for change in (description.IlluminationChange(0.3, 0.3), description.IlluminationChange(2.0, 2.0),
                   description.IlluminationChange(0.25, 1.5)):
        assert attributes.attribute_flags(replace(face, illumination=change))[2] == 1
    assert attributes.attribute_flags(face)[2] == 0
