"""Landmarks on photos and videos: find faces, predict 98 points each, draw, save.

``demo/face_landmarks_demo.py`` is the command line; :class:`FaceLandmarker`
and :func:`run_demo` are the Python API. Both are thin shells: inputs from
:mod:`~mmpose_face.apis.input_sources`, predictions from the prediction core
(:mod:`~mmpose_face.apis.predictor`), drawing from
:mod:`~mmpose_face.visualization.face_drawing`, files from
:mod:`~mmpose_face.apis.landmark_outputs`.
"""
import os
import time

import cv2
import numpy as np
from tqdm import tqdm

from mmpose_face import compat
from mmpose_face.engine.hooks.training_data_record_hook import trained_on
from mmpose_face.errors import UserInputRuntimeError
from mmpose_face.visualization.face_drawing import draw_faces, face_visualizer
from .face_detector import DEFAULT_MIN_FACE_SIZE, boxes_for, build_face_detector, load_coco_bboxes
from .face_tracking import DEFAULT_DETECT_EVERY
from .inference import init_model
from .input_sources import frame_count, list_inputs, read_frames
from .landmark_smoothing import DEFAULT_BETA, DEFAULT_MIN_CUTOFF
from .landmark_outputs import ResultWriter, faces_to_json, plan_outputs  # noqa: F401 (faces_to_json: API)
from .predictor import LandmarkPredictor, build_predictor
from .synthetic_model import warn_if_synthetic
from .video_faces import (FrameRate, add_tracks_and_poses, draw_frame_rate, draw_head_poses, estimate_poses,
                          frame_interval, video_tracker)


