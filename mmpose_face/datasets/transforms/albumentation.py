"""Pixel-level augmentations of the albumentations library, named in a config."""
import importlib
import warnings

from mmcv.transforms import BaseTransform

from mmpose_face.errors import OptionalDependencyError
from mmpose_face.registry import TRANSFORMS
from . import batch_stage as stages
from .albumentations_arguments import arguments_for_installed_version

INSTALL_HINT = ("albumentations is not installed; it is an optional extra of mmpose_face: "
                "pip install 'mmpose_face[albumentations]' (or pip install -r requirements/albu.txt)")


def import_albumentations():
    """The albumentations module, or :class:`OptionalDependencyError` naming the extra."""
    try:
        import albumentations
    except ImportError:
        raise OptionalDependencyError(INSTALL_HINT) from None
    return albumentations


@TRANSFORMS.register_module()
class Albumentation(BaseTransform):
    """Apply ``albumentations.Compose(transforms)`` to the image (mmpose's transform).

    Args:
        transforms: albumentations configs, e.g.
            ``[dict(type='Blur', p=0.1), dict(type='CoarseDropout', max_holes=8, p=0.5)]``;
            ``type`` names a class of the albumentations package (or is a
            class); nested ``transforms`` (``OneOf``) are built too. Only
            pixel-level transforms keep the keypoints right (others warn).
            Arguments are albumentations 1.4's, as mmpose's configs write them;
            under albumentations 2.x the renamed ones are rewritten
            (:mod:`.albumentations_arguments`).
        keymap: results key -> albumentations key; default ``{'img': 'image'}``.

    Raises :class:`OptionalDependencyError` (an ImportError and the
    RuntimeError mmpose raises) naming the extra when albumentations is missing.

    On the fast path it runs per warped crop, after ``TopdownAffine``
    (:mod:`.batch_stage`), drawing from albumentations' own generators as here.
    """

    batch_stage = stages.PER_CROP

    def __init__(self, transforms: list, keymap: dict = None):
        super().__init__()
        self.albumentations = import_albumentations()
        self.transforms = transforms
        self.aug = self.albumentations.Compose([self.build_albumentation(t) for t in transforms])
        self.keymap_to_albu = keymap if keymap else {'img': 'image'}

    def is_pixel_level(self, name: str) -> bool:
        """Whether albumentations lists ``name`` among its pixel-level transforms
        (module ``augmentations.transforms`` in 1.x, ``augmentations.pixel.transforms`` in 2.x)."""
        for module in ('augmentations.transforms', 'augmentations.pixel.transforms'):
            try:
                if hasattr(importlib.import_module(f'albumentations.{module}'), name):
                    return True
            except ImportError:
                continue
        return name in ('Compose', 'OneOf', 'SomeOf', 'Sequential', 'OneOrOther')

    def build_albumentation(self, cfg: dict):
        """One albumentations transform from its config dict."""
        assert isinstance(cfg, dict) and 'type' in cfg, f'Albumentation: {cfg} must be a dict with a "type"'
        args = dict(cfg)
        obj_type = args.pop('type')
        if isinstance(obj_type, str):
            if not self.is_pixel_level(obj_type):
                warnings.warn(f'Albumentation: {obj_type} is not a pixel-level transform; use with caution')
            if not hasattr(self.albumentations, obj_type):
                raise KeyError(f'Albumentation: albumentations has no transform {obj_type!r}')
            obj_cls = getattr(self.albumentations, obj_type)
            args = arguments_for_installed_version(obj_type, args, self.albumentations)
        elif isinstance(obj_type, type):
            obj_cls = obj_type
        else:
            raise TypeError(f'Albumentation: type must be a str or a class, got {type(obj_type).__name__}')
        if 'transforms' in args:
            args['transforms'] = [self.build_albumentation(t) for t in args['transforms']]
        return obj_cls(**args)

    def transform(self, results: dict) -> dict:
        albu_inputs = {}
        for key, albu_key in self.keymap_to_albu.items():
            assert key in results, f'Albumentation: `{key}` is required to perform albumentations transforms'
            albu_inputs[albu_key] = results[key]
        albu_outputs = self.aug(**albu_inputs)
        for key, albu_key in self.keymap_to_albu.items():
            results[key] = albu_outputs[albu_key]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms})'
