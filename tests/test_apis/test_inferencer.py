"""The one-line inferencer: model names, the cached download from a server on
127.0.0.1, predictions and files on the real sample photos, the synthetic warning.

The model is the tiny test config with random weights: these tests check the
plumbing (names resolved, file fetched once and hash-checked, faces found,
coordinates in image pixels, files written), not the accuracy.
"""
import functools
import hashlib
import http.server
import json
import os.path as osp
import re
import shutil
import threading
import warnings

import cv2
import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown, init_model
from mmpose_face.apis import inferencer as inferencer_module
from mmpose_face.apis.face_detector import HOGFaceDetector
from mmpose_face.apis.inferencer import FaceLandmarkInferencer, SyntheticModelWarning, resolve_model
from mmpose_face.apis.model_aliases import MODELS, RELEASED_WFLW_MODELS, find_model
from mmpose_face.apis.model_download import cached_checkpoint_path, fetch_checkpoint
from mmpose_face.engine.checkpoint_loading import expected_hash_prefix
from mmpose_face.errors import CheckpointHashError, ModelDownloadError

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
CROWD = 'tests/data/7_Cheering_Cheering_7_16.jpg'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


pytestmark = pytest.mark.usefixtures('one_torch_thread')  # tests/test_apis/conftest.py


def save_released_form(folder, meta=None, hash_digits=None) -> str:
    """The tiny model saved as ``tiny_wflw-<sha256 prefix>_20260101.pth``, as released files are named."""
    torch.manual_seed(0)
    checkpoint = {'state_dict': init_model(CONFIG).state_dict(), 'meta': meta or {}}
    plain = folder / 'plain.pth'
    torch.save(checkpoint, plain)
    digest = hash_digits or hashlib.sha256(plain.read_bytes()).hexdigest()[:8]
    path = folder / f'tiny_wflw-{digest}_20260101.pth'
    plain.rename(path)
    return str(path)


class CountingServer:
    """``http.server`` on 127.0.0.1 serving one folder; counts GET requests."""

    def __init__(self, folder):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=folder))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name):
        return f'http://127.0.0.1:{self.httpd.server_address[1]}/{name}'

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """(server, URL of the released-form tiny checkpoint) for the whole module."""
    folder = tmp_path_factory.mktemp('server')
    path = save_released_form(folder)
    with CountingServer(str(folder)) as server:
        yield server, server.url(osp.basename(path))


def test_every_released_name_has_a_config_and_a_hash_named_url():
    assert len(RELEASED_WFLW_MODELS) == 3
    for entry in MODELS:
        assert osp.isfile(entry.config_path()), entry.config
    for entry in RELEASED_WFLW_MODELS:
        assert entry.weights.startswith('https://download.openmmlab.com/mmpose/face/deeppose/')
        assert expected_hash_prefix(entry.weights) is not None
    # the short alias is the best released model; mmpose 1.x's model-zoo names resolve
    assert find_model('wflw').nme == 4.44 and find_model('WFLW') is find_model('deeppose-softwing-wflw')
    assert find_model('td-reg_res50_8x64e-210e_wflw-256x256').nme == 4.88
    assert find_model('td-reg_res50_wingloss_8xb64-210e_wflw-256x256').nme == 4.67
    with pytest.raises(ValueError, match='neither a model name'):
        resolve_model('no-such-model')


def test_download_once_into_the_cache(served, tmp_path):
    server, url = served
    before = len(server.requests)
    path = fetch_checkpoint(url, cache_dir=str(tmp_path), progress=False)
    assert path == cached_checkpoint_path(url, str(tmp_path)) and osp.isfile(path)
    assert fetch_checkpoint(url, cache_dir=str(tmp_path), progress=False) == path
    assert len(server.requests) - before == 1  # the second call used the cache
    assert [p.name for p in tmp_path.iterdir()] == [osp.basename(path)]  # no partial file left


def test_a_download_with_the_wrong_hash_is_refused_and_not_kept(tmp_path):
    folder = tmp_path / 'server'
    folder.mkdir()
    path = save_released_form(folder, hash_digits='00000000')
    with CountingServer(str(folder)) as server:
        with pytest.raises(CheckpointHashError, match='00000000'):
            fetch_checkpoint(server.url(osp.basename(path)), cache_dir=str(tmp_path / 'cache'), progress=False)
    assert list((tmp_path / 'cache').iterdir()) == []


def test_offline_says_which_file_to_fetch_and_where_to_put_it(tmp_path):
    with CountingServer(str(tmp_path)) as server:
        url = server.url('tiny_wflw-12345678_20260101.pth')
    # the server is shut down: nothing listens on that port any more
    cache = tmp_path / 'cache'
    with pytest.raises(ModelDownloadError) as error:
        fetch_checkpoint(url, cache_dir=str(cache), progress=False)
    message = str(error.value)
    assert url in message and str(cache / 'tiny_wflw-12345678_20260101.pth') in message


