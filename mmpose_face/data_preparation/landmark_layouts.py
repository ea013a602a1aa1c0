"""Correspondences from WFLW's 98 points to the other benchmarks' layouts.

Each layout is a tuple with one entry per target point, in the target's own
order: a WFLW index, or ``((index, weight), ...)`` for a point that lies
between WFLW points (weights sum to 1). Image-left means the left of the
image for a frontal face (the subject's right side), as in WFLW, where it
comes first in every left/right pair.

- ``'300w'`` and ``'coco_wholebody_face'`` (68, the iBUG 68-point mark-up):
  the standard mapping, jaw = every other WFLW contour point 0, 2, ..., 32;
  brows = the upper brow edges 33-37, 42-46; nose 51-59; eyes 60, 61, 63,
  64, 65, 67 and 68, 69, 71, 72, 73, 75; lips 76-95.
- ``'cofw'`` (29, COFW/LFPW): brow outer ends (0, 1), inner ends (2, 3),
  brow top (4, 6) and bottom (5, 7) middles, eye outer (8, 9) and inner
  (10, 11) corners, eye top (12, 14) and bottom (13, 15) lid middles,
  pupils (16, 17), nostrils (18, 19), nose tip (20), nose base (21), mouth
  corners (22, 23), upper lip top (24) and bottom (25), lower lip top (26)
  and bottom (27), chin (28).
- ``'aflw'`` (19, AFLW's 21 points without the ears): each brow's outer
  end, centre, inner end (0-5, image left to right), each eye's outer
  corner, centre, inner corner (6-11, image left to right), nose left,
  tip, right (12-14), mouth left corner, centre, right corner (15-17),
  chin (18).
- ``'lapa'`` (106, LaPa): contour 0-32 = WFLW 0-32, brows 33-50 = WFLW
  33-50, nose bridge 51-54 = WFLW 51-54, nose base 55-65 = 11 points evenly
  along WFLW's 55-59, eyes 66-73 = WFLW 60-67 and 75-82 = WFLW 68-75 with
  the eye centres 74, 83 (mean of each eye's outline), lips 84-103 = WFLW
  76-95, pupils 104, 105 = WFLW 96, 97.

Which of two mirror points comes first follows the layout's own flip pairs
(its data set description); :func:`mapping_matrix` is tested against them.
"""
import numpy as np

NUM_WFLW_KEYPOINTS = 98


def _between(first, second, fraction):
    """The point ``fraction`` of the way from WFLW ``first`` to WFLW ``second``."""
    if fraction == 0:
        return first
    if fraction == 1:
        return second
    return ((first, 1.0 - fraction), (second, fraction))


def _mean(*indices):
    return tuple((index, 1.0 / len(indices)) for index in indices)


_IBUG_68 = (tuple(range(0, 33, 2)) + (33, 34, 35, 36, 37, 42, 43, 44, 45, 46)
            + tuple(range(51, 60)) + (60, 61, 63, 64, 65, 67, 68, 69, 71, 72, 73, 75)
            + tuple(range(76, 96)))

_COFW_29 = (33, 46, 37, 42, 35, 40, 44, 48,
            60, 72, 64, 68, 62, 66, 70, 74,
            96, 97, 55, 59, 54, 57,
            76, 82, 79, 90, 94, 85, 16)

_AFLW_19 = (33, _mean(35, 40), 37, 42, _mean(44, 48), 46,
            60, 96, 64, 68, 97, 72,
            55, 54, 59,
            76, _mean(90, 94), 82,
            16)

_LAPA_NOSE_BASE = tuple(_between(55 + int(position), 55 + min(int(position) + 1, 4), position - int(position))
                        for position in np.arange(11) * 0.4)
_LAPA_106 = (tuple(range(0, 33)) + tuple(range(33, 51)) + tuple(range(51, 55)) + _LAPA_NOSE_BASE
             + tuple(range(60, 68)) + (_mean(*range(60, 68)),)
             + tuple(range(68, 76)) + (_mean(*range(68, 76)),)
             + tuple(range(76, 96)) + (96, 97))

LAYOUTS = {
    'wflw': tuple(range(NUM_WFLW_KEYPOINTS)),
    '300w': _IBUG_68,
    'coco_wholebody_face': _IBUG_68,
    'cofw': _COFW_29,
    'aflw': _AFLW_19,
    'lapa': _LAPA_106,
}


def _check_layout(layout):
    if layout not in LAYOUTS:
        raise ValueError(f'unknown landmark layout {layout!r}; known: {", ".join(sorted(LAYOUTS))}')


def num_keypoints(layout):
    """Number of points of ``layout``."""
    _check_layout(layout)
    return len(LAYOUTS[layout])


def mapping_matrix(layout):
    """(K, 98) float64 weights: ``matrix @ wflw_points`` gives the layout's K points."""
    _check_layout(layout)
    entries = LAYOUTS[layout]
    matrix = np.zeros((len(entries), NUM_WFLW_KEYPOINTS))
    for row, entry in enumerate(entries):
        for index, weight in (((entry, 1.0),) if isinstance(entry, (int, np.integer)) else entry):
            matrix[row, index] += weight
    return matrix


def map_landmarks(wflw_landmarks, layout):
    """(..., 98, 2) WFLW points (pixels) -> (..., K, 2) points of ``layout``."""
    return np.einsum('kw,...wc->...kc', mapping_matrix(layout), np.asarray(wflw_landmarks, dtype=np.float64))


def map_visibility(wflw_visible, layout):
    """(..., 98) bools -> (..., K): a mapped point is visible when all points it is made of are."""
    used = mapping_matrix(layout) > 0
    hidden = ~np.asarray(wflw_visible, dtype=bool)
    return ~np.einsum('kw,...w->...k', used.astype(np.int64), hidden.astype(np.int64)).astype(bool)
