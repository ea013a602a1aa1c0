"""The demo on the real sample photos, a generated video, and bad input.

The model is the tiny test config with random weights: these tests check the
plumbing (faces found, batching, files written, coordinates mapped back), not
the accuracy.
"""
import importlib.util
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown, init_model
from mmpose_face.apis.cli import run_tool
from mmpose_face.apis.face_detector import HOGFaceDetector, clip_boxes, rescale_boxes
from mmpose_face.apis.face_landmarks_demo import FaceLandmarker, run_demo
from mmpose_face.datasets.transforms.loading import ImageLoadError

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
CROWD = 'tests/data/7_Cheering_Cheering_7_16.jpg'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'


pytestmark = pytest.mark.usefixtures('one_torch_thread')  # tests/test_apis/conftest.py


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = init_model(CONFIG)
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


@pytest.fixture(scope='module')
def landmarker(checkpoint):
    return FaceLandmarker(CONFIG, checkpoint, batch_size=4, backend='torch')  # counts torch forward passes


def annotated_centres(file_name):
    """Centres (N, 2) of the WFLW-annotated faces of a sample image."""
    with open('tests/data/test_wflw.json') as f:
        coco = json.load(f)
    image_id = next(image['id'] for image in coco['images'] if image['file_name'] == file_name)
    return np.array([ann['center'] for ann in coco['annotations'] if ann['image_id'] == image_id])


def count_forward_batches(model, monkeypatch):
    """Record the batch size of every backbone call."""
    batch_sizes = []
    original = model.backbone.forward

    def counting_forward(inputs):
        batch_sizes.append(inputs.shape[0])
        return original(inputs)
    monkeypatch.setattr(model.backbone, 'forward', counting_forward)
    return batch_sizes


def test_detector_finds_the_crowd_and_the_annotated_faces():
    image = cv2.imread(CROWD)
    boxes, scores = HOGFaceDetector()(image)
    assert len(boxes) >= 12, 'the sample has more than a dozen faces'
    assert boxes.dtype == np.float32 and boxes.shape == (len(scores), 4)
    assert (boxes[:, 2:] > boxes[:, :2]).all()
    assert (boxes >= 0).all() and (boxes[:, 2] <= image.shape[1]).all() and (boxes[:, 3] <= image.shape[0]).all()
    assert (np.diff(scores) <= 0).all(), 'highest score first'
    for centre in annotated_centres(osp.basename(CROWD)):
        inside = ((boxes[:, :2] <= centre) & (centre <= boxes[:, 2:])).all(axis=1)
        assert inside.any(), f'annotated face at {centre} not detected'


def test_demo_on_crowd_batches_all_faces(landmarker, tmp_path, monkeypatch):
    batch_sizes = count_forward_batches(landmarker.model, monkeypatch)
    summary = run_demo(CROWD, landmarker, out_dir=str(tmp_path))
    item = summary['items'][0]
    num_faces = len(item['faces'])
    assert num_faces >= 12
    # flip test doubles the backbone calls: plain + mirrored crops of each batch
    flips = 2 if landmarker.model.test_cfg.get('flip_test') else 1
    expected = [min(4, num_faces - start) for start in range(0, num_faces, 4) for _ in range(flips)]
    assert batch_sizes == expected, 'faces go through the network 4 at a time, not one by one'

    with open(item['json']) as f:
        saved = json.load(f)
    assert saved['width'] == 1024 and saved['height'] == 1024 and len(saved['faces']) == num_faces
    for face in saved['faces']:
        assert len(face['bbox']) == 4 and isinstance(face['score'], float)
        assert np.asarray(face['keypoints']).shape == (98, 2)
    drawn, original = cv2.imread(item['output']), cv2.imread(CROWD)
    assert drawn.shape == original.shape and np.abs(drawn.astype(int) - original).max() > 100

    # batching does not mix faces up: each face alone gives the same points
    boxes, _ = landmarker.detect(original)  # as found, not rounded to the JSON's 2 decimals
    np.testing.assert_allclose(boxes, [face['bbox'] for face in saved['faces']], atol=0.01)
    alone = [inference_topdown(landmarker.model, original, box[None])[0].pred_instances.keypoints[0]
             for box in boxes[:3]]
    np.testing.assert_allclose([face['keypoints'] for face in saved['faces'][:3]], alone, atol=0.01)


