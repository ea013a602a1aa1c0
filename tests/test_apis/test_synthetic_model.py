"""The synthetic-model warning: it names the synthetic data set, and the demos print it as one line."""
import io
import warnings

import pytest

from mmpose_face.apis.synthetic_model import (SyntheticModelWarning, synthetic_model_message, warn_if_synthetic,
                                              warnings_as_lines)


def test_the_message_names_the_synthetic_set_not_the_layout_it_mimics():
    message = synthetic_model_message('epoch_12.pth', dict(dataset='wflw', synthetic=True,
                                                           ann_file='data/synthetic_wflw/train.json'))
    assert message.startswith('epoch_12.pth was trained on synthetic WFLW (faces drawn by make_synthetic_wflw.py')
    assert 'data/synthetic_wflw/train.json' in message and 'trained on wflw,' not in message
    assert 'a synthetic 300w set' in synthetic_model_message('m', dict(dataset='300w', synthetic=True))


def test_only_synthetic_models_warn():
    with pytest.warns(SyntheticModelWarning):
        assert warn_if_synthetic('m', dict(dataset='wflw', synthetic=True))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert not warn_if_synthetic('m', dict(dataset='wflw', synthetic=False)) and not warn_if_synthetic('m', {})


def test_warnings_as_lines_prints_one_line_each_time_and_restores_warnings():
    stream = io.StringIO()
    show_before = warnings.showwarning
    with warnings_as_lines(stream=stream):
        for _ in range(2):
            warn_if_synthetic('m', dict(dataset='wflw', synthetic=True))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith('warning: m was trained on synthetic WFLW') for line in lines)
    assert warnings.showwarning is show_before
