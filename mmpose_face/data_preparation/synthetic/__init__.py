"""Synthetic faces with exact landmarks, written in each benchmark's release format.

The route, one module per step:

1. :mod:`.face_description` - what a face is (shape, pose, look, effects).
2. :mod:`.face_shape_model` - a mean 98-point template in a 3D face frame
   (x to the image right, y down, z towards the camera; one unit is half the
   jaw width, origin at the nose tip), deformed by a left/right symmetric
   identity and an expression, rotated by yaw, pitch and roll and projected
   with a mild perspective.
3. :mod:`.face_placement` - the projected face in an image: landmarks,
   drawn outlines, the region it may draw in and its box.
4. :mod:`.face_sampling` (with :mod:`.occluders`) - random identities,
   poses, colours and effects, placed in disjoint cells of an image.
5. :mod:`.face_rendering` (with :mod:`.drawing_primitives`) - everything
   drawn (skin, brows, eyes, nose, lips) is drawn *through* the landmarks,
   so each landmark sits on a visible edge or centre. The subject's right
   side (the image left of a frontal face, WFLW points 0-15, 33-41, 60-67,
   96) always carries a mole on the cheek and the longer, side-swept hair,
   so a horizontal flip without the index swap is visible.
6. :mod:`.face_attributes` - WFLW's six flags, computed from what was drawn.
7. Writers: :mod:`.synthetic_wflw_release` (WFLW's list files) and
   :mod:`.synthetic_benchmark_release` (300W, COFW, AFLW, LaPa and
   COCO-WholeBody-Face, the 98 points mapped by
   :mod:`mmpose_face.data_preparation.landmark_layouts`).

:mod:`.wflw_photo_sizes` draws WFLW's photo and face sizes for the WFLW
writer's ``sizes='wflw'`` (benchmarks of the data path on real pixel counts).
"""