def test_inferencer_on_the_crowd_photo_with_a_downloaded_checkpoint(served, tmp_path):
    _, url = served
    detector = HOGFaceDetector()
    inferencer = FaceLandmarkInferencer(CONFIG, url, device='cpu', det_model=detector, cache_dir=str(tmp_path / 'c'))
    boxes, _ = detector(np.ascontiguousarray(__import__('cv2').imread(CROWD)))
    results = list(inferencer([CROWD, FOOTBALL], out_dir=str(tmp_path / 'out'), return_vis=True))
    assert len(results) == 2  # batch_size=1: one result per input
    faces = results[0]['predictions'][0]
    assert len(faces) == len(boxes) >= 15
    # image pixels, the same as the Python API on the detector's boxes
    expected = inference_topdown(inferencer.model, CROWD, boxes)
    for face, box, sample in zip(faces, boxes, expected):
        points = np.array(face['keypoints'])
        assert points.shape == (98, 2) and len(face['keypoint_scores']) == 98
        np.testing.assert_allclose(face['bbox'], box, atol=1e-3)
        np.testing.assert_allclose(points, sample.pred_instances.keypoints[0], atol=0.01)  # onnxruntime default
    assert results[0]['visualization'][0].shape == (1024, 1024, 3)
    with open(tmp_path / 'out' / 'predictions' / '7_Cheering_Cheering_7_16.json') as f:
        assert json.load(f) == faces
    assert osp.isfile(tmp_path / 'out' / 'visualizations' / '7_Cheering_Cheering_7_16.jpg')
    assert osp.isfile(tmp_path / 'out' / 'predictions' / '36_Football_americanfootball_ball_36_415.json')


def test_given_boxes_arrays_and_batches(served, tmp_path):
    _, url = served
    inferencer = FaceLandmarkInferencer(CONFIG, url, device='cpu', det_model='hog', cache_dir=str(tmp_path))
    image = __import__('cv2').imread(FOOTBALL)
    box = [430., 110., 540., 215.]
    [result] = list(inferencer([image, image], bboxes=[box], batch_size=2, return_datasamples=True))
    assert len(result['predictions']) == 2 and result['visualization'] == []
    samples = result['predictions'][0]
    assert len(samples) == 1
    np.testing.assert_allclose(samples[0].pred_instances.keypoints, result['predictions'][1][0].pred_instances.keypoints)


def test_a_synthetic_data_model_warns_and_says_how_to_get_a_real_one(tmp_path):
    synthetic = save_released_form(tmp_path, meta=dict(trained_on=dict(dataset='wflw', synthetic=True)))
    inferencer = FaceLandmarkInferencer(CONFIG, synthetic, device='cpu', det_model='hog')
    assert inferencer.is_synthetic
    with pytest.warns(SyntheticModelWarning, match='--model wflw') as warned:
        next(inferencer(FOOTBALL))
    assert 'was trained on synthetic WFLW (faces drawn by make_synthetic_wflw.py' in str(warned[0].message)
    real_folder = tmp_path / 'real'
    real_folder.mkdir()
    real = save_released_form(real_folder, meta=dict(trained_on=dict(dataset='wflw', synthetic=False)))
    with warnings.catch_warnings():
        warnings.simplefilter('error', SyntheticModelWarning)
        next(FaceLandmarkInferencer(CONFIG, real, device='cpu', det_model='hog')(FOOTBALL))


def test_the_demo_name_without_make_demo_says_to_run_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no work_dirs/demo here
    entry = find_model('demo')
    if osp.isfile(osp.join(osp.dirname(entry.config_path()), '../../../../', entry.weights)):
        pytest.skip('make demo has been run in this checkout')
    with pytest.raises(FileNotFoundError, match='make demo'):
        resolve_model('demo')


def readme_python_snippet(section: str, index: int = 0) -> str:
    """The ``index``-th ```python block of a README section."""
    text = open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8').read()
    body = text[text.index(f'## {section}\n'):]
    body = body[:body.index('\n## ', 1)]
    return re.findall(r'```python\n(.*?)```', body, re.S)[index]