def test_demo_on_a_folder_of_images(landmarker, tmp_path):
    summary = run_demo('tests/data', landmarker, out_dir=str(tmp_path))
    football = summary['items'][0]
    assert len(football['faces']) == 2
    assert osp.isfile(tmp_path / osp.basename(FOOTBALL)) and osp.isfile(tmp_path / osp.basename(CROWD))
    # the predicted points lie around the detected box (crop mapped back to the image)
    for face in football['faces']:
        x1, y1, x2, y2 = face['bbox']
        centre = np.asarray(face['keypoints']).mean(axis=0)
        size = max(x2 - x1, y2 - y1)
        assert x1 - size < centre[0] < x2 + size and y1 - size < centre[1] < y2 + size


def write_video(path, num_frames=5):
    """Frames panning over the two football players' faces."""
    image = cv2.imread(FOOTBALL)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 5, (320, 240))
    for i in range(num_frames):
        writer.write(np.ascontiguousarray(image[0:240, 200 + 10 * i:520 + 10 * i]))
    writer.release()


def test_demo_on_a_video(landmarker, tmp_path):
    video = tmp_path / 'pan.mp4'
    write_video(video)
    summary = run_demo(str(video), landmarker, out_dir=str(tmp_path / 'out'))
    item = summary['items'][0]
    assert len(item['frames']) == 5
    with open(item['json']) as f:
        saved = json.load(f)
    assert [frame['frame'] for frame in saved['frames']] == list(range(5))
    assert (saved['width'], saved['height']) == (320, 240)
    assert all(len(frame['faces']) == 2 for frame in saved['frames'])
    capture = cv2.VideoCapture(item['output'])
    assert capture.isOpened() and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    ok, frame = capture.read()
    assert ok and frame.shape == (240, 320, 3)
    capture.release()

    summary = run_demo(str(video), landmarker, out_dir=None, max_frames=2)
    assert len(summary['items'][0]['frames']) == 2


def test_boxes_from_a_coco_results_file(landmarker, tmp_path):
    centres = annotated_centres(osp.basename(CROWD))
    results = [dict(image_id=osp.basename(CROWD), bbox=[x - 50, y - 50, 100, 100], score=0.9) for x, y in centres]
    bboxes_file = tmp_path / 'faces.json'
    bboxes_file.write_text(json.dumps(results))

    def no_detector(image):
        raise AssertionError('the detector must not run when boxes are given')
    landmarker.detector, saved_detector = no_detector, landmarker.detector
    try:
        summary = run_demo(CROWD, landmarker, out_dir=str(tmp_path), bboxes_file=str(bboxes_file))
    finally:
        landmarker.detector = saved_detector
    faces = summary['items'][0]['faces']
    np.testing.assert_allclose([face['bbox'] for face in faces],
                               [[x - 50, y - 50, x + 50, y + 50] for x, y in centres])


def test_unreadable_file_is_named(landmarker, tmp_path, capsys):
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image at all')
    with pytest.raises(ImageLoadError, match='broken.jpg: not a decodable image'):
        run_demo(str(broken), landmarker, out_dir=str(tmp_path / 'out'))
    with pytest.raises(FileNotFoundError, match='nowhere.jpg: input not found'):
        run_demo(str(tmp_path / 'nowhere.jpg'), landmarker)
    with pytest.raises(ValueError, match='broken.jpg: this output would overwrite the input'):
        run_demo(str(broken), landmarker, out_dir=str(tmp_path))
    with pytest.raises(OSError, match='broken.mp4: cannot open video'):
        (tmp_path / 'broken.mp4').write_bytes(b'\x00' * 100)
        run_demo(str(tmp_path / 'broken.mp4'), landmarker)


def test_image_without_a_face(landmarker, tmp_path):
    sky = np.full((200, 300, 3), (235, 206, 135), np.uint8)
    cv2.imwrite(str(tmp_path / 'sky.png'), sky)
    summary = run_demo(str(tmp_path / 'sky.png'), landmarker, out_dir=str(tmp_path / 'out'))
    assert summary['num_faces'] == 0 and summary['items'][0]['faces'] == []
    with open(summary['items'][0]['json']) as f:
        assert json.load(f)['faces'] == []
    assert landmarker(sky, np.zeros((0, 4))).shape == (0, 98, 2)


