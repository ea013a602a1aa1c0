"""Landmarks on photos and videos: find faces, predict 98 points each, draw, save.

``demo/face_landmarks_demo.py`` is the command line; :class:`FaceLandmarker`
and :func:`run_demo` are the Python API.
"""
import json
import os
import os.path as osp
import time

import cv2
import numpy as np
from mmengine.config import Config
from tqdm import tqdm

from mmpose_face.errors import UserInputRuntimeError
from mmpose_face.fileio import read_image_bgr
from .face_detector import DEFAULT_MIN_FACE_SIZE, boxes_for, build_face_detector, load_coco_bboxes
from .inference import (crop_to_image_pixels, dataset_meta_from_config, inference_topdown, init_model,
                        prepare_face_crops)

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')


class FaceLandmarker:
    """Faces -> landmarks with PyTorch or an exported ONNX file.

    Args:
        config: model config (path or Config): its test pipeline crops the faces.
        checkpoint: weights for PyTorch; unused with ``onnx_file``.
        trusted, skip_hash_check: as in :func:`mmpose_face.apis.init_model`.
        device: PyTorch device.
        batch_size: faces per forward pass (all faces of an image are batched).
        onnx_file: run this exported model with onnxruntime instead.
        detector: callable ``image_bgr -> (boxes (N, 4) xyxy, scores (N,))``;
            ``None`` = the default detector (CenterFace, faces of 24 px and
            more) made on first use.

    A checkpoint whose meta says it was trained on synthetic faces gets a
    :class:`~mmpose_face.apis.inferencer.SyntheticModelWarning`.

    ``landmarker(image_bgr, boxes)`` -> keypoints (N, K, 2) in image pixels;
    :meth:`predict` also gives the model's per-landmark scores.
    """

    def __init__(self, config, checkpoint: str = None, device: str = 'cpu', batch_size: int = 32,
                 onnx_file: str = None, detector=None, trusted: bool = None, skip_hash_check: bool = None):
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.config = Config.fromfile(str(config)) if not isinstance(config, Config) else config
        self.batch_size = batch_size
        self.detector = detector
        if onnx_file is not None:
            from .onnx_export import OnnxLandmarkModel
            self.model, self.onnx_model = None, OnnxLandmarkModel(onnx_file)
            self.dataset_meta = dataset_meta_from_config(self.config)
            crop_size = tuple(self.config.model.head.decoder.input_size)
            if tuple(self.onnx_model.input_size) != crop_size:
                raise ValueError(f'{onnx_file}: takes {self.onnx_model.input_size} crops but the config '
                                 f'crops {crop_size}')
        else:
            self.model = init_model(self.config, checkpoint, device=device, trusted=trusted,
                                    skip_hash_check=skip_hash_check)
            self.onnx_model, self.dataset_meta = None, self.model.dataset_meta
            trained_on = self.model.checkpoint_meta.get('trained_on') or {}
            if trained_on.get('synthetic'):
                import warnings

                from .inferencer import SyntheticModelWarning, synthetic_model_message
                warnings.warn(synthetic_model_message(str(checkpoint), trained_on.get('dataset', 'a synthetic set')),
                              SyntheticModelWarning, stacklevel=2)

    def detect(self, image_bgr: np.ndarray):
        """(boxes (N, 4) xyxy pixels, scores (N,)) from the face detector."""
        if self.detector is None:
            self.detector = build_face_detector(min_face_size=DEFAULT_MIN_FACE_SIZE)
        return self.detector(image_bgr)

    def __call__(self, image_bgr: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        return self.predict(image_bgr, boxes)[0]

    def predict(self, image_bgr: np.ndarray, boxes: np.ndarray):
        """keypoints (N, K, 2) image pixels and keypoint_scores (N, K): the model's
        confidence per landmark (RLE: from sigma; integral heads: heatmap mass;
        DeepPose: 1.0), with ONNX from the file's ``scores`` output (``None``
        for a file exported before it existed)."""
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        num_keypoints = self.dataset_meta['num_keypoints']
        if len(boxes) == 0:
            return np.zeros((0, num_keypoints, 2), np.float32), np.zeros((0, num_keypoints), np.float32)
        if self.onnx_model is None:
            results = inference_topdown(self.model, image_bgr, boxes, batch_size=self.batch_size)
            return (np.concatenate([r.pred_instances.keypoints for r in results]).astype(np.float32),
                    np.concatenate([r.pred_instances.keypoint_scores for r in results]).astype(np.float32))
        keypoints, keypoint_scores = [], []
        data_list = prepare_face_crops(self.config, self.dataset_meta, image_bgr, boxes)
        for start in range(0, len(data_list), self.batch_size):
            chunk = data_list[start:start + self.batch_size]
            crops = np.stack([item['inputs'].numpy() for item in chunk])
            if self.onnx_model.has_scores:  # (B, K, 2) x/W, y/H of the crop; (B, K)
                normalised, scores = self.onnx_model.run_with_scores(crops)
                keypoint_scores.append(scores)
            else:
                normalised = self.onnx_model.run(crops)
            keypoints.append(crop_to_image_pixels(normalised, chunk))
        return (np.concatenate(keypoints),
                np.concatenate(keypoint_scores).astype(np.float32) if keypoint_scores else None)


def faces_to_json(boxes, scores, keypoints, keypoint_scores=None) -> list:
    """One dict per face: ``bbox`` [x1, y1, x2, y2], ``score``, ``keypoints`` K x [x, y] (pixels)
    and, when the model gives them, ``keypoint_scores`` K confidences."""
    faces = [dict(bbox=[round(float(v), 2) for v in box], score=round(float(score), 4),
                  keypoints=np.round(points.astype(np.float64), 2).tolist())
             for box, score, points in zip(boxes, scores, keypoints)]
    for face, confidences in zip(faces, [] if keypoint_scores is None else keypoint_scores):
        face['keypoint_scores'] = np.round(np.asarray(confidences, np.float64), 4).tolist()
    return faces


def list_inputs(input_path: str):
    """``('webcam', index)``, ``('video', path)`` or ``('images', [paths])``."""
    if input_path.isdigit() and not osp.exists(input_path):
        return 'webcam', int(input_path)
    if osp.isdir(input_path):
        files = sorted(osp.join(input_path, name) for name in os.listdir(input_path)
                       if name.lower().endswith(IMAGE_EXTENSIONS))
        if not files:
            raise FileNotFoundError(f'{input_path}: no images ({", ".join(IMAGE_EXTENSIONS)}) in this folder')
        return 'images', files
    if not osp.exists(input_path):
        raise FileNotFoundError(f'{input_path}: input not found (an image, a folder, a video or a webcam index)')
    if input_path.lower().endswith(VIDEO_EXTENSIONS):
        return 'video', input_path
    return 'images', [input_path]


class _Window:
    """``--show``: a cv2 window; 'q' or Esc stops."""

    def __init__(self, name='face landmarks'):
        self.name = name

    def show(self, image_bgr, wait_ms: int) -> bool:
        try:
            cv2.imshow(self.name, image_bgr)
            key = cv2.waitKey(wait_ms)
        except cv2.error as error:
            raise UserInputRuntimeError(f'--show needs a display and opencv-python with GUI support ({error})') from None
        return key not in (ord('q'), 27)


def _draw(visualizer, image_bgr, boxes, keypoints, keypoint_scores=None) -> np.ndarray:
    rgb = np.ascontiguousarray(image_bgr[..., ::-1])
    for n, (box, points) in enumerate(zip(boxes, keypoints)):
        visualizer.draw_face(rgb, points, visualizer.pred_color, bbox=box,
                             scores=None if keypoint_scores is None else keypoint_scores[n])
    return np.ascontiguousarray(rgb[..., ::-1])


def _write_json(path: str, content: dict) -> None:
    with open(path, 'w') as f:
        json.dump(content, f)


def run_demo(input_path: str, landmarker: FaceLandmarker, out_dir: str = None, bboxes_file: str = None,
             show: bool = False, max_frames: int = None) -> dict:
    """Annotate an image, a folder of images, a video file or a webcam.

    Writes to ``out_dir``: per image ``{name}`` (annotated) and
    ``{stem}.json``; per video ``{stem}.mp4`` (mp4v) and ``{stem}.json`` with
    one entry per frame. JSON faces: see :func:`faces_to_json`.

    Args:
        bboxes_file: COCO detection results to use instead of the detector
            (see :func:`load_coco_bboxes`).
        max_frames: stop a video or webcam after this many frames.

    Returns:
        ``{'items': [per image or video: {'input', 'faces' or 'frames', 'json', 'output'}],
        'num_faces', 'seconds'}``.
    """
    from mmpose_face.visualization import PoseLocalVisualizer, write_image_bgr
    kind, source = list_inputs(str(input_path))
    bboxes_by_image = load_coco_bboxes(bboxes_file) if bboxes_file else None
    if out_dir:
        if kind == 'images' and any(osp.samefile(osp.dirname(path) or '.', out_dir)
                                    for path in source[:1] if osp.isdir(out_dir)):
            raise ValueError(f'{out_dir}: the output folder is the input folder; the annotated images '
                             'would replace the photos (choose another --out-dir)')
        os.makedirs(out_dir, exist_ok=True)
    visualizer = PoseLocalVisualizer(name=f'face_landmarks_demo_{id(landmarker)}_{time.monotonic_ns()}')
    visualizer.set_dataset_meta(landmarker.dataset_meta)  # its contours
    window = _Window() if show else None
    if bboxes_file is None and landmarker.detector is None:
        landmarker.detect(np.zeros((32, 32, 3), np.uint8))  # build the default detector to name it
    detector_name = (f'bboxes from {bboxes_file}' if bboxes_file
                     else getattr(landmarker.detector, 'name', type(landmarker.detector).__name__))

    def find_and_predict(image_bgr, key):
        if bboxes_by_image is not None:
            boxes, scores = boxes_for(bboxes_by_image, key)
        else:
            boxes, scores = landmarker.detect(image_bgr)
        return (boxes, scores, *landmarker.predict(image_bgr, boxes))

    started, items, num_faces = time.perf_counter(), [], 0
    if kind == 'images':
        for path in tqdm(source, desc='images', unit='image', disable=len(source) < 2):
            image = read_image_bgr(path)
            boxes, scores, keypoints, keypoint_scores = find_and_predict(image, path)
            num_faces += len(boxes)
            item = dict(input=path, faces=faces_to_json(boxes, scores, keypoints, keypoint_scores),
                        json=None, output=None)
            drawn = _draw(visualizer, image, boxes, keypoints, keypoint_scores)
            if out_dir:
                item['output'] = osp.join(out_dir, osp.basename(path))
                write_image_bgr(item['output'], drawn)
                item['json'] = osp.join(out_dir, osp.splitext(osp.basename(path))[0] + '.json')
                _write_json(item['json'], dict(image=path, width=image.shape[1], height=image.shape[0],
                                               detector=detector_name, faces=item['faces']))
            items.append(item)
            if window and not window.show(drawn, 0):
                break
    else:
        items.append(_run_video(kind, source, find_and_predict, visualizer, out_dir, window, max_frames,
                                detector_name))
        num_faces = sum(len(frame['faces']) for frame in items[0]['frames'])
    return dict(items=items, num_faces=num_faces, seconds=time.perf_counter() - started)


def _run_video(kind, source, find_and_predict, visualizer, out_dir, window, max_frames, detector_name) -> dict:
    capture = cv2.VideoCapture(source)
    name = f'webcam {source}' if kind == 'webcam' else source
    if not capture.isOpened():
        raise OSError(f'{name}: cannot open video (missing codec, unreadable file or no such camera)')
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if kind == 'video' else 0
    if max_frames:
        total = min(total, max_frames) if total > 0 else max_frames
    stem = f'webcam_{source}' if kind == 'webcam' else osp.splitext(osp.basename(source))[0]
    item = dict(input=name, frames=[], json=None, output=None)
    writer = None
    progress = tqdm(total=total or None, desc='frames', unit='frame')
    try:
        while max_frames is None or len(item['frames']) < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            frame_size = (frame.shape[1], frame.shape[0])
            boxes, scores, keypoints, keypoint_scores = find_and_predict(frame, str(len(item['frames'])))
            item['frames'].append(dict(frame=len(item['frames']),
                                       faces=faces_to_json(boxes, scores, keypoints, keypoint_scores)))
            drawn = _draw(visualizer, frame, boxes, keypoints, keypoint_scores)
            if out_dir:
                if writer is None:
                    item['output'] = osp.join(out_dir, stem + '.mp4')
                    writer = cv2.VideoWriter(item['output'], cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                             (frame.shape[1], frame.shape[0]))
                    if not writer.isOpened():
                        raise OSError(f'{item["output"]}: cannot write video (mp4v codec unavailable?)')
                writer.write(drawn)
            progress.update(1)
            if window and not window.show(drawn, 1):
                break
    finally:
        progress.close()
        capture.release()
        if writer is not None:
            writer.release()
    if not item['frames']:
        raise OSError(f'{name}: no frame could be read')
    if out_dir:
        item['json'] = osp.join(out_dir, stem + '.json')
        _write_json(item['json'], dict(video=name, fps=fps, width=frame_size[0], height=frame_size[1],
                                       detector=detector_name, frames=item['frames']))
    return item