def test_the_readme_snippet_writes_its_outputs_as_written(tmp_path, monkeypatch):
    """README "Landmarks on your own photo", run verbatim with the offline demo model for the named one."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(osp.join(REPO_ROOT, FOOTBALL), 'photo.jpg')
    demo = find_model('demo')
    torch.manual_seed(0)
    weights = tmp_path / demo.weights  # where `make demo` puts it, relative to the working folder
    weights.parent.mkdir(parents=True)
    torch.save({'state_dict': init_model(demo.config_path()).state_dict(),
                'meta': {'trained_on': dict(dataset='wflw', synthetic=True)}}, weights)
    monkeypatch.setattr(inferencer_module, 'find_model', lambda name: demo)  # no download
    snippet = readme_python_snippet('Landmarks on your own photo')
    assert "('photo.jpg', out_dir='out')" in snippet
    with pytest.warns(SyntheticModelWarning):
        exec(compile(snippet, 'README.md', 'exec'), {})
    with open('out/predictions/photo.json') as f:
        faces = json.load(f)
    assert len(faces) == 2 and np.asarray(faces[0]['keypoints']).shape == (98, 2)  # the two players
    assert cv2.imread('out/visualizations/photo.jpg').shape == (661, 1024, 3)


def test_with_out_dir_the_call_is_done_when_it_returns_and_still_iterates(served, tmp_path):
    _, url = served
    inferencer = FaceLandmarkInferencer(CONFIG, url, device='cpu', det_model='hog', cache_dir=str(tmp_path / 'c'))
    results = inferencer(FOOTBALL, out_dir=str(tmp_path / 'out'))
    assert osp.isfile(tmp_path / 'out' / 'predictions' / '36_Football_americanfootball_ball_36_415.json')
    assert len(next(results)['predictions'][0]) == 2
    lazy = inferencer(FOOTBALL)  # nothing written: computed as taken, as mmpose's generator
    assert len(list(lazy)) == 1


def test_the_inferencer_draws_as_the_demo_does(served, tmp_path):
    from mmpose_face.visualization import draw_faces, face_visualizer
    _, url = served
    inferencer = FaceLandmarkInferencer(CONFIG, url, device='cpu', det_model='hog', cache_dir=str(tmp_path))
    image = cv2.imread(FOOTBALL)
    box = np.array([[430., 110., 540., 215.]], np.float32)
    [result] = list(inferencer(image, bboxes=box, return_vis=True))
    keypoints = np.array([result['predictions'][0][0]['keypoints']])
    scores = np.array([result['predictions'][0][0]['keypoint_scores']])
    joined = draw_faces(face_visualizer(inferencer.model.dataset_meta), image, box, keypoints, scores)
    dots = face_visualizer(inferencer.model.dataset_meta)
    dots.draw_contours = False
    dotted = draw_faces(dots, image, box, keypoints, scores)
    assert np.abs(joined.astype(int) - dotted).sum() > 1000, 'the contour lines add pixels'
    np.testing.assert_array_equal(result['visualization'][0], joined)


def test_on_a_video_faces_are_tracked_smoothed_and_posed(served, tmp_path):
    _, url = served
    cv2 = __import__('cv2')
    image = cv2.imread(FOOTBALL)
    video = tmp_path / 'pan.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 6, (320, 240))
    for i in range(4):
        writer.write(np.ascontiguousarray(image[0:240, 200 + 3 * i:520 + 3 * i]))
    writer.release()
    inferencer = FaceLandmarkInferencer(CONFIG, url, device='cpu', det_model='hog', cache_dir=str(tmp_path / 'c'))
    frames = [faces for result in inferencer(str(video), min_cutoff=0.5, beta=0.05, detect_every=2)
              for faces in result['predictions']]
    assert len(frames) == 4 and all(sorted(f['track_id'] for f in faces) == [0, 1] for faces in frames)
    assert all(set(f['head_pose']) == {'yaw', 'pitch', 'roll'} for faces in frames for f in faces)
    raw = [faces for result in inferencer(str(video), smooth=False, detect_every=2) for faces in result['predictions']]
    assert raw[0] == frames[0]  # a new track starts unsmoothed
    assert not np.allclose([f['keypoints'] for f in raw[-1]], [f['keypoints'] for f in frames[-1]])
    [photo] = next(iter(inferencer(FOOTBALL, return_datasamples=True)))['predictions']  # still images: no tracks
    assert 'track_id' not in photo[0].metainfo and set(photo[0].metainfo['head_pose']) == {'yaw', 'pitch', 'roll'}
    out = tmp_path / 'out'
    list(inferencer(str(video), out_dir=str(out), draw_pose=True))
    capture = cv2.VideoCapture(str(out / 'visualizations' / 'pan.mp4'))
    assert capture.get(cv2.CAP_PROP_FPS) == 6 and capture.get(cv2.CAP_PROP_FRAME_WIDTH) == 320
    capture.release()
    with pytest.raises(ValueError, match='detect_every'):
        inferencer(str(video), detect_every=0)


def test_the_readme_video_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    """README "Landmarks on your own photo", its video snippet, verbatim, on a generated 3-frame clip."""
    tiny = save_released_form(tmp_path)
    monkeypatch.chdir(tmp_path)
    cv2 = __import__('cv2')
    image = cv2.imread(osp.join(REPO_ROOT, FOOTBALL))
    writer = cv2.VideoWriter('my_clip.mp4', cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
    for i in range(3):
        writer.write(np.ascontiguousarray(image[0:240, 200 + 3 * i:520 + 3 * i]))
    writer.release()
    monkeypatch.setattr(inferencer_module, 'resolve_model', lambda *args, **kwargs: (osp.join(REPO_ROOT, CONFIG), tiny, {}))
    snippet = readme_python_snippet('Landmarks on your own photo', 1)
    assert "('my_clip.mp4'" in snippet and 'draw_pose=True' in snippet
    exec(compile(snippet, 'README.md', 'exec'), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(line.split()[0].isdigit() and "'yaw'" in line for line in printed)
    assert osp.isfile('out/visualizations/my_clip.mp4') and osp.isfile('out/predictions/my_clip.json')
