"""A runner whose console shows what a person follows: progress, results, warnings.

The log file keeps everything. On the console, :class:`QuietConsoleFilter`
drops the config dump, the environment table, the hook table, the
per-interval iteration lines (a :class:`ProgressBarHook` shows progress and
ETA instead) and mmengine's own deprecation notices about the file client
its hooks create (nothing a user can change). Every config gets it from
``configs/_base_/default_runtime.py`` (``runner_type = 'QuietConsoleRunner'``
and ``default_hooks.progress_bar``); ``tools/train.py`` and
``tools/test.py`` build ``runner_type`` runners as mmpose's tools do, and
their ``--verbose`` (:func:`show_everything_on_console`) turns both off.
"""
import logging
import re

from mmengine.runner import Runner

from mmpose_face.engine.hooks.progress_bar_hook import ProgressBarHook
from mmpose_face.registry import RUNNERS

_BULKY_STARTS = ('Config:', 'Hooks will be executed', 'Distributed training is not used',
                 'Checkpoints will be saved to', 'Load checkpoint from', 'The best checkpoint')
# mmengine's CheckpointHook.before_train builds a FileClient whatever the settings
# ("kept until mmengine 1.0"): its notices name mmengine internals, not a user setting
_MMENGINE_INTERNAL_NOTICES = ('"FileClient" will be deprecated in future',
                              '"HardDiskBackend" is the alias of "LocalBackend"')
# LoggerHook's lines every `interval` iterations: "Epoch(train)  [3][20/63]  ... eta: ..."
_ITERATION_LINE = re.compile(r'^(Epoch|Iter)\((train|val|test)\)\s.*\beta: ')


class QuietConsoleFilter(logging.Filter):
    """Pass warnings and errors (but mmengine's internal deprecation notices), and
    info lines that are results, not bulk."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().lstrip()
        if record.levelno >= logging.WARNING:
            return record.levelno > logging.WARNING or not message.startswith(_MMENGINE_INTERNAL_NOTICES)
        if message.startswith(_BULKY_STARTS) or 'System environment:' in message[:200]:
            return False
        return not _ITERATION_LINE.match(message)


@RUNNERS.register_module()
class QuietConsoleRunner(Runner):
    """:class:`mmengine.runner.Runner` with :class:`QuietConsoleFilter` on its console handler;
    a run that stops with an error first clears its progress bars."""

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level=log_level, log_file=log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:  # the console, not the FileHandler subclass
                handler.addFilter(QuietConsoleFilter())
        return logger

    def _clearing_bars_on_error(self, run):
        try:
            return run()
        except BaseException:
            for hook in self.hooks:
                if isinstance(hook, ProgressBarHook):
                    hook.clear()
            raise

    def train(self):
        return self._clearing_bars_on_error(super().train)

    def val(self):
        return self._clearing_bars_on_error(super().val)

    def test(self):
        return self._clearing_bars_on_error(super().test)


def show_everything_on_console(cfg) -> None:
    """``--verbose``: mmengine's plain runner (every log line on the console) and no
    progress bar, in place of the default runtime's quiet console."""
    if cfg.get('runner_type') == 'QuietConsoleRunner':
        cfg.pop('runner_type')
    hooks = cfg.get('default_hooks') or {}
    if (hooks.get('progress_bar') or {}).get('type') == 'ProgressBarHook':
        hooks.pop('progress_bar')
