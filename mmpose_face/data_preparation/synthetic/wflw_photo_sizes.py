"""Photo and face sizes drawn as in WFLW (``sizes='wflw'`` of :func:`make_synthetic_wflw`).

What a benchmark of the data path needs from a synthetic set is WFLW's
pixel counts: how large the photographs are (decoding cost) and how large
the faces are in them (cache bytes, warp cost). Where the figures come from
(see docs/benchmarks.md, "A WFLW-like benchmark set"):

* Photographs: WFLW's 10,000 faces are annotated on WIDER FACE images, and
  WIDER FACE images are 1024 pixels wide with heights that vary with the
  aspect ratio (its dataset card's example is 1024 x 755; the two WFLW
  photos in ``tests/data`` are 1024 x 661 and 1024 x 1024). The mixture of
  aspect ratios below is an assumption (common camera ratios, landscape
  first); no published histogram of WIDER FACE's heights was found.
* Faces: the width of the 98-landmark box, log-normal with its median at
  the geometric mean of the four real faces in ``tests/data`` (85 px) and a
  log standard deviation of 0.5 (an assumption: the four real faces span
  only 73-100 px; WFLW's faces span far more, and no published statistics
  of its face sizes were found), truncated to 40-600 px (redrawn outside).
  Faces that do not fit their cell of a group photo are shrunk, as in the
  default mode, so the drawn set's widths run slightly below these draws.
"""
import math

import numpy as np

PHOTO_WIDTH = 1024                  # pixels, every WIDER FACE image
# (width / height, probability): 4:3, 3:2, 16:9, 1:1, 3:4, 2:3.
ASPECT_RATIOS = ((4 / 3, 0.35), (3 / 2, 0.30), (16 / 9, 0.10), (1.0, 0.10), (3 / 4, 0.10), (2 / 3, 0.05))
HEIGHT_JITTER = 0.03                # relative, uniform: cropped and resized photos
FACE_WIDTH_MEDIAN = 85.0            # pixels, landmark-box width
FACE_WIDTH_LOG_SD = 0.5
FACE_WIDTH_RANGE = (40.0, 600.0)    # pixels, truncation


def sample_photo_size(rng):
    """(width, height) pixels of one WIDER-FACE-like photograph."""
    ratios, probabilities = zip(*ASPECT_RATIOS)
    ratio = ratios[int(rng.choice(len(ratios), p=probabilities))]
    height = PHOTO_WIDTH / ratio * (1 + rng.uniform(-HEIGHT_JITTER, HEIGHT_JITTER))
    return PHOTO_WIDTH, int(round(height))


def sample_face_widths(rng, num_faces):
    """(num_faces,) landmark-box widths in pixels, truncated log-normal (redrawn outside the range)."""
    widths = []
    low, high = FACE_WIDTH_RANGE
    while len(widths) < num_faces:
        width = FACE_WIDTH_MEDIAN * math.exp(FACE_WIDTH_LOG_SD * rng.standard_normal())
        if low <= width <= high:
            widths.append(width)
    return np.array(widths)
