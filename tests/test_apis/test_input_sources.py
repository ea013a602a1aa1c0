"""What inference reads: files, folders, arrays, videos, webcams, and names that cannot be printed."""
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmpose_face.apis.input_sources import list_inputs, printable_path, read_frames

CROWD = 'tests/data/7_Cheering_Cheering_7_16.jpg'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'


def test_files_folders_arrays_and_webcams():
    sources = list_inputs('tests/data')
    assert [s.kind for s in sources] == ['image', 'image']
    assert [s.name for s in sources] == [osp.basename(FOOTBALL), osp.basename(CROWD)]  # sorted
    array = np.zeros((4, 6, 3), np.uint8)
    sources = list_inputs([FOOTBALL, array, 'tests/data'])
    assert [s.kind for s in sources] == ['image', 'array', 'image', 'image']
    assert sources[1].name == '00000001.jpg' and sources[1].path is None and str(sources[1]) == 'array 00000001.jpg'
    [webcam] = list_inputs('0', webcam=True)
    assert (webcam.kind, webcam.value, webcam.name, str(webcam)) == ('webcam', 0, 'webcam_0', 'webcam 0')
    with pytest.raises(FileNotFoundError, match='0: input not found'):
        list_inputs('0')  # the inferencer reads no webcams
    frames = list(read_frames(sources[1]))
    assert len(frames) == 1 and (frames[0].image == array).all()


def test_every_frame_of_a_video_and_at_most_max_frames(tmp_path):
    video = tmp_path / 'pan.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5, (64, 48))
    for i in range(4):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    [source] = list_inputs(str(video))
    assert source.kind == 'video' and source.is_video
    frames = list(read_frames(source))
    assert [f.index for f in frames] == [0, 1, 2, 3] and frames[0].fps == 5
    assert len(list(read_frames(source, max_frames=2))) == 2
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\x00' * 100)
    with pytest.raises(OSError, match='broken.mp4: cannot open video'):
        list(read_frames(list_inputs(str(broken))[0]))


def test_a_file_name_that_is_not_utf8_is_refused_naming_it(tmp_path):
    folder = tmp_path / 'photos'
    folder.mkdir()
    shutil.copy(FOOTBALL, folder / 'ok.jpg')
    bad = osp.join(str(folder).encode(), b'caf\xe9.jpg')  # Latin-1: a lone surrogate in the str name
    shutil.copy(FOOTBALL, bad)
    with pytest.raises(ValueError, match=r'caf\\xe9.jpg: the file name is not valid UTF-8; rename the file'):
        list_inputs(str(folder))
    with pytest.raises(ValueError, match=r'caf\\xe9.jpg: the file name is not valid UTF-8'):
        list_inputs(bad.decode('utf-8', 'surrogateescape'))
    assert printable_path('a\udce9.jpg') == 'a\\xe9.jpg'
