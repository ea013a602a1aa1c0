"""The registries hold our parts under mmpose's names."""
from mmpose_face.registry import TRANSFORMS


def test_transforms_are_registered_under_their_mmpose_names():
    for name in ('LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomBBoxTransform', 'TopdownAffine',
                 'GenerateTarget', 'PackPoseInputs'):
        assert TRANSFORMS.get(name) is not None, name


def test_mmcv_transforms_are_found_by_name_in_our_scope():
    for name in ('RandomChoice', 'TransformBroadcaster', 'Compose', 'RandomResize', 'Resize', 'RandomApply'):
        assert TRANSFORMS.get(name) is not None, name