def test_boxes_outside_the_image(landmarker):
    image = cv2.imread(FOOTBALL)  # 1024 x 661
    with pytest.raises(ValueError, match=r'face box 1 .* lies outside the image \(1024x661'):
        landmarker(image, np.array([[434, 106, 524, 196], [1100, 50, 1200, 150]]))
    with pytest.raises(ValueError, match='face box 0 .* empty'):
        landmarker(image, np.array([[50, 50, 40, 60]]))
    # a box reaching past the border is cropped with black padding, as in training
    keypoints = landmarker(image, np.array([[-30, -30, 60, 60]]))
    assert keypoints.shape == (1, 98, 2) and np.isfinite(keypoints).all()
    np.testing.assert_allclose(clip_boxes(np.array([[-30, -30, 1100, 700]]), image.shape), [[0, 0, 1024, 661]])
    np.testing.assert_allclose(rescale_boxes(np.array([[0, 0, 100, 100]]), 1.2, (0, 0.1)),
                               [[-10, 0, 110, 120]], atol=1e-4)


def load_demo_script():
    spec = importlib.util.spec_from_file_location('face_landmarks_demo_cli', 'demo/face_landmarks_demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_line(checkpoint, tmp_path, monkeypatch, capsys):
    demo = load_demo_script()
    monkeypatch.setattr('sys.argv', ['demo', FOOTBALL, CONFIG, checkpoint, '--out-dir', str(tmp_path),
                                     '--batch-size', '1'])
    assert run_tool(demo.main, demo.parse_args()) == 0
    assert '2 faces' in capsys.readouterr().out
    assert osp.isfile(tmp_path / osp.basename(FOOTBALL))
    monkeypatch.setattr('sys.argv', ['demo', str(tmp_path / 'none.jpg'), CONFIG, checkpoint])
    assert run_tool(demo.main, demo.parse_args()) == 1
    assert 'none.jpg: input not found' in capsys.readouterr().err


def run_command_line(monkeypatch, capsys, *argv) -> tuple:
    demo = load_demo_script()
    monkeypatch.setattr('sys.argv', ['demo', *map(str, argv)])
    code = run_tool(demo.main, demo.parse_args())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_demo_never_writes_over_its_input_video(checkpoint, tmp_path, monkeypatch, capsys):
    video = tmp_path / 'holiday.mp4'
    write_video(video, num_frames=2)
    original = video.read_bytes()
    code, _, err = run_command_line(monkeypatch, capsys, video, CONFIG, checkpoint, '--out-dir', tmp_path,
                                    '--detector', 'hog')
    assert code == 1 and f'error: {video}: this output would overwrite the input {video}' in err
    assert video.read_bytes() == original and sorted(p.name for p in tmp_path.iterdir()) == ['holiday.mp4']


def test_inputs_sharing_a_stem_get_their_own_results(landmarker, tmp_path):
    folder = tmp_path / 'photos'
    folder.mkdir()
    image = cv2.imread(FOOTBALL)
    cv2.imwrite(str(folder / 'a.jpg'), image)
    cv2.imwrite(str(folder / 'a.png'), image[:, ::-1])  # another picture: mirrored
    summary = run_demo(str(folder), landmarker, out_dir=str(tmp_path / 'out'))
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['a.jpg', 'a.jpg.json', 'a.png', 'a.png.json']
    jsons = [json.loads((tmp_path / 'out' / name).read_text()) for name in ('a.jpg.json', 'a.png.json')]
    assert [saved['image'] for saved in jsons] == [str(folder / 'a.jpg'), str(folder / 'a.png')]
    assert [item['json'] for item in summary['items']] == [str(tmp_path / 'out' / 'a.jpg.json'),
                                                           str(tmp_path / 'out' / 'a.png.json')]


@pytest.mark.parametrize('content, message', [
    ({'images': [{'file_name': '36_Football.jpg'}], 'annotations': []},
     r"images\[0\]: needs 'id' and 'file_name'"),
    ([{'file_name': 'a.jpg', 'face_rectangle': [10, 10, 5, 40]}],
     r"entry 0: 'face_rectangle' \[10, 10, 5, 40\] must be finite with positive width and height"),
    ([{'file_name': 'a.jpg', 'bbox': [10, 'x', 5, 40]}], r"entry 0: 'bbox' must be four numbers"),
    ([{'file_name': 'caf\udce9.jpg', 'bbox': [10, 10, 5, 40]}],
     r"entry 0: file name 'caf\\udce9.jpg' is not valid UTF-8"),
])
def test_a_bad_box_file_ends_in_one_line_naming_file_and_item(checkpoint, tmp_path, monkeypatch, capsys,
                                                               content, message):
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps(content))  # json escapes the lone surrogate as \udce9
    code, _, err = run_command_line(monkeypatch, capsys, FOOTBALL, CONFIG, checkpoint, '--bboxes', boxes,
                                    '--out-dir', tmp_path / 'out')
    assert code == 1 and not (tmp_path / 'out').exists()
    [line] = [line for line in err.splitlines() if line.startswith('error:')]
    assert re.search(f'^error: {re.escape(str(boxes))}: {message}', line), err
    assert 'Traceback' not in err


