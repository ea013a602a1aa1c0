"""One-line face landmarks in mmpose 1.x's inferencer style.

    from mmpose_face.apis.inferencer import FaceLandmarkInferencer
    results = FaceLandmarkInferencer('wflw')('photo.jpg', out_dir='out')  # written to out/ at once
    for result in FaceLandmarkInferencer('wflw')('photos/'):              # lazily, one result at a time
        faces = result['predictions'][0]

``pose2d`` is a model name (:mod:`mmpose_face.apis.model_aliases`: ``wflw``,
``deeppose-softwing-wflw``, mmpose's model-zoo names, ``demo``) or a config
file with ``pose2d_weights`` (local path or URL). Faces are found by an
offline detector (:mod:`mmpose_face.apis.face_detector`) unless ``bboxes``
are given. Inputs: an image path, an (H, W, 3) BGR array, a folder, a video
file, or a list of those; each call gives one result per ``batch_size``
inputs (video frames count as inputs), the faces of those inputs run through
the network in one call. ``bboxes`` gives your own boxes (one array for one
input, or a list with one per input; ``bbox_format`` ``'xyxy'`` or
``'xywh'``), ``jsonl`` writes one JSON Lines file of every face. A call that
writes files (``out_dir``, ``vis_out_dir``, ``pred_out_dir``, ``jsonl``) or
shows them does all its work before it returns; without those the results
are computed as they are taken, as in mmpose. Inputs come from :mod:`~mmpose_face.apis.input_sources`,
predictions from the prediction core (:mod:`~mmpose_face.apis.predictor`),
drawing from :mod:`~mmpose_face.visualization.face_drawing` (as the demo
draws), files from :mod:`~mmpose_face.apis.landmark_outputs`.
"""
import os
import os.path as osp

import cv2
import numpy as np
import torch

from mmpose_face.engine.hooks.training_data_record_hook import trained_on
from mmpose_face.visualization.face_drawing import draw_faces, face_visualizer
from .face_detector import DEFAULT_FACE_DETECTOR, DEFAULT_MIN_FACE_SIZE, build_face_detector
from .face_tracking import DEFAULT_DETECT_EVERY
from .given_boxes import boxes_per_input, check_boxes_inside, check_face_boxes
from .head_pose import pose_to_json
from .inference import init_model
from .input_sources import list_inputs, printable_path, read_frames
from .landmark_outputs import (JsonLinesOutput, ResultWriter, instances_to_json, plan_outputs,
                               refuse_overwriting_inputs)
