"""What inference writes: JSON of faces, annotated pictures and videos, under names that never
replace an input or each other.

Every file is written all-or-nothing: JSON and pictures through
:func:`mmpose_face.fileio.write_atomically`, a video into a hidden temporary
file beside its target that is renamed when the video is complete.
"""
import json
import os
import os.path as osp
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

from mmpose_face.fileio import write_atomically
from mmpose_face.visualization.pose_local_visualizer import write_image_bgr
from .input_sources import printable_path


def faces_to_json(boxes, scores, keypoints, keypoint_scores=None) -> list:
    """The demo's faces: one dict per face, ``bbox`` [x1, y1, x2, y2], ``score``, ``keypoints``
    K x [x, y] (pixels) and, when the model gives them, ``keypoint_scores`` K confidences."""
    faces = [dict(bbox=[round(float(v), 2) for v in box], score=round(float(score), 4),
                  keypoints=np.round(np.asarray(points, np.float64), 2).tolist())
             for box, score, points in zip(boxes, scores, keypoints)]
    for face, confidences in zip(faces, [] if keypoint_scores is None else keypoint_scores):
        face['keypoint_scores'] = np.round(np.asarray(confidences, np.float64), 4).tolist()
    return faces


def instances_to_json(boxes, scores, keypoints, keypoint_scores=None) -> list:
    """The inferencer's faces, as mmpose's inferencer writes them: one dict per face,
    ``keypoints`` K x [x, y] pixels, ``keypoint_scores`` K (1.0 without scores),
    ``bbox`` [x1, y1, x2, y2], ``bbox_score``."""
    if len(boxes) == 0:
        return []
    keypoints = np.asarray(keypoints, np.float64).reshape(len(boxes), -1, 2)
    if keypoint_scores is None:
        keypoint_scores = np.ones(keypoints.shape[:2])
    return [dict(keypoints=points.tolist(), keypoint_scores=np.asarray(confidences, np.float64).tolist(),
                 bbox=[float(v) for v in box], bbox_score=float(score))
            for box, score, points, confidences in zip(boxes, scores, keypoints, keypoint_scores)]


def write_json(path: str, content) -> None:
    """``content`` as JSON at ``path``, completely or not at all."""
    write_atomically(json.dumps(content).encode('utf-8'), path)


def face_lines(file: str, frame_index: int, instances: list) -> list:
    """The JSON Lines records of one image or video frame: one per face,
    ``{"file", "frame", "face" (index in the image), "num_faces", **instance}``
    (the instance's ``bbox``, ``bbox_score``, ``keypoints``, ``keypoint_scores``,
    as :func:`instances_to_json`); an image without faces is one record with
    ``"face": null`` and ``"num_faces": 0``, so that every input is listed."""
    if not instances:
        return [dict(file=file, frame=frame_index, face=None, num_faces=0)]
    return [dict(file=file, frame=frame_index, face=index, num_faces=len(instances), **instance)
            for index, instance in enumerate(instances)]


class JsonLinesOutput:
    """One JSON Lines file for a whole run (:func:`face_lines` records), written by
    :meth:`close` in one all-or-nothing write (:func:`~mmpose_face.fileio.write_atomically`):
    an interrupted run leaves the previous file, or none, never half of one."""

    def __init__(self, path: str):
        self.path, self.records = path, []

    def add(self, file: str, frame_index: int, instances: list) -> None:
        self.records += face_lines(file, frame_index, instances)

    def close(self) -> None:
        text = ''.join(json.dumps(record) + '\n' for record in self.records)
        write_atomically(text.encode('utf-8'), self.path)


@dataclass
class OutputPaths:
    """Where one input's results go: ``picture`` (annotated image or mp4) and ``json``; ``None`` = not written."""
    picture: str = None
    json: str = None


def output_keys(sources) -> dict:
    """``{source: name stem of its outputs}``: the input's stem (``a`` for ``a.jpg``),
    or its whole file name (``a.jpg``) when another input has the same stem
    (``a.png``, ``a.mp4``), so that no two inputs write the same file. Two inputs
    with the same file name (from two folders) are refused, naming both."""
    by_name = {}
    for source in sources:
        if source.name in by_name:
            raise ValueError(f'{printable_path(by_name[source.name])} and {printable_path(source)}: two inputs '
                             'with the same file name would write the same outputs; rename one or run them '
                             'separately')
        by_name[source.name] = source
    stems = Counter(osp.splitext(source.name)[0] for source in sources)
    return {source: osp.splitext(source.name)[0] if stems[osp.splitext(source.name)[0]] == 1 else source.name
            for source in sources}


def _identity(path: str):
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def refuse_overwriting_inputs(outputs, inputs) -> None:
    """:class:`ValueError` naming the first output path that is (or links to) one of the input files."""
    real_inputs, identities = {}, {}
    for path in inputs:
        real_inputs[osp.realpath(path)] = path
        if osp.exists(path):
            identities[_identity(path)] = path
    for output in outputs:
        same = real_inputs.get(osp.realpath(output))
        if same is None and osp.exists(output):
            same = identities.get(_identity(output))
        if same is not None:
            raise ValueError(f'{printable_path(output)}: this output would overwrite the input '
                             f'{printable_path(same)}; choose another output folder (--out-dir)')


