"""One-line face landmarks in mmpose 1.x's inferencer style.

    from mmpose_face.apis.inferencer import FaceLandmarkInferencer
    inferencer = FaceLandmarkInferencer('wflw')            # released model, downloaded once
    result = next(inferencer('photo.jpg', out_dir='out'))  # {'predictions': [...], 'visualization': [...]}

``pose2d`` is a model name (:mod:`mmpose_face.apis.model_aliases`: ``wflw``,
``deeppose-softwing-wflw``, mmpose's model-zoo names, ``demo``) or a config
file with ``pose2d_weights`` (local path or URL). Faces are found by an
offline detector (:mod:`mmpose_face.apis.face_detector`) unless ``bboxes``
are given. Inputs: an image path, an (H, W, 3) BGR array, a folder, a video
file, or a list of those; each call yields one result per ``batch_size``
inputs (video frames count as inputs).
"""
import json
import os
import os.path as osp
import warnings

import cv2
import numpy as np
import torch

from mmpose_face.engine.hooks.training_data_record_hook import trained_on
from mmpose_face.fileio import read_image_bgr
from .face_detector import DEFAULT_FACE_DETECTOR, DEFAULT_MIN_FACE_SIZE, build_face_detector, clip_boxes
from .face_landmarks_demo import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from .inference import inference_topdown, init_model
from .model_aliases import REPOSITORY_ROOT, find_model, model_names
from .model_download import fetch_checkpoint


class SyntheticModelWarning(UserWarning):
    """A model trained on synthetic faces is used on photographs."""


def synthetic_model_message(model_name: str, data_set: str) -> str:
    return (f'{model_name} was trained on {data_set}, synthetic faces only: on photographs its landmarks '
            f'are rough (the released models reach NME 4.4-4.9 % on WFLW). For real photos use a released '
            f"model: --model wflw (demo/inferencer_demo.py) or FaceLandmarkInferencer('wflw'); it is "
            f'downloaded once (see docs/inference.md).')


def resolve_model(pose2d: str, pose2d_weights: str = None, cache_dir: str = None):
    """``(config path, local checkpoint path, trained_on dict)`` for a model name or a config.

    A URL (given or from the name's table entry) is fetched into the cache
    with :func:`~mmpose_face.apis.model_download.fetch_checkpoint`.
    """
    entry = find_model(pose2d)
    if entry is not None:
        config, weights = entry.config_path(), pose2d_weights or entry.weights
        info = dict(dataset=entry.trained_on, synthetic=entry.synthetic)
        if pose2d_weights is None and not weights.startswith(('http://', 'https://')):
            weights = next((path for path in (weights, osp.join(REPOSITORY_ROOT, weights)) if osp.isfile(path)),
                           weights)
            if not osp.isfile(weights):
                raise FileNotFoundError(f'{weights}: the {pose2d} model is trained by `make demo`; run it '
                                        'first, or choose a released model (--model wflw)')
    elif osp.isfile(pose2d):
        if pose2d_weights is None:
            raise ValueError(f'{pose2d}: a config needs its weights (pose2d_weights / --weights)')
        config, weights, info = pose2d, pose2d_weights, {}
    else:
        raise ValueError(f'{pose2d!r} is neither a model name ({", ".join(model_names())}) nor a config file')
    if weights.startswith(('http://', 'https://')):
        weights = fetch_checkpoint(weights, cache_dir)
    return config, weights, info


def _list_inputs(inputs) -> list:
    """Flatten to a list of ``('image', path)``, ``('array', array)`` and ``('video', path)``."""
    if isinstance(inputs, np.ndarray):
        return [('array', inputs)]
    if isinstance(inputs, (list, tuple)):
        return [item for value in inputs for item in _list_inputs(value)]
    path = str(inputs)
    if osp.isdir(path):
        files = sorted(osp.join(path, name) for name in os.listdir(path) if name.lower().endswith(IMAGE_EXTENSIONS))
        if not files:
            raise FileNotFoundError(f'{path}: no images ({", ".join(IMAGE_EXTENSIONS)}) in this folder')
        return [('image', name) for name in files]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: input not found (an image, a folder of images or a video)')
    return [('video' if path.lower().endswith(VIDEO_EXTENSIONS) else 'image', path)]