class FaceLandmarker:
    """Faces -> landmarks with PyTorch or an exported ONNX file.

    Args:
        config: model config (path or Config): its test pipeline crops the faces.
        checkpoint: weights for PyTorch; unused with ``onnx_file``.
        trusted, skip_hash_check: as in :func:`mmpose_face.apis.init_model`.
        device: PyTorch device.
        batch_size: faces per forward pass (all faces of an image are batched).
        onnx_file: run this exported model with onnxruntime (no checkpoint needed).
        backend: with a checkpoint, ``'onnxruntime'`` (default: its export made
            once and cached beside it, see :mod:`~mmpose_face.apis.onnx_cache`)
            or ``'torch'`` (the published path, mmpose's ``inference_topdown``).
        flip_test: ``None`` = the model's ``test_cfg.flip_test``; ``False`` = the single pass.
        detector: callable ``image_bgr -> (boxes (N, 4) xyxy, scores (N,))``;
            ``None`` = the default detector (CenterFace, faces of 24 px and
            more) made on first use.

    A checkpoint whose meta says it was trained on synthetic faces gets a
    :class:`~mmpose_face.apis.synthetic_model.SyntheticModelWarning`.

    ``landmarker(image_bgr, boxes)`` -> keypoints (N, K, 2) in image pixels;
    :meth:`predict` also gives the model's per-landmark scores.
    """

    def __init__(self, config, checkpoint: str = None, device: str = 'cpu', batch_size: int = 32,
                 onnx_file: str = None, detector=None, trusted: bool = None, skip_hash_check: bool = None,
                 backend: str = 'onnxruntime', flip_test: bool = None, onnx_cache_dir: str = None,
                 num_threads: int = 0):
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.config = compat.config_fromfile(config)
        self.batch_size = batch_size
        self.detector = detector
        if onnx_file is not None:
            self.model = None
            self.predictor = LandmarkPredictor(backend='onnxruntime', batch_size=batch_size, onnx_file=onnx_file,
                                               config=self.config)
        else:
            self.model = init_model(self.config, checkpoint, device='cpu' if backend == 'onnxruntime' else device,
                                    trusted=trusted, skip_hash_check=skip_hash_check)
            self.predictor = build_predictor(self.model, checkpoint, backend, flip_test, onnx_cache_dir,
                                             num_threads, batch_size)
            warn_if_synthetic(str(checkpoint), trained_on(self.model.checkpoint_meta))
        self.dataset_meta = self.predictor.dataset_meta

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
        landmarks = self.predictor.predict(image_bgr, np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        return landmarks.keypoints, landmarks.keypoint_scores


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


def run_demo(input_path: str, landmarker: FaceLandmarker, out_dir: str = None, bboxes_file: str = None,
             show: bool = False, max_frames: int = None, smooth: bool = None,
             min_cutoff: float = DEFAULT_MIN_CUTOFF, beta: float = DEFAULT_BETA,
             detect_every: int = DEFAULT_DETECT_EVERY, draw_pose: bool = False) -> dict:
    """Annotate an image, a folder of images, a video file or a webcam.

    Writes to ``out_dir``: per image ``{name}`` (annotated) and
    ``{stem}.json``; per video ``{stem}.mp4`` (mp4v) and ``{stem}.json`` with
    one entry per frame (inputs that share a stem, ``a.jpg`` and ``a.png``,
    keep their extension: ``a.jpg.json``, ``a.png.json``). An output that
    would replace an input (the folder holds the inputs) is refused before
    anything is written. JSON faces: see :func:`faces_to_json`, plus
    ``head_pose`` (yaw, pitch, roll degrees; 68- and 98-point models) and,
    on video, ``track_id``.

    On a video or webcam whose faces the detector finds, faces are tracked
    (:mod:`~mmpose_face.apis.face_tracking`: the detector every
    ``detect_every`` frames or when a track is lost) and, unless
    ``smooth=False``, their landmarks smoothed per track by a One-Euro filter
    (``min_cutoff`` Hz, ``beta``); still images are never smoothed. The
    drawn video frames show the frames per second; the output video has the
    input's frame rate and size.

    Args:
        bboxes_file: COCO detection results to use instead of the detector
            (see :func:`load_coco_bboxes`).
        max_frames: stop a video or webcam after this many frames.
        draw_pose: draw each face's head axes.

    Returns:
        ``{'items': [per image or video: {'input', 'faces' or 'frames', 'json', 'output'}],
        'num_faces', 'seconds', 'fps'}`` (``fps``: frames or images per second, all work included).
    """
    sources = list_inputs(str(input_path), webcam=True)
    bboxes_by_image = load_coco_bboxes(bboxes_file) if bboxes_file else None
    plan = plan_outputs(sources, out_dir, out_dir, other_inputs=[bboxes_file])
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    visualizer = face_visualizer(landmarker.dataset_meta)
    window = _Window() if show else None
    video_tracker(None, None, smooth, min_cutoff, beta, detect_every)  # bad parameters end here, not at frame 1
    if bboxes_file is None and landmarker.detector is None:
        landmarker.detect(np.zeros((32, 32, 3), np.uint8))  # build the default detector to name it
    detector_name = (f'bboxes from {bboxes_file}' if bboxes_file
                     else getattr(landmarker.detector, 'name', type(landmarker.detector).__name__))

    def image_json(frame, faces):
        return dict(image=frame.source.path, width=frame.image.shape[1], height=frame.image.shape[0],
                    detector=detector_name, faces=faces)

    def video_json(first, frame_faces):
        return dict(video=str(first.source), fps=first.fps, width=first.image.shape[1],
                    height=first.image.shape[0], detector=detector_name,
                    frames=[dict(frame=index, faces=faces) for index, faces in frame_faces])

    video = sources[0].is_video
    total = frame_count(sources[0]) if video else len(sources)
    if video and max_frames:
        total = min(total, max_frames) if total > 0 else max_frames
    progress = tqdm(total=total or None, desc='frames' if video else 'images', unit='frame' if video else 'image',
                    disable=not video and len(sources) < 2)
    writer = ResultWriter(plan, image_json, video_json)
    started, items, num_faces, stop = time.perf_counter(), [], 0, False
    frame_rate = FrameRate()
    try:
        for source in sources:
            item = dict(input=str(source), json=plan[source].json, output=plan[source].picture)
            item['frames' if source.is_video else 'faces'] = []
            items.append(item)
            tracker = (video_tracker(landmarker.detect, landmarker.predict, smooth, min_cutoff, beta, detect_every)
                       if source.is_video and bboxes_by_image is None else None)
            for frame in read_frames(source, max_frames):
                track_ids = None
                if tracker is not None:
                    tracked = tracker.update(frame.image, frame_interval(frame.fps, source, frame_rate))
                    boxes, scores, track_ids = tracked.boxes, tracked.scores, tracked.track_ids
                    keypoints, keypoint_scores = tracked.keypoints, tracked.keypoint_scores
                else:
                    if bboxes_by_image is not None:
                        boxes, scores = boxes_for(bboxes_by_image, str(frame.index) if video else source.path)
                    else:
                        boxes, scores = landmarker.detect(frame.image)
                    keypoints, keypoint_scores = landmarker.predict(frame.image, boxes)
                poses = estimate_poses(keypoints, frame.image)
                faces = add_tracks_and_poses(faces_to_json(boxes, scores, keypoints, keypoint_scores), track_ids,
                                             poses)
                num_faces += len(faces)
                frame_rate.tick()
                drawn = draw_faces(visualizer, frame.image, boxes, keypoints, keypoint_scores)
                if draw_pose:
                    draw_head_poses(drawn, poses)
                if source.is_video:
                    draw_frame_rate(drawn, frame_rate.fps)
                writer.add(frame, drawn, faces)
                if video:
                    item['frames'].append(dict(frame=frame.index, faces=faces))
                else:
                    item['faces'] = faces
                progress.update(1)
                if window and not window.show(drawn, 1 if video else 0):
                    stop = True
                    break
            writer.finish()
            if stop:
                break
    except BaseException:
        writer.discard()
        raise
    finally:
        progress.close()
    return dict(items=items, num_faces=num_faces, seconds=time.perf_counter() - started, fps=frame_rate.mean_fps)
