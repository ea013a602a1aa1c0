"""The one-line inferencer: model names, the cached download from a server on
127.0.0.1, predictions and files on the real sample photos, the synthetic warning.

The model is the tiny test config with random weights: these tests check the
plumbing (names resolved, file fetched once and hash-checked, faces found,
coordinates in image pixels, files written), not the accuracy.
"""
import functools
import os
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
    [result] = list(inferencer([image, image], bboxes=[[box], [box]], batch_size=2, return_datasamples=True))
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


@pytest.fixture(scope='module')
def local_inferencer(tmp_path_factory):
    """The default backend (ONNX Runtime) on the tiny model; a fixed 'detector' (two boxes)."""
    folder = tmp_path_factory.mktemp('local')
    checkpoint = save_released_form(folder)
    detector = lambda image: (np.array([[434, 106, 524, 196], [229, 22, 303, 96]], np.float32),  # noqa: E731
                              np.array([0.9, 0.8], np.float32))
    return FaceLandmarkInferencer(CONFIG, checkpoint, det_model=detector, num_threads=1)


def count_backend_calls(inferencer, monkeypatch) -> list:
    calls = []
    run = inferencer.predictor.normalised
    monkeypatch.setattr(inferencer.predictor, 'normalised', lambda crops: calls.append(len(crops)) or run(crops))
    return calls


def test_own_boxes_per_image_in_either_format_and_batches_across_images(local_inferencer, monkeypatch):
    crowd_boxes = np.array([[100, 100, 220, 220], [500, 300, 640, 440], [10, 880, 120, 990]], np.float32)
    football_boxes = np.array([[434, 106, 524, 196]], np.float32)
    calls = count_backend_calls(local_inferencer, monkeypatch)
    xywh = [np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1) for b in (crowd_boxes, football_boxes)]
    [result] = list(local_inferencer([CROWD, FOOTBALL], bboxes=xywh, bbox_format='xywh', batch_size=2))
    assert calls == [4], 'the faces of both images in one backend call'
    for faces, boxes, photo in zip(result['predictions'], (crowd_boxes, football_boxes), (CROWD, FOOTBALL)):
        expected = inference_topdown(local_inferencer.model, photo, boxes)
        assert len(faces) == len(boxes)
        for face, box, sample in zip(faces, boxes, expected):
            np.testing.assert_allclose(face['bbox'], box)  # xyxy in the results
            np.testing.assert_allclose(face['keypoints'], sample.pred_instances.keypoints[0], atol=0.01)
    calls.clear()
    results = list(local_inferencer([CROWD, FOOTBALL, CROWD], bboxes=[crowd_boxes, [], crowd_boxes[:1]],
                                    batch_size=2))
    assert calls == [3, 1] and [len(r['predictions']) for r in results] == [2, 1]
    assert results[0]['predictions'][1] == []  # [] for an image: no faces
    # one array for one image; a box across the border is padded, as in inference_topdown
    edge = np.array([[-30, 600, 60, 690]], np.float32)
    [result] = list(local_inferencer(FOOTBALL, bboxes=edge))
    expected = inference_topdown(local_inferencer.model, FOOTBALL, edge)[0].pred_instances.keypoints[0]
    np.testing.assert_allclose(result['predictions'][0][0]['keypoints'], expected, atol=0.01)


def test_bad_boxes_name_the_image_and_the_box(local_inferencer):
    with pytest.raises(ValueError, match=r'bboxes: 1 box lists for 2 inputs|one set of 1 boxes was given for 2'):
        next(local_inferencer([CROWD, FOOTBALL], bboxes=[[0, 0, 10, 10]]))
    with pytest.raises(ValueError, match=rf'bboxes\[1\] \({FOOTBALL}\): box 0 .* zero or negative width'):
        next(local_inferencer([CROWD, FOOTBALL], bboxes=[[[0, 0, 10, 10]], [[50, 50, -10, 20]]],
                              bbox_format='xywh'))
    with pytest.raises(ValueError, match=rf'bboxes \({FOOTBALL}\): box 0 \[2000.0, 0.0, 2100.0, 90.0\] \(xyxy\) '
                                         r'lies outside the image \(1024x661 pixels\)'):
        next(local_inferencer(FOOTBALL, bboxes=[[2000, 0, 2100, 90]]))
    with pytest.raises(ValueError, match=r'bboxes \(array 00000000.jpg\): box 0 .* not a finite number'):
        next(local_inferencer(cv2.imread(FOOTBALL), bboxes=np.array([[0, 0, np.nan, 9]])))