def _frames(items):
    """Yield ``(name, image_bgr, video_path or None, frame index)`` for every image and video frame."""
    for index, (kind, value) in enumerate(items):
        if kind == 'array':
            yield f'{index:08d}.jpg', np.ascontiguousarray(value), None, 0
        elif kind == 'image':
            yield osp.basename(value), read_image_bgr(value), None, 0
        else:
            capture = cv2.VideoCapture(value)
            if not capture.isOpened():
                raise OSError(f'{value}: cannot open video (missing codec or unreadable file)')
            frame_index = 0
            try:
                while True:
                    ok, frame = capture.read()
                    if not ok:
                        break
                    yield osp.basename(value), frame, value, frame_index
                    frame_index += 1
            finally:
                capture.release()
            if frame_index == 0:
                raise OSError(f'{value}: no frame could be read')


class FaceLandmarkInferencer:
    """Faces found, 98 landmarks predicted, drawn and saved: mmpose's ``MMPoseInferencer`` for faces.

    Args:
        pose2d: model name or config path (module docstring).
        pose2d_weights: checkpoint path or URL; for a name, replaces its released weights.
        device: ``'cpu'``, ``'cuda:0'``...; ``None`` = CUDA when available.
        det_model: ``'centerface'`` (default), ``'dlib-cnn'``, ``'hog'``, or a
            callable ``image_bgr -> (boxes (N, 4) xyxy, scores (N,))``.
        det_score_thr, det_upsample, min_face_size: the detector's threshold,
            upsampling (``None`` keeps its defaults) and smallest face (pixels).
        cache_dir: where released checkpoints are kept (default: torch hub's).
        show_progress: a progress bar over the inputs.
    """

    def __init__(self, pose2d: str = 'wflw', pose2d_weights: str = None, device: str = None,
                 det_model=DEFAULT_FACE_DETECTOR, det_score_thr: float = None, det_upsample: float = None,
                 min_face_size: float = DEFAULT_MIN_FACE_SIZE, cache_dir: str = None,
                 show_progress: bool = False):
        config, weights, info = resolve_model(str(pose2d), pose2d_weights, cache_dir)
        device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        self.model = init_model(config, weights, device=device)
        self.model_name, self.weights = str(pose2d), weights
        self.trained_on = trained_on(self.model.checkpoint_meta) or info
        self.detector = det_model if callable(det_model) else build_face_detector(
            det_model, det_score_thr, det_upsample, min_face_size)
        self.show_progress = show_progress
        self._visualizer = None
        self._warned = False

    @property
    def is_synthetic(self) -> bool:
        return bool(self.trained_on.get('synthetic'))

    def warn_if_synthetic(self) -> None:
        """Warn once per inferencer when its model learnt from synthetic faces."""
        if self.is_synthetic and not self._warned:
            self._warned = True
            warnings.warn(synthetic_model_message(self.model_name, self.trained_on.get('dataset', 'a synthetic set')),
                          SyntheticModelWarning, stacklevel=3)

    def predict(self, image_bgr: np.ndarray, bboxes=None, bbox_thr: float = None):
        """``(boxes (N, 4) xyxy, box scores (N,), data samples)`` for one image."""
        if bboxes is None:
            boxes, scores = self.detector(image_bgr)
        else:
            boxes = clip_boxes(np.asarray(bboxes, np.float32).reshape(-1, 4), image_bgr.shape)
            scores = np.ones(len(boxes), np.float32)
        if bbox_thr is not None:
            keep = scores >= bbox_thr
            boxes, scores = boxes[keep], scores[keep]
        samples = inference_topdown(self.model, image_bgr, boxes) if len(boxes) else []
        return boxes, scores, samples

    def _draw(self, image_bgr, boxes, samples, draw_bbox, radius, thickness) -> np.ndarray:
        from mmpose_face.visualization import PoseLocalVisualizer
        if self._visualizer is None:
            self._visualizer = PoseLocalVisualizer(name=f'face_landmark_inferencer_{id(self)}')
        options = dict(draw_bbox=draw_bbox)
        if radius is not None:
            options['radius'] = radius
        if thickness is not None:
            options['line_width'] = thickness
        for key, value in options.items():
            setattr(self._visualizer, key, value)
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        for box, sample in zip(boxes, samples):
            self._visualizer.draw_face(rgb, sample.pred_instances.keypoints[0], self._visualizer.pred_color,
                                       bbox=box)
        return np.ascontiguousarray(rgb[..., ::-1])

    def __call__(self, inputs, return_datasamples: bool = False, batch_size: int = 1, out_dir: str = None,
                 bboxes=None, bbox_thr: float = None, show: bool = False, wait_time: float = 0,
                 draw_bbox: bool = True, radius: int = None, thickness: int = None, return_vis: bool = False,
                 vis_out_dir: str = '', pred_out_dir: str = ''):
        """Yield ``{'predictions': [per input: [per face: {'keypoints', 'keypoint_scores',
        'bbox', 'bbox_score'}]], 'visualization': [BGR images]}`` for every ``batch_size`` inputs.

        Arguments as mmpose's inferencer: ``out_dir`` sets ``vis_out_dir =
        out_dir/visualizations`` and ``pred_out_dir = out_dir/predictions``
        (one annotated image / mp4 and one JSON per input); ``bboxes``
        ((N, 4) xyxy pixels) replaces the detector (for a single input);
        ``bbox_thr`` drops detections with a lower score; ``return_vis``
        returns the drawn images; ``return_datasamples`` returns
        :class:`PoseDataSample` lists instead of dicts; ``show`` opens a window.
        Coordinates are image pixels.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if out_dir:
            vis_out_dir = vis_out_dir or osp.join(out_dir, 'visualizations')
            pred_out_dir = pred_out_dir or osp.join(out_dir, 'predictions')
        for folder in (vis_out_dir, pred_out_dir):
            if folder:
                os.makedirs(folder, exist_ok=True)
        self.warn_if_synthetic()
        items = _list_inputs(inputs)
        frames = _frames(items)
        if self.show_progress:
            from tqdm import tqdm
            frames = tqdm(frames, desc='inference', unit='image')
        videos, batch = {}, dict(predictions=[], visualization=[])
        try:
            for name, image, video, frame_index in frames:
                boxes, scores, samples = self.predict(image, bboxes, bbox_thr)
                instances = [dict(keypoints=s.pred_instances.keypoints[0].tolist(),
                                  keypoint_scores=np.asarray(s.pred_instances.get(
                                      'keypoint_scores', np.ones((1, s.pred_instances.keypoints.shape[1]))))[0]
                                  .tolist(),
                                  bbox=[float(v) for v in box], bbox_score=float(score))
                             for box, score, s in zip(boxes, scores, samples)]
                drawn = None
                if vis_out_dir or return_vis or show:
                    drawn = self._draw(image, boxes, samples, draw_bbox, radius, thickness)
                if show:
                    cv2.imshow('face landmarks', drawn)
                    cv2.waitKey(max(1, int(wait_time * 1000)))
                if video is None:
                    if vis_out_dir:
                        from mmpose_face.visualization import write_image_bgr
                        write_image_bgr(osp.join(vis_out_dir, name), drawn)
                    if pred_out_dir:
                        with open(osp.join(pred_out_dir, osp.splitext(name)[0] + '.json'), 'w') as f:
                            json.dump(instances, f)
                else:
                    self._add_video_frame(videos, video, image, drawn, instances, frame_index, vis_out_dir)
                batch['predictions'].append(samples if return_datasamples else instances)
                if return_vis:
                    batch['visualization'].append(drawn)
                if len(batch['predictions']) == batch_size:
                    yield batch
                    batch = dict(predictions=[], visualization=[])
            if batch['predictions']:
                yield batch
        finally:
            self._finish_videos(videos, pred_out_dir)

    @staticmethod
    def _add_video_frame(videos, video, image, drawn, instances, frame_index, vis_out_dir) -> None:
        state = videos.get(video)
        if state is None:
            capture = cv2.VideoCapture(video)
            fps = capture.get(cv2.CAP_PROP_FPS) or 25.
            capture.release()
            writer = None
            if vis_out_dir:
                out = osp.join(vis_out_dir, osp.splitext(osp.basename(video))[0] + '.mp4')
                writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'), fps, (image.shape[1], image.shape[0]))
                if not writer.isOpened():
                    raise OSError(f'{out}: cannot write video (mp4v codec unavailable?)')
            state = videos[video] = dict(writer=writer, frames=[])
        if state['writer'] is not None:
            state['writer'].write(drawn)
        state['frames'].append(dict(frame_id=frame_index, instances=instances))

    @staticmethod
    def _finish_videos(videos, pred_out_dir) -> None:
        for video, state in videos.items():
            if state['writer'] is not None:
                state['writer'].release()
            if pred_out_dir:
                with open(osp.join(pred_out_dir, osp.splitext(osp.basename(video))[0] + '.json'), 'w') as f:
                    json.dump(state['frames'], f)
