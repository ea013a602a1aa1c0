"""Tests of WFLW's photo and face sizes in the synthetic generator (synthetic/wflw_photo_sizes.py,
``make_synthetic_wflw(sizes='wflw')``)."""
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic import synthetic_wflw_release as release
from mmpose_face.data_preparation.synthetic import wflw_photo_sizes as sizes


def test_face_widths_follow_the_truncated_log_normal():
    widths = sizes.sample_face_widths(np.random.default_rng(0), 4000)
    low, high = sizes.FACE_WIDTH_RANGE
    assert widths.shape == (4000,) and widths.min() >= low and widths.max() <= high
    assert abs(np.median(widths) / sizes.FACE_WIDTH_MEDIAN - 1) < 0.04
    # Truncation at 40 px (1.5 sd below the median) trims the spread a little, never by much.
    assert 0.44 < np.log(widths).std() < sizes.FACE_WIDTH_LOG_SD
    above_median_by_2sd = np.mean(widths > sizes.FACE_WIDTH_MEDIAN * math.exp(2 * sizes.FACE_WIDTH_LOG_SD))
    assert 0.01 < above_median_by_2sd < 0.04       # normal: 2.3 %
    np.testing.assert_array_equal(widths[:50], sizes.sample_face_widths(np.random.default_rng(0), 50))


def test_photo_sizes_are_wider_face_widths_with_the_stated_aspect_mixture():
    rng = np.random.default_rng(1)
    drawn = np.array([sizes.sample_photo_size(rng) for _ in range(3000)])
    assert np.all(drawn[:, 0] == 1024)
    ratios = drawn[:, 0] / drawn[:, 1]
    for ratio, probability in sizes.ASPECT_RATIOS:
        near = np.abs(ratios / ratio - 1) <= sizes.HEIGHT_JITTER * 1.05
        assert abs(near.mean() - probability) < 0.03, ratio
    assert drawn[:, 1].min() >= 1024 * 9 / 16 * 0.97 - 1 and drawn[:, 1].max() <= 1024 * 1.5 * 1.03 + 1


def test_a_wflw_sized_set_has_1024_px_photos_and_wflw_face_sizes(tmp_path):
    summary = release.make_synthetic_wflw(tmp_path / 'a', 40, 2, seed=5, progress=False, sizes='wflw')
    assert summary['sizes'] == 'wflw'
    lines = Path(summary['train_list']).read_text().splitlines()
    landmarks = np.array([[float(v) for v in line.split(' ')[:196]] for line in lines]).reshape(-1, 98, 2)
    widths = np.ptp(landmarks[:, :, 0], axis=1)
    assert len(lines) == 40 and widths.min() >= sizes.FACE_WIDTH_RANGE[0] - 1
    assert 0.7 < np.median(widths) / sizes.FACE_WIDTH_MEDIAN < 1.3
    for path in sorted({line.split(' ')[-1] for line in lines})[:5]:
        height, width = cv2.imread(str(tmp_path / 'a' / release.IMAGE_DIR / path)).shape[:2]
        assert width == 1024 and 550 < height < 1590
    again = release.make_synthetic_wflw(tmp_path / 'b', 40, 2, seed=5, progress=False, sizes='wflw')
    assert Path(again['train_list']).read_bytes() == Path(summary['train_list']).read_bytes()
    small = release.make_synthetic_wflw(tmp_path / 'c', 40, 2, seed=5, progress=False)
    assert Path(small['train_list']).read_bytes() != Path(summary['train_list']).read_bytes()


def test_an_unknown_size_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="sizes must be one of"):
        release.make_synthetic_wflw(tmp_path / 'out', 1, 1, progress=False, sizes='large')
    assert not (tmp_path / 'out').exists()


def test_command_line_tool_draws_wflw_sizes(tmp_path, capsys):
    import json
    import runpy
    tool = runpy.run_path(str(Path(__file__).resolve().parents[3] / 'tools/dataset_converters/make_synthetic_wflw.py'))
    tool['main'](['--out', str(tmp_path / 'cli'), '--train', '2', '--test', '1', '--sizes', 'wflw', '--no-progress'])
    summary = json.loads(capsys.readouterr().out)
    assert summary['sizes'] == 'wflw'
    library = release.make_synthetic_wflw(tmp_path / 'lib', 2, 1, seed=0, progress=False, sizes='wflw')
    assert Path(summary['train_list']).read_bytes() == Path(library['train_list']).read_bytes()
