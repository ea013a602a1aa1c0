"""Albumentation: albumentations' transforms built from config dicts; without the extra, an error
naming it."""
import builtins

import cv2
import numpy as np
import pytest

from mmpose_face.datasets.transforms import Albumentation
from mmpose_face.errors import OptionalDependencyError
from mmpose_face.registry import TRANSFORMS

from test_datasets.wflw_samples import face


def test_albumentation_applies_albumentations_transforms(face):
    pytest.importorskip('albumentations')
    small = cv2.resize(face['img'], (64, 48))
    transform = TRANSFORMS.build(dict(type='Albumentation', transforms=[
        dict(type='OneOf', transforms=[dict(type='Blur', blur_limit=(5, 5), p=1.0)], p=1.0)]))
    out = transform(dict(img=small.copy()))['img']
    assert out.shape == small.shape and not np.array_equal(out, small)
    np.testing.assert_array_equal(out, cv2.blur(small, (5, 5)))
    assert repr(transform).startswith("Albumentation(transforms=[{'type': 'OneOf'")


def test_albumentation_without_the_extra_names_it(monkeypatch):
    real_import = builtins.__import__

    def no_albumentations(name, *args, **kwargs):
        if name.startswith('albumentations'):
            raise ImportError('No module named albumentations')
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, '__import__', no_albumentations)
    with pytest.raises(RuntimeError, match=r"mmpose_face\[albumentations\]") as error:  # mmpose: RuntimeError
        Albumentation(transforms=[dict(type='Blur')])
    assert isinstance(error.value, (ImportError, OptionalDependencyError))