def test_boxes_may_be_face_rectangles(landmarker, tmp_path):
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps([{'file_name': osp.basename(FOOTBALL), 'face_rectangle': [434, 106, 524, 196]}]))
    summary = run_demo(FOOTBALL, landmarker, bboxes_file=str(boxes))
    assert summary['items'][0]['faces'][0]['bbox'] == [434, 106, 524, 196]


def test_a_synthetic_model_warns_in_one_clean_line_naming_the_synthetic_set(tmp_path, monkeypatch, capsys):
    torch.manual_seed(0)
    synthetic = tmp_path / 'synthetic.pth'
    torch.save({'state_dict': init_model(CONFIG).state_dict(),
                'meta': {'trained_on': dict(dataset='wflw', synthetic=True,
                                            ann_file='data/synthetic_wflw/annotations/train.json')}}, synthetic)
    code, _, err = run_command_line(monkeypatch, capsys, FOOTBALL, CONFIG, synthetic, '--out-dir', tmp_path / 'o',
                                    '--detector', 'hog')
    assert code == 0
    warning_lines = [line for line in err.splitlines() if 'synthetic' in line]
    assert len(warning_lines) == 1, err
    [line] = warning_lines
    assert line.startswith(f'warning: {synthetic} was trained on synthetic WFLW (faces drawn by '
                           'make_synthetic_wflw.py')
    assert 'data/synthetic_wflw/annotations/train.json' in line and '--model wflw' in line
    assert 'trained on wflw' not in line and 'SyntheticModelWarning' not in err and 'warnings.warn' not in err


def test_the_demo_draws_points_joined_along_the_contours(landmarker, tmp_path):
    from mmpose_face.visualization import draw_faces, face_visualizer
    boxes = np.array([[434, 106, 524, 196]], np.float32)
    image = cv2.imread(FOOTBALL)
    keypoints, scores = landmarker.predict(image, boxes)
    (tmp_path / 'b.json').write_text(json.dumps([{'file_name': osp.basename(FOOTBALL),
                                                  'bbox': [434, 106, 90, 90], 'score': 1.0}]))
    summary = run_demo(FOOTBALL, landmarker, out_dir=str(tmp_path / 'out'), bboxes_file=str(tmp_path / 'b.json'))
    picture = cv2.imread(summary['items'][0]['output']).astype(int)
    joined = draw_faces(face_visualizer(landmarker.dataset_meta), image, boxes, keypoints, scores).astype(int)
    dots = face_visualizer(landmarker.dataset_meta)
    dots.draw_contours = False
    dotted = draw_faces(dots, image, boxes, keypoints, scores).astype(int)
    assert np.abs(joined - dotted).sum() > 1000, 'the contour lines add pixels'
    assert np.abs(picture - joined).mean() < np.abs(picture - dotted).mean()  # JPEG: not to the bit


def test_a_file_name_that_is_not_utf8_ends_in_one_line(checkpoint, tmp_path, monkeypatch, capsys):
    """Main crashed here (OpenCV segfaults writing to such a name)."""
    folder = tmp_path / 'photos'
    folder.mkdir()
    with open(FOOTBALL, 'rb') as source, open(osp.join(bytes(folder), b'\xff.jpg'), 'wb') as target:
        target.write(source.read())
    code, _, err = run_command_line(monkeypatch, capsys, folder, CONFIG, checkpoint, '--out-dir', tmp_path / 'out')
    assert code == 1 and f'error: {folder}/\\xff.jpg: the file name is not valid UTF-8; rename the file' in err
    assert not (tmp_path / 'out').exists()


