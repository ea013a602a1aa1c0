"""What inference writes: unique names, never over an input, nothing half-written."""
import json
import os

import cv2
import numpy as np
import pytest

from mmpose_face.apis.input_sources import Frame, list_inputs
from mmpose_face.apis.landmark_outputs import (ResultWriter, VideoOutput, output_keys, plan_outputs,
                                               refuse_overwriting_inputs)


def touch(path, data=b'x'):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def test_inputs_that_share_a_stem_keep_their_extension(tmp_path):
    sources = list_inputs([touch(tmp_path / 'in' / 'a.jpg'), touch(tmp_path / 'in' / 'a.png'),
                           touch(tmp_path / 'in' / 'b.jpg')])
    assert list(output_keys(sources).values()) == ['a.jpg', 'a.png', 'b']
    plan = plan_outputs(sources, str(tmp_path / 'vis'), str(tmp_path / 'pred'))
    jsons = [os.path.basename(plan[s].json) for s in sources]
    assert jsons == ['a.jpg.json', 'a.png.json', 'b.json']
    assert [os.path.basename(plan[s].picture) for s in sources] == ['a.jpg', 'a.png', 'b.jpg']
    video = list_inputs([touch(tmp_path / 'in' / 'c.mp4'), touch(tmp_path / 'in' / 'c.avi')])
    assert [os.path.basename(p.picture) for p in plan_outputs(video, str(tmp_path / 'o')).values()] == [
        'c.mp4.mp4', 'c.avi.mp4']


def test_the_same_file_name_from_two_folders_is_refused(tmp_path):
    sources = list_inputs([touch(tmp_path / 'x' / 'a.jpg'), touch(tmp_path / 'y' / 'a.jpg')])
    with pytest.raises(ValueError, match=r'x/a.jpg and .*y/a.jpg: two inputs with the same file name'):
        output_keys(sources)


def test_no_output_may_be_an_input(tmp_path):
    video = touch(tmp_path / 'holiday.mp4')
    with pytest.raises(ValueError, match='holiday.mp4: this output would overwrite the input'):
        plan_outputs(list_inputs(video), str(tmp_path), str(tmp_path))
    boxes = touch(tmp_path / 'a.json')
    image = touch(tmp_path / 'in' / 'a.jpg')
    with pytest.raises(ValueError, match=r'a.json: this output would overwrite the input .*a.json'):
        plan_outputs(list_inputs(image), str(tmp_path / 'out'), str(tmp_path), other_inputs=[boxes])
    os.link(image, tmp_path / 'link.jpg')  # the same file under another name
    with pytest.raises(ValueError, match='link.jpg: this output would overwrite the input'):
        refuse_overwriting_inputs([str(tmp_path / 'link.jpg')], [image])
    plan_outputs(list_inputs(image), str(tmp_path / 'out'), str(tmp_path / 'out'))  # elsewhere: fine


def test_a_video_is_only_there_when_complete(tmp_path):
    target = tmp_path / 'v.mp4'
    video = VideoOutput(str(target), 5, (32, 24))
    video.write(np.zeros((24, 32, 3), np.uint8))
    assert not target.exists() and len(os.listdir(tmp_path)) == 1  # a hidden temporary file
    video.discard()
    assert os.listdir(tmp_path) == []
    video = VideoOutput(str(target), 5, (32, 24))
    for _ in range(3):
        video.write(np.zeros((24, 32, 3), np.uint8))
    video.close()
    assert os.listdir(tmp_path) == ['v.mp4']
    capture = cv2.VideoCapture(str(target))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    capture.release()


def test_result_writer_writes_images_at_once_and_videos_when_finished(tmp_path):
    [image, video] = list_inputs([touch(tmp_path / 'in' / 'a.jpg'), touch(tmp_path / 'in' / 'a.mp4')])
    plan = plan_outputs([image, video], str(tmp_path / 'out'), str(tmp_path / 'out'))
    writer = ResultWriter(plan, lambda frame, faces: dict(faces=faces),
                          lambda first, frame_faces: dict(fps=first.fps, frames=[i for i, _ in frame_faces]))
    picture = np.zeros((24, 32, 3), np.uint8)
    writer.add(Frame(image, 0, picture), picture, ['face'])
    assert json.loads((tmp_path / 'out' / 'a.jpg.json').read_text()) == dict(faces=['face'])
    assert cv2.imread(str(tmp_path / 'out' / 'a.jpg')).shape == (24, 32, 3)
    for index in range(2):
        writer.add(Frame(video, index, picture, fps=5.), picture, [])
    assert not (tmp_path / 'out' / 'a.mp4.json').exists() and not (tmp_path / 'out' / 'a.mp4.mp4').exists()
    writer.finish()
    assert json.loads((tmp_path / 'out' / 'a.mp4.json').read_text()) == dict(fps=5., frames=[0, 1])
    assert (tmp_path / 'out' / 'a.mp4.mp4').is_file()
    assert sorted(os.listdir(tmp_path / 'out')) == ['a.jpg', 'a.jpg.json', 'a.mp4.json', 'a.mp4.mp4']


def test_nothing_written_nothing_checked(tmp_path):
    sources = list_inputs([touch(tmp_path / 'x' / 'a.jpg'), touch(tmp_path / 'y' / 'a.jpg')])
    plan = plan_outputs(sources)
    assert [(paths.picture, paths.json) for paths in plan.values()] == [(None, None), (None, None)]


def test_names_that_still_collide_are_refused(tmp_path):
    sources = list_inputs([touch(tmp_path / 'a.jpg'), touch(tmp_path / 'a.png'), touch(tmp_path / 'a.jpg.png')])
    with pytest.raises(ValueError, match=r'a.jpg and .*a.jpg.png would both write .*out/a.jpg.json'):
        plan_outputs(sources, str(tmp_path / 'out'), str(tmp_path / 'out'))


def test_demo_json_carries_the_keypoint_scores():
    from mmpose_face.apis.landmark_outputs import faces_to_json
    faces = faces_to_json(np.array([[0, 0, 10, 10]]), np.array([0.9]), np.zeros((1, 3, 2)),
                          np.array([[0.25, 0.5, 0.99999]]))
    assert faces[0]['keypoint_scores'] == [0.25, 0.5, 1.0]
    assert 'keypoint_scores' not in faces_to_json(np.array([[0, 0, 10, 10]]), np.array([0.9]), np.zeros((1, 3, 2)))[0]
