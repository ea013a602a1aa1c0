"""What the demo and the inferencer add to video frames: track ids and poses in the JSON, pose axes and
the frame rate drawn, the frames-per-second meter, the per-video tracker's defaults, the command-line options."""
import argparse
import time

import cv2
import numpy as np

from mmpose_face.apis.head_pose import MEAN_FACE_68, camera_matrix, head_poses, rotation_from_angles
from mmpose_face.apis.video_faces import (FrameRate, add_tracks_and_poses, add_video_arguments, draw_frame_rate,
                                          draw_head_poses, estimate_poses, video_options, video_tracker)

IMAGE_SIZE = (640, 480)


def posed_face(yaw=20., pitch=-10., roll=5.):
    rotation_vector = cv2.Rodrigues(rotation_from_angles(yaw, pitch, roll))[0]
    points, _ = cv2.projectPoints(MEAN_FACE_68, rotation_vector, np.array([0., 0., 600.]),
                                  camera_matrix(IMAGE_SIZE), None)
    return points.reshape(68, 2)


def test_track_ids_and_poses_go_into_the_json_and_layouts_without_a_3d_face_get_none():
    image = np.zeros((480, 640, 3), np.uint8)
    poses = estimate_poses(posed_face()[None], image)
    faces = add_tracks_and_poses([dict(bbox=[0, 0, 1, 1])], track_ids=np.array([7]), poses=poses)
    assert faces[0]['track_id'] == 7
    assert {k: round(v) for k, v in faces[0]['head_pose'].items()} == dict(yaw=20, pitch=-10, roll=5)
    faces = add_tracks_and_poses([dict(bbox=[0, 0, 1, 1])], None, head_poses(np.zeros((1, 106, 2)), IMAGE_SIZE))
    assert faces == [dict(bbox=[0, 0, 1, 1])], 'no track on a photo; no pose for a 106-point layout'
    assert estimate_poses(np.zeros((0, 98, 2)), image) == []


def test_pose_axes_and_frame_rate_are_drawn():
    image = np.zeros((480, 640, 3), np.uint8)
    drawn = draw_head_poses(image.copy(), estimate_poses(posed_face(0, 0, 0)[None], image))
    red_x, red_y = np.nonzero((drawn[..., 2] > 200) & (drawn[..., 0] < 50))[::-1]
    assert red_x.size and red_x.max() > 340, 'the x axis (red) points to the image right of a frontal face'
    written = draw_frame_rate(image.copy(), 12.3)
    assert written[:40, :120].any() and not written[100:].any(), 'in the top-left corner only'


def test_frame_rate_meter():
    meter = FrameRate(window=3)
    for _ in range(5):
        time.sleep(0.01)
        meter.tick()
    assert 20 < meter.fps < 110 and 20 < meter.mean_fps < 110 and meter.count == 5


def test_video_defaults_and_command_line_options():
    assert video_tracker(None, None).smooth and not video_tracker(None, None, smooth=False).smooth
    parser = argparse.ArgumentParser()
    add_video_arguments(parser)
    assert video_options(parser.parse_args([])) == dict(smooth=None, min_cutoff=0.3, beta=0.1, detect_every=10,
                                                        draw_pose=False)
    options = video_options(parser.parse_args(['--no-smooth', '--min-cutoff', '1', '--beta', '0', '--detect-every',
                                               '3', '--draw-pose']))
    assert options == dict(smooth=False, min_cutoff=1.0, beta=0.0, detect_every=3, draw_pose=True)


def test_frame_interval_from_the_video_rate_or_measured_on_a_webcam():
    from mmpose_face.apis.input_sources import InputSource
    from mmpose_face.apis.video_faces import frame_interval
    assert frame_interval(30.) == 1 / 30 and frame_interval(0) == 1 / 25
    meter = FrameRate()
    meter.tick()
    time.sleep(0.05)
    meter.tick()
    webcam, video = InputSource('webcam', 0, 'webcam_0'), InputSource('video', 'a.mp4', 'a.mp4')
    assert 0.04 < frame_interval(30., webcam, meter) < 0.5
    assert frame_interval(30., video, meter) == 1 / 30
