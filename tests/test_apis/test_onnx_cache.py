"""The default backend: ONNX Runtime on the checkpoint's export, made once, cached by SHA-256,
remade when the checkpoint changes, within 0.01 px of ``inference_topdown`` on the sample photos."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown, init_model
from mmpose_face.apis import onnx_cache
from mmpose_face.apis.face_landmarks_demo import FaceLandmarker
from mmpose_face.apis.inferencer import FaceLandmarkInferencer
from mmpose_face.apis.onnx_cache import cached_onnx_export, onnx_export_name
from mmpose_face.apis.predictor import build_predictor
from mmpose_face.fileio import sha256_file

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
PHOTOS = {'tests/data/36_Football_americanfootball_ball_36_415.jpg':
          np.array([[434, 106, 524, 196], [229, 22, 303, 96]], np.float32),
          'tests/data/7_Cheering_Cheering_7_16.jpg':
          np.array([[100, 100, 220, 220], [500, 300, 640, 440], [10, 880, 120, 990]], np.float32)}


pytestmark = pytest.mark.usefixtures('one_torch_thread')  # tests/test_apis/conftest.py


def save_checkpoint(path, seed=0, flip_test=True):
    torch.manual_seed(seed)
    model = init_model(CONFIG)
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def count_exports(monkeypatch):
    calls = []
    original = onnx_cache.export_onnx

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)
    monkeypatch.setattr(onnx_cache, 'export_onnx', counting)
    return calls


def test_onnxruntime_is_the_default_and_matches_inference_topdown(tmp_path, monkeypatch):
    checkpoint = save_checkpoint(tmp_path / 'tiny.pth')
    exports = count_exports(monkeypatch)
    inferencer = FaceLandmarkInferencer(CONFIG, checkpoint, det_model='hog', num_threads=1)
    assert inferencer.predictor.backend == 'onnxruntime' and len(exports) == 1
    published = FaceLandmarkInferencer(CONFIG, checkpoint, det_model='hog', backend='torch')
    assert published.predictor.backend == 'published'
    for flip_test in (True, False):
        inferencer.model.test_cfg['flip_test'] = flip_test  # the reference follows the export's setting
        predictor = build_predictor(inferencer.model, checkpoint, flip_test=flip_test, num_threads=1)
        for photo, boxes in list(PHOTOS.items())[:2 if flip_test else 1]:
            [result] = list(inferencer(photo, bboxes=boxes)) if flip_test else [None]
            expected = np.stack([s.pred_instances.keypoints[0]
                                 for s in inference_topdown(inferencer.model, photo, boxes)])
            got = predictor.predict(photo, boxes).keypoints
            np.testing.assert_allclose(got, expected, atol=0.01)
            assert np.ptp(expected) > 10
            if result is not None:
                np.testing.assert_allclose([f['keypoints'] for f in result['predictions'][0]], expected, atol=0.01)
    names = sorted(name for name in os.listdir(tmp_path) if name.endswith('.onnx'))
    digest = sha256_file(checkpoint)[:16]
    assert names == [f'tiny.pth.{digest}.flip.onnx', f'tiny.pth.{digest}.noflip.onnx']
    # the demo's landmarker reuses the export: nothing made again
    FaceLandmarker(CONFIG, checkpoint, flip_test=True)
    assert len(exports) == 2


def test_a_changed_checkpoint_is_exported_again(tmp_path, monkeypatch):
    checkpoint = save_checkpoint(tmp_path / 'tiny.pth', seed=0)
    exports = count_exports(monkeypatch)
    first = FaceLandmarker(CONFIG, checkpoint, num_threads=1)
    image = cv2.imread(next(iter(PHOTOS)))
    boxes = next(iter(PHOTOS.values()))
    before = first.predict(image, boxes)[0]
    save_checkpoint(checkpoint, seed=1)  # same name, other weights
    second = FaceLandmarker(CONFIG, checkpoint, num_threads=1)
    assert len(exports) == 2
    after = second.predict(image, boxes)[0]
    reference = np.stack([s.pred_instances.keypoints[0] for s in inference_topdown(second.model, image, boxes)])
    np.testing.assert_allclose(after, reference, atol=0.01)
    assert np.abs(after - before).max() > 0.1, 'the new weights are used, not the old export'
    assert not [name for name in os.listdir(tmp_path) if name.endswith('.partial')]


def test_a_read_only_checkpoint_folder_exports_into_the_cache_dir(tmp_path, monkeypatch):
    model = init_model(CONFIG)
    folder = tmp_path / 'readonly'
    folder.mkdir()
    checkpoint = save_checkpoint(folder / 'tiny.pth')
    writable = onnx_cache._writable_folder
    monkeypatch.setattr(onnx_cache, '_writable_folder',
                        lambda path: not str(path).startswith(str(folder)) and writable(path))
    path = cached_onnx_export(model, checkpoint, False, cache_dir=str(tmp_path / 'cache'))
    assert path == osp.join(str(tmp_path / 'cache'), onnx_export_name(checkpoint, False))
    assert osp.isfile(path) and not [n for n in os.listdir(folder) if n.endswith('.onnx')]
    exports = count_exports(monkeypatch)
    assert cached_onnx_export(model, checkpoint, False, cache_dir=str(tmp_path / 'cache')) == path
    assert exports == []


def test_unknown_backend_is_refused(tmp_path):
    with pytest.raises(ValueError, match="backend must be one of \\('onnxruntime', 'torch'\\)"):
        build_predictor(init_model(CONFIG), None, 'tensorrt')


def test_an_export_that_fails_its_check_against_pytorch_is_not_cached(tmp_path, monkeypatch):
    from mmpose_face.apis import onnx_export
    checkpoint = save_checkpoint(tmp_path / 'tiny.pth')
    model = init_model(CONFIG, checkpoint)
    monkeypatch.setattr(onnx_export, 'MAX_ALLOWED_DIFFERENCE', 0.0)  # no export can pass: the check runs
    with pytest.raises(onnx_export.OnnxCheckError, match='onnxruntime differs from PyTorch'):
        cached_onnx_export(model, checkpoint, True)
    assert sorted(os.listdir(tmp_path)) == ['tiny.pth'], 'neither the export nor a partial file is left'
    monkeypatch.undo()
    assert osp.isfile(cached_onnx_export(model, checkpoint, True))  # made, and checked, on the next use