def plan_outputs(sources, picture_dir: str = None, json_dir: str = None, other_inputs=()) -> dict:
    """``{source: OutputPaths}``: pictures in ``picture_dir`` (an image keeps its
    file name; a video or webcam becomes ``<key>.mp4``), JSON in ``json_dir``
    as ``<key>.json`` (keys: :func:`output_keys`). Refuses, before anything is
    written, any output that would replace an input (the sources' files and
    ``other_inputs``, e.g. a box file). With neither folder nothing is written
    and nothing is checked."""
    if not (picture_dir or json_dir):
        return {source: OutputPaths() for source in sources}
    keys = output_keys(sources)
    plan = {}
    for source in sources:
        picture_name = keys[source] + '.mp4' if source.is_video else source.name
        plan[source] = OutputPaths(osp.join(picture_dir, picture_name) if picture_dir else None,
                                   osp.join(json_dir, keys[source] + '.json') if json_dir else None)
    writers = {}
    for source, paths in plan.items():
        for path in (paths.picture, paths.json):
            if path in writers:  # e.g. a.jpg, a.png and a.jpg.png: keys a.jpg, a.png, a.jpg
                raise ValueError(f'{printable_path(writers[path])} and {printable_path(source)} would both '
                                 f'write {printable_path(path)}; rename one or run them separately')
            if path:
                writers[path] = source
    outputs = list(writers)
    refuse_overwriting_inputs(outputs, [s.path for s in sources if s.path] + [p for p in other_inputs if p])
    return plan


class VideoOutput:
    """An annotated mp4 (mp4v) written to a hidden temporary file beside ``path``
    and renamed to ``path`` by :meth:`close`, so an interrupted run leaves no
    half video under the real name (:meth:`discard` removes it)."""

    def __init__(self, path: str, fps: float, frame_size):
        folder, name = osp.split(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        self.path, self.partial = path, osp.join(folder, f'.{name}.{os.getpid()}.partial.mp4')
        self.writer = cv2.VideoWriter(self.partial, cv2.VideoWriter_fourcc(*'mp4v'), fps, tuple(frame_size))
        if not self.writer.isOpened():
            self.discard()
            raise OSError(f'{path}: cannot write video (mp4v codec unavailable?)')

    def write(self, image_bgr: np.ndarray) -> None:
        self.writer.write(image_bgr)

    def close(self) -> None:
        self.writer.release()
        os.replace(self.partial, self.path)

    def discard(self) -> None:
        self.writer.release()
        if osp.exists(self.partial):
            os.remove(self.partial)


class ResultWriter:
    """Writes each input's picture and JSON as its frames come, to the paths of :func:`plan_outputs`.

    Args:
        plan: ``{source: OutputPaths}``.
        image_json: ``(frame, faces) -> content`` of an image's JSON.
        video_json: ``(first frame, [(frame index, faces), ...]) -> content`` of a video's JSON.

    Call :meth:`add` per frame (``drawn`` may be ``None`` when no picture is
    written), :meth:`finish` after the last frame of each video, and
    :meth:`discard` when the run fails (the unfinished video is removed).
    """

    def __init__(self, plan: dict, image_json, video_json):
        self.plan, self.image_json, self.video_json = plan, image_json, video_json
        self._video, self._first_frame, self._frame_faces = None, None, []

    def add(self, frame, drawn, faces) -> None:
        paths = self.plan[frame.source]
        if self._first_frame is not None and self._first_frame.source is not frame.source:
            self.finish()
        if not frame.source.is_video:
            if paths.picture and drawn is not None:
                write_image_bgr(paths.picture, drawn)
            if paths.json:
                write_json(paths.json, self.image_json(frame, faces))
            return
        if self._first_frame is None:
            self._first_frame, self._frame_faces = frame, []
        if paths.picture and drawn is not None:
            if self._video is None:
                self._video = VideoOutput(paths.picture, frame.fps, (frame.image.shape[1], frame.image.shape[0]))
            self._video.write(drawn)
        self._frame_faces.append((frame.index, faces))

    def finish(self) -> None:
        """Complete the current video: its mp4 under the real name, then its JSON."""
        if self._first_frame is None:
            return
        if self._video is not None:
            self._video.close()
        paths = self.plan[self._first_frame.source]
        if paths.json:
            write_json(paths.json, self.video_json(self._first_frame, self._frame_faces))
        self._video, self._first_frame, self._frame_faces = None, None, []

    def discard(self) -> None:
        """Drop the unfinished video (its temporary file); what is complete stays."""
        if self._video is not None:
            self._video.discard()
        self._video, self._first_frame, self._frame_faces = None, None, []