from .landmark_smoothing import DEFAULT_BETA, DEFAULT_MIN_CUTOFF
from .model_aliases import REPOSITORY_ROOT, find_model, model_names
from .model_download import fetch_checkpoint
from .predictor import build_predictor
from .synthetic_model import SyntheticModelWarning, synthetic_model_message, warn_if_synthetic  # noqa: F401 (API)
from .video_faces import add_tracks_and_poses, draw_head_poses, estimate_poses, frame_interval, video_tracker


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
        backend: ``'onnxruntime'`` (default: the fastest exact path; the
            checkpoint's export is made once and cached, see
            :mod:`~mmpose_face.apis.onnx_cache`) or ``'torch'`` (the published
            path, the model's own ``test_step`` as mmpose's ``inference_topdown``).
            Both give the same keypoints to 0.01 px.
        flip_test: average in the mirrored crop; ``None`` = as the model's
            ``test_cfg.flip_test``. ``False`` halves the network's work
            (its cost in NME: docs/inference.md).
        onnx_cache_dir: where the export goes when the checkpoint's folder is not writable.
        num_threads: onnxruntime threads (0: its default).
    """

    def __init__(self, pose2d: str = 'wflw', pose2d_weights: str = None, device: str = None,
                 det_model=DEFAULT_FACE_DETECTOR, det_score_thr: float = None, det_upsample: float = None,
                 min_face_size: float = DEFAULT_MIN_FACE_SIZE, cache_dir: str = None,
                 show_progress: bool = False, backend: str = 'onnxruntime', flip_test: bool = None,
                 onnx_cache_dir: str = None, num_threads: int = 0):
        config, weights, info = resolve_model(str(pose2d), pose2d_weights, cache_dir)
        if backend == 'onnxruntime':
            device = 'cpu'
        device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        self.model = init_model(config, weights, device=device)
        self.predictor = build_predictor(self.model, weights, backend, flip_test, onnx_cache_dir, num_threads)
        self.model_name, self.weights = str(pose2d), weights
        self.trained_on = trained_on(self.model.checkpoint_meta) or info
        self.detector = det_model if callable(det_model) else build_face_detector(
            det_model, det_score_thr, det_upsample, min_face_size)
        self.show_progress = show_progress
        self._warned = False

    @property
    def is_synthetic(self) -> bool:
        return bool(self.trained_on.get('synthetic'))

    def warn_if_synthetic(self) -> None:
        """Warn once per inferencer when its model learnt from synthetic faces."""
        if not self._warned:
            self._warned = warn_if_synthetic(self.model_name, self.trained_on, stacklevel=4)

    def predict(self, image_bgr: np.ndarray, bboxes=None, bbox_thr: float = None, bbox_format: str = 'xyxy'):
        """``(boxes (N, 4) xyxy, box scores (N,), data samples)`` for one image;
        ``bboxes`` (N, 4) in ``bbox_format`` replaces the detector."""
        given = None if bboxes is None else check_face_boxes(bboxes, 'bboxes', bbox_format)
        boxes, scores = self._boxes(image_bgr, given, bbox_thr, 'bboxes')
        return boxes, scores, self.predictor.predict(image_bgr, boxes).data_samples

    def _boxes(self, image_bgr, given, bbox_thr, where):
        """(boxes (N, 4) xyxy, scores (N,)) of one image: the detector's, or the
        ``given`` checked boxes; ``bbox_thr`` drops those with a lower score."""
        if given is None:
            boxes, scores = self.detector(image_bgr)
        else:
            boxes, scores = given
            check_boxes_inside(boxes, image_bgr.shape, where)
        if bbox_thr is not None:
            keep = scores >= bbox_thr
            boxes, scores = boxes[keep], scores[keep]
        return boxes, scores

    def __call__(self, inputs, return_datasamples: bool = False, batch_size: int = 1, out_dir: str = None,
                 bboxes=None, bbox_thr: float = None, show: bool = False, wait_time: float = 0,
                 draw_bbox: bool = True, radius: int = None, thickness: int = None, return_vis: bool = False,
                 vis_out_dir: str = '', pred_out_dir: str = '', bbox_format: str = 'xyxy', jsonl: str = None,
                 smooth: bool = None, min_cutoff: float = DEFAULT_MIN_CUTOFF, beta: float = DEFAULT_BETA,
                 detect_every: int = DEFAULT_DETECT_EVERY, draw_pose: bool = False):
        """Results ``{'predictions': [per input: [per face: {'keypoints', 'keypoint_scores',
        'bbox', 'bbox_score'}]], 'visualization': [BGR images]}``, one per ``batch_size`` inputs.

        Arguments as mmpose's inferencer: ``out_dir`` sets ``vis_out_dir =
        out_dir/visualizations`` and ``pred_out_dir = out_dir/predictions``
        (one annotated image / mp4 and one JSON per input; inputs that share
        a stem keep their extension: ``a.jpg.json``, ``a.png.json``);
        ``bbox_thr`` drops boxes with a lower score; ``return_vis`` returns
        the drawn images; ``return_datasamples`` returns :class:`PoseDataSample`
        lists instead of dicts; ``show`` opens a window. Coordinates are image pixels.

        ``batch_size`` inputs (images or video frames) make one result, and
        all their faces go through the network in one call. ``bboxes``
        replaces the detector: one (N, 4) array for one input, or a list with
        one per input (:mod:`~mmpose_face.apis.given_boxes`), in
        ``bbox_format`` ``'xyxy'`` or ``'xywh'``. ``jsonl``: a JSON Lines file
        with one line per face of every input
        (:func:`~mmpose_face.apis.landmark_outputs.face_lines`), written when
        the last input is done, all or nothing.

        Each face also has ``head_pose`` ``{'yaw', 'pitch', 'roll'}`` degrees
        (68- and 98-point models; ``draw_pose`` draws its axes). On a video
        whose faces the detector finds, faces are tracked (``track_id``; the
        detector every ``detect_every`` frames or when a track is lost) and
        their landmarks smoothed per track by a One-Euro filter unless
        ``smooth=False`` (``min_cutoff`` Hz, ``beta``); images are never smoothed.

        Returns an iterator over the results. When the call writes files
        (``out_dir``, ``vis_out_dir``, ``pred_out_dir``, ``jsonl``) or shows
        them, every input is done before it returns (the iterator then holds
        the finished results); otherwise each result is computed when it is taken.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if out_dir:
            vis_out_dir = vis_out_dir or osp.join(out_dir, 'visualizations')
            pred_out_dir = pred_out_dir or osp.join(out_dir, 'predictions')
        sources = list_inputs(inputs)
        given = boxes_per_input(bboxes, [printable_path(str(source)) for source in sources], bbox_format)
        writes = bool(vis_out_dir or pred_out_dir or jsonl)
        plan = plan_outputs(sources, vis_out_dir or None, pred_out_dir or None)
        if jsonl:
            refuse_overwriting_inputs([jsonl], [source.path for source in sources if source.path])
        for folder in (vis_out_dir, pred_out_dir):
            if folder:
                os.makedirs(folder, exist_ok=True)
        self.warn_if_synthetic()
        video_tracker(None, None, smooth, min_cutoff, beta, detect_every)  # bad settings end here, at the call
        video = dict(smooth=smooth, min_cutoff=min_cutoff, beta=beta, detect_every=detect_every,
                     draw_pose=draw_pose)
        given = None if given is None else dict(zip(sources, given))
        results = self._results(sources, plan, return_datasamples, batch_size, given, bbox_thr, show,
                                wait_time, draw_bbox, radius, thickness, return_vis, bool(vis_out_dir), video,
                                JsonLinesOutput(jsonl) if jsonl else None)
        if writes or show:
            return iter(list(results))
        return results

    def _predicted_frames(self, frames, batch_size, given, bbox_thr, video):
        """``(frame, boxes, scores, keypoints, keypoint_scores, data samples, track ids or None)`` per
        frame, in order. Images, and the frames of videos with given boxes, go in groups of
        ``batch_size`` frames (all their faces in one backend call); the frames of a video whose
        faces are detected go one by one through that video's tracker (each frame's boxes come
        from the last one's landmarks)."""
        group, tracker, tracked_source = [], None, None
        for frame in frames:
            if frame.source.is_video and given is None:
                yield from self._predict_group(group)
                group = []
                if frame.source is not tracked_source:
                    tracker, tracked_source = self._tracker(bbox_thr, video), frame.source  # one per video
                tracked = tracker.update(frame.image, frame_interval(frame.fps))
                samples = tracked.data_samples or []
                for sample, points, track_id in zip(samples, tracked.keypoints, tracked.track_ids):
                    sample.pred_instances.keypoints = points[None]  # smoothed
                    sample.set_metainfo(dict(track_id=int(track_id)))
                yield (frame, tracked.boxes, tracked.scores, tracked.keypoints, tracked.keypoint_scores,
                       samples, tracked.track_ids)
                continue
            where = f'bboxes ({printable_path(str(frame.source))})'
            boxes, scores = self._boxes(frame.image, None if given is None else given[frame.source], bbox_thr,
                                        where)
            group.append((frame, boxes, scores))
            if len(group) == batch_size:
                yield from self._predict_group(group)
                group = []
        yield from self._predict_group(group)

    def _predict_group(self, group):
        """The frames of ``group`` ``[(frame, boxes, scores)]`` in one backend call."""
        if not group:
            return
        landmarks = self.predictor.predict_images([frame.image for frame, _, _ in group],
                                                  [boxes for _, boxes, _ in group])
        for (frame, boxes, scores), faces in zip(group, landmarks):
            yield frame, boxes, scores, faces.keypoints, faces.keypoint_scores, faces.data_samples, None

    def _results(self, sources, plan, return_datasamples, batch_size, given, bbox_thr, show, wait_time,
                 draw_bbox, radius, thickness, return_vis, write_pictures, video, jsonl_output=None):
        visualizer = face_visualizer(self.predictor.dataset_meta, draw_bbox=draw_bbox, radius=radius,
                                     line_width=thickness)
        frames = (frame for source in sources for frame in read_frames(source))
        if self.show_progress:
            from tqdm import tqdm
            frames = tqdm(frames, desc='inference', unit='image')
        writer = ResultWriter(plan, lambda frame, faces: faces,
                              lambda first, frame_faces: [dict(frame_id=index, instances=faces)
                                                          for index, faces in frame_faces])
        batch = dict(predictions=[], visualization=[])
        try:
            for frame, boxes, scores, keypoints, keypoint_scores, samples, track_ids in self._predicted_frames(
                    frames, batch_size, given, bbox_thr, video):
                poses = estimate_poses(keypoints, frame.image)
                for sample, pose in zip(samples, poses):
                    if pose is not None:
                        sample.set_metainfo(dict(head_pose=pose_to_json(pose)))
                instances = add_tracks_and_poses(instances_to_json(boxes, scores, keypoints, keypoint_scores),
                                                 track_ids, poses)
                drawn = None
                if write_pictures or return_vis or show:
                    drawn = draw_faces(visualizer, frame.image, boxes, keypoints, keypoint_scores)
                    if video['draw_pose']:
                        draw_head_poses(drawn, poses)
                if show:
                    cv2.imshow('face landmarks', drawn)
                    cv2.waitKey(max(1, int(wait_time * 1000)))
                writer.add(frame, drawn, instances)
                if jsonl_output is not None:
                    jsonl_output.add(frame.source.path or frame.source.name, frame.index, instances)
                batch['predictions'].append(samples if return_datasamples else instances)
                if return_vis:
                    batch['visualization'].append(drawn)
                if len(batch['predictions']) == batch_size:
                    yield batch
                    batch = dict(predictions=[], visualization=[])
            writer.finish()
            if jsonl_output is not None:
                jsonl_output.close()
            if batch['predictions']:
                yield batch
        except BaseException:
            writer.discard()
            raise

    def _tracker(self, bbox_thr, video):
        """The tracker of one video: this inferencer's detector (``bbox_thr`` applied) and predictor."""
        def detect(image_bgr):
            boxes, scores = self.detector(image_bgr)
            keep = scores >= bbox_thr if bbox_thr is not None else slice(None)
            return boxes[keep], scores[keep]

        def predict(image_bgr, boxes):
            landmarks = self.predictor.predict(image_bgr, boxes)
            return landmarks.keypoints, landmarks.keypoint_scores, landmarks.data_samples
        return video_tracker(detect, predict, video['smooth'], video['min_cutoff'], video['beta'],
                             video['detect_every'])