def test_a_folder_in_one_json_lines_file_out(local_inferencer, tmp_path):
    folder = tmp_path / 'photos'
    folder.mkdir()
    for photo in (CROWD, FOOTBALL):
        shutil.copy(photo, folder)
    cv2.imwrite(str(folder / 'empty.png'), np.zeros((40, 60, 3), np.uint8))
    out = tmp_path / 'faces.jsonl'
    boxes = {'36_Football_americanfootball_ball_36_415.jpg': [[434, 106, 524, 196], [229, 22, 303, 96]],
             '7_Cheering_Cheering_7_16.jpg': [[100, 100, 220, 220]], 'empty.png': []}
    names = sorted(boxes)
    results = list(local_inferencer(str(folder), bboxes=[boxes[name] for name in names], jsonl=str(out),
                                    batch_size=8))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(osp.basename(line['file']), line['face'], line['num_faces']) for line in lines] == [
        (names[0], 0, 2), (names[0], 1, 2), (names[1], 0, 1), ('empty.png', None, 0)]
    first = lines[0]
    assert first['frame'] == 0 and first['file'] == str(folder / names[0])
    assert set(first) == {'file', 'frame', 'face', 'num_faces', 'bbox', 'bbox_score', 'keypoints', 'keypoint_scores',
                          'head_pose'}  # 98 points: a 3D face to fit the pose to
    assert first['keypoints'] == results[0]['predictions'][0][0]['keypoints']  # the same numbers as returned
    assert np.asarray(first['keypoints']).shape == (98, 2) and first['bbox'] == [434, 106, 524, 196]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['faces.jsonl', 'photos']  # no temporary file left


def test_an_interrupted_run_leaves_no_half_json_lines_file(local_inferencer, tmp_path, monkeypatch):
    out = tmp_path / 'faces.jsonl'
    out.write_text('{"previous": "run"}\n')
    run = local_inferencer.predictor.predict_images
    calls = []

    def fail_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return run(*args, **kwargs)
    monkeypatch.setattr(local_inferencer.predictor, 'predict_images', fail_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        local_inferencer([FOOTBALL, CROWD], jsonl=str(out))
    assert out.read_text() == '{"previous": "run"}\n'  # the old file intact, nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ['faces.jsonl']  # no temporary file left
    with pytest.raises(ValueError, match='would overwrite the input'):
        local_inferencer(FOOTBALL, jsonl=FOOTBALL)


def test_the_readme_snippets_for_own_boxes_batches_and_json_lines_run_as_written(tmp_path, monkeypatch):
    """README "Your own boxes, batches and one JSON Lines file", every block run verbatim in turn."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(osp.join(REPO_ROOT, FOOTBALL), 'photo.jpg')
    shutil.copy(osp.join(REPO_ROOT, CROWD), 'group.jpg')
    os.mkdir('photos')
    shutil.copy(osp.join(REPO_ROOT, FOOTBALL), 'photos/a.jpg')
    cv2.imwrite('photos/b.jpg', np.full((64, 64, 3), 128, np.uint8))  # no face
    demo = find_model('demo')
    torch.manual_seed(0)
    weights = tmp_path / demo.weights
    weights.parent.mkdir(parents=True)
    torch.save({'state_dict': init_model(demo.config_path()).state_dict()}, weights)
    monkeypatch.setattr(inferencer_module, 'find_model', lambda name: demo)  # no download
    text = open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8').read()
    section = text[text.index('## Your own boxes, batches and one JSON Lines file\n'):]
    section = section[:section.index('\n## ', 1)]
    blocks = re.findall(r'```python\n(.*?)```', section, re.S)
    assert len(blocks) == 3
    namespace = {}
    with pytest.warns(SyntheticModelWarning):  # the offline stand-in is the synthetic demo model
        for block in blocks:
            exec(compile(block, 'README.md', 'exec'), namespace)
    assert namespace['faces'] and np.asarray(namespace['faces'][0]['keypoints']).shape == (98, 2)
    np.testing.assert_allclose(namespace['faces'][0]['bbox'], [432, 114, 533, 215])  # xywh -> xyxy
    lines = [json.loads(line) for line in open('faces.jsonl')]
    assert [(line['file'], line['face'], line['num_faces']) for line in lines] == [
        ('photos/a.jpg', 0, 2), ('photos/a.jpg', 1, 2), ('photos/b.jpg', None, 0)]
