"""The face tracker on a scripted scene: faces at known positions per frame, a detector that
counts its calls, and a 'model' that finds the face whose centre is nearest to the box."""
import numpy as np
import pytest

from mmpose_face.apis.face_tracking import FaceTracker, box_iou, match_by_iou

LAYOUT = np.stack(np.meshgrid(np.linspace(-40, 40, 7), np.linspace(-50, 50, 14)), -1).reshape(-1, 2)  # (98, 2)
IMAGE = np.zeros((480, 640, 3), np.uint8)


class Scene:
    """``centres[frame]``: (N, 2) face centres; ``low_score[frame]``: faces the model is unsure of."""

    def __init__(self, centres, low_score=None):
        self.centres, self.low_score = centres, low_score or {}
        self.frame, self.detections, self.predicted_boxes = 0, [], []

    def detect(self, image):
        self.detections.append(self.frame)
        centres = np.asarray(self.centres[self.frame], np.float64).reshape(-1, 2)
        visible = [(c[0] > 0) & (c[0] < 640) for c in centres]
        centres = centres[visible]
        return np.concatenate([centres - [45, 55], centres + [45, 55]], 1), np.full(len(centres), 0.9)

    def predict(self, image, boxes):
        self.predicted_boxes.append(np.array(boxes))
        centres = np.asarray(self.centres[self.frame], np.float64).reshape(-1, 2)
        box_centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        nearest = np.argmin(np.linalg.norm(box_centres[:, None] - centres[None], axis=2), axis=1)
        keypoints = centres[nearest][:, None] + LAYOUT[None]
        scores = np.full(keypoints.shape[:2], 0.9)
        for face in self.low_score.get(self.frame, ()):
            scores[nearest == face] = 0.05
        return keypoints, scores

    def run(self, tracker, frames):
        results = []
        for self.frame in range(frames):
            results.append(tracker.update(IMAGE, 1 / 30))
        return results


def test_iou_and_greedy_matching():
    boxes = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float)
    np.testing.assert_allclose(box_iou(boxes, [[5, 0, 15, 10]]), [[1 / 3], [0]])
    detections = np.array([[21, 0, 31, 10], [1, 0, 11, 10], [100, 100, 110, 110]], float)
    assert sorted(match_by_iou(boxes, detections, 0.3)) == [(0, 1), (1, 0)]


def test_ids_persist_the_detector_runs_every_n_frames_and_boxes_follow_the_face():
    path = [np.array([[200 + 3 * t, 240], [450, 200 - t]]) for t in range(12)]
    scene = Scene(path)
    results = scene.run(FaceTracker(scene.detect, scene.predict, detect_every=5, smooth=False), 12)
    assert scene.detections == [0, 5, 10]
    assert all(list(r.track_ids) == [0, 1] for r in results)
    first_box = scene.predicted_boxes[0][0]
    for t in (3, 4, 6):  # carried from frame t - 1's landmarks with the detector's placement on them
        np.testing.assert_allclose(scene.predicted_boxes[t][0], first_box + 3 * (t - 1) * np.array([1, 0, 1, 0]),
                                   atol=1e-4)
    np.testing.assert_allclose(results[7].keypoints[1], path[7][1] + LAYOUT, atol=1e-4)


def test_a_doubtful_face_is_detected_again_on_the_same_frame():
    scene = Scene([np.array([[300, 240]])] * 6, low_score={3: [0]})
    results = scene.run(FaceTracker(scene.detect, scene.predict, detect_every=100, smooth=False), 6)
    assert scene.detections == [0, 3]
    assert results[3].detected and list(results[3].track_ids) == [0]


def test_a_face_leaving_the_image_ends_its_track_and_a_new_face_gets_a_new_id():
    centres = [np.array([[300, 240], [560 + 40 * t, 240]]) for t in range(5)]
    centres += [np.array([[300, 240], [100, 100]])] * 4
    scene = Scene(centres)
    results = scene.run(FaceTracker(scene.detect, scene.predict, detect_every=4, smooth=False), 9)
    ids = [[int(i) for i in r.track_ids] for r in results]
    # frame 3 carries face 1's box past the border: lost; frame 4 detects again (not waiting for 8)
    assert ids[:4] == [[0, 1]] * 4 and ids[4] == [0] and scene.detections == [0, 4, 8]
    assert ids[5:8] == [[0]] * 3 and ids[8] == [0, 2], ids  # a new face, seen at a detection, is not track 1


def test_smoothing_per_track_restarts_with_a_new_track():
    rng = np.random.default_rng(0)
    centres = [np.array([[300.0, 240.0]])] * 20
    scene = Scene(centres)
    noisy_predict = scene.predict

    def predict(image, boxes):
        keypoints, scores = noisy_predict(image, boxes)
        return keypoints + rng.normal(0, 1.0, keypoints.shape), scores
    tracker = FaceTracker(scene.detect, predict, detect_every=100, smooth=True)
    results = scene.run(tracker, 20)
    raw_error = np.std([r.raw_keypoints[0] - (centres[0][0] + LAYOUT) for r in results[10:]])
    smooth_error = np.std([r.keypoints[0] - (centres[0][0] + LAYOUT) for r in results[10:]])
    assert smooth_error < raw_error / 2
    tracker.reset()  # a new video: new tracks, new filters
    scene.frame = 0
    fresh = tracker.update(IMAGE, 1 / 30)
    assert fresh.track_ids[0] != results[0].track_ids[0]
    np.testing.assert_array_equal(fresh.keypoints, fresh.raw_keypoints)  # nothing carried into the new track


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='detect_every must be >= 1'):
        FaceTracker(None, None, detect_every=0)
    with pytest.raises(ValueError, match='min_cutoff'):
        FaceTracker(None, None, min_cutoff=-1)


def test_per_face_items_of_the_last_prediction_are_returned_with_the_frame():
    """A predict that returns a third item (the inferencer's data samples) gets it back in
    ``TrackedFaces.data_samples``, from the frame's last call when a lost track predicts again."""
    scene = Scene([np.array([[200.0, 240.0]])] * 3, low_score={1: [0]})
    calls = []

    def predict(image, boxes):
        keypoints, scores = scene.predict(image, boxes)
        calls.append([f'frame {scene.frame} call {len(calls)} face {i}' for i in range(len(boxes))])
        return keypoints, scores, calls[-1]
    results = scene.run(FaceTracker(scene.detect, predict, detect_every=100, smooth=False), 3)
    assert [r.data_samples for r in results] == [calls[0], calls[2], calls[3]]  # frame 1 predicted twice
    assert len(calls) == 4 and results[1].detected
    two_items = FaceTracker(scene.detect, scene.predict, smooth=False)
    scene.frame = 0
    assert two_items.update(IMAGE, 1 / 30).data_samples is None
