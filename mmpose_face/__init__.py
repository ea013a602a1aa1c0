"""mmpose_face: WFLW face landmark regression on mmengine."""
__version__ = "0.1.0"