def test_video_faces_are_tracked_smoothed_and_posed_at_the_input_frame_rate_and_size(landmarker, tmp_path,
                                                                                    monkeypatch):
    video = tmp_path / 'pan.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 7, (320, 240))
    image = cv2.imread(FOOTBALL)
    for i in range(6):
        writer.write(np.ascontiguousarray(image[0:240, 200 + 3 * i:520 + 3 * i]))
    writer.release()
    detections = []
    detect = landmarker.detect

    def counting_detect(frame):
        if frame.shape[:2] == (240, 320):  # not the 32x32 call that names the detector
            detections.append(frame)
        return detect(frame)
    monkeypatch.setattr(landmarker, 'detect', counting_detect)
    runs = {}
    for smooth in (True, False):
        detections.clear()
        runs[smooth] = run_demo(str(video), landmarker, out_dir=str(tmp_path / str(smooth)), detect_every=3,
                                smooth=smooth, draw_pose=True)
        assert len(detections) == 2, 'frames 0 and 3 only: between them the boxes follow the landmarks'
    item = runs[True]['items'][0]
    with open(item['json']) as f:
        frames = json.load(f)['frames']
    assert all(sorted(face['track_id'] for face in frame['faces']) == [0, 1] for frame in frames)
    assert all(set(face['head_pose']) == {'yaw', 'pitch', 'roll'} for frame in frames for face in frame['faces'])
    smoothed = [np.array([f['keypoints'] for f in frame['faces']]) for frame in frames]
    raw = [np.array([f['keypoints'] for f in frame['faces']]) for frame in runs[False]['items'][0]['frames']]
    np.testing.assert_array_equal(smoothed[0], raw[0])  # a new track starts from the raw landmarks
    assert not np.allclose(smoothed[-1], raw[-1])
    capture = cv2.VideoCapture(item['output'])
    assert capture.get(cv2.CAP_PROP_FPS) == 7 and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 6
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (320, 240)
    capture.release()
    assert runs[True]['fps'] > 0


def test_command_line_on_a_video_prints_the_frame_rate(checkpoint, tmp_path, monkeypatch, capsys):
    video = tmp_path / 'clip.mp4'
    write_video(video, num_frames=3)
    code, out, err = run_command_line(monkeypatch, capsys, video, CONFIG, checkpoint, '--out-dir', tmp_path / 'out',
                                      '--no-smooth', '--detect-every', '2', '--draw-pose', '--min-cutoff', '0.5',
                                      '--beta', '0.2')
    assert code == 0, err
    assert re.search(r'frames per second', out)
    with open(tmp_path / 'out' / 'clip.json') as f:
        assert 'track_id' in json.load(f)['frames'][0]['faces'][0]
    code, out, err = run_command_line(monkeypatch, capsys, video, CONFIG, checkpoint, '--out-dir', tmp_path / 'o2',
                                      '--detect-every', '0')
    assert code == 1 and 'detect_every must be >= 1' in err


def load_script(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('script', ['demo/face_landmarks_demo.py', 'demo/inferencer_demo.py'])
def test_both_demos_default_to_onnxruntime_and_take_backend_torch_and_no_flip_test(script, checkpoint, tmp_path,
                                                                                    monkeypatch, capsys):
    from mmpose_face.apis import face_landmarks_demo, inferencer
    module, name = ((face_landmarks_demo, 'FaceLandmarker') if 'face_landmarks' in script
                    else (inferencer, 'FaceLandmarkInferencer'))
    made, real = [], getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kwargs: made.append(real(*args, **kwargs)) or made[-1])
    demo = load_script(script, osp.basename(script)[:-3] + '_cli')
    inputs = ([FOOTBALL, CONFIG, checkpoint] if 'face_landmarks' in script
              else [FOOTBALL, '--model', CONFIG, '--weights', checkpoint])
    for extra, backend, flip_test in (([], 'onnxruntime', True), (['--no-flip-test'], 'onnxruntime', False),
                                      (['--backend', 'torch', '--no-flip-test'], 'published', False)):
        monkeypatch.setattr('sys.argv', ['demo', *inputs, '--out-dir', str(tmp_path / 'out'), '--detector', 'hog',
                                         *extra])
        assert run_tool(demo.main, demo.parse_args()) == 0, capsys.readouterr().err
        predictor = made[-1].predictor
        assert predictor.backend == backend, extra
        assert predictor.flip_test == flip_test if backend == 'onnxruntime' else \
            predictor.model.test_cfg['flip_test'] == flip_test
    exports = sorted(name for name in os.listdir(osp.dirname(checkpoint)) if name.endswith('.onnx'))
    assert [name.split('.')[-2] for name in exports] == ['flip', 'noflip']  # cached beside the checkpoint
