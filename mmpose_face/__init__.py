"""mmpose_face: WFLW face landmark regression (DeepPose) on mmengine.

Importing it changes nothing in mmengine or torch: the compatibility fixes
apply where mmpose_face's entry points run (:mod:`mmpose_face.compat`).
"""
__version__ = '0.1.0'
