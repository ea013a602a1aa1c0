"""QuietConsoleRunner's console: warnings, errors and results pass; the config dump, the tables, the
iteration lines and mmengine's internal notices stay in the log file; ``--verbose`` turns it off."""
import logging

import pytest
from mmengine.config import ConfigDict

from mmpose_face.engine.quiet_console_runner import QuietConsoleFilter, show_everything_on_console


def record(message, level=logging.INFO):
    return logging.LogRecord('mmengine', level, __file__, 1, message, None, None)


@pytest.mark.parametrize('message, level, shown', [
    ('Epoch(val) [12][3/3]    NME: 0.0512', logging.INFO, True),                       # a result
    ('Epoch(train)  [3][20/63]  lr: 5e-04  eta: 0:01:02  loss: 0.1', logging.INFO, False),  # iteration line
    ('Config:\nmodel = dict(...)', logging.INFO, False),
    ('\nSystem environment:\n    sys.platform: linux', logging.INFO, False),
    ('Hooks will be executed in the following order:', logging.INFO, False),
    ('"FileClient" will be deprecated in future. Please use io functions', logging.WARNING, False),
    ('the data set has 3 faces without keypoints', logging.WARNING, True),
    ('"FileClient" will be deprecated in future.', logging.ERROR, True)])  # an error always shows
def test_the_console_shows_what_a_person_follows(message, level, shown):
    assert QuietConsoleFilter().filter(record(message, level)) is shown


def test_verbose_gives_mmengines_plain_runner_without_the_progress_bar():
    cfg = ConfigDict(runner_type='QuietConsoleRunner',
                     default_hooks=dict(progress_bar=dict(type='ProgressBarHook'), logger=dict(type='LoggerHook')))
    show_everything_on_console(cfg)
    assert 'runner_type' not in cfg and list(cfg.default_hooks) == ['logger']
    custom = ConfigDict(runner_type='MyRunner', default_hooks=dict(progress_bar=dict(type='MyBar')))
    show_everything_on_console(custom)
    assert custom.runner_type == 'MyRunner' and 'progress_bar' in custom.default_hooks  # not ours: kept
