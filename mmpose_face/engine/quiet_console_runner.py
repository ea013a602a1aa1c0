"""A runner whose console shows what a person follows: progress, results, warnings.

The log file keeps everything. On the console, :class:`QuietConsoleFilter`
drops the config dump, the environment table, the hook table and the
per-interval iteration lines (a :class:`ProgressBarHook` shows progress and
ETA instead). Selected by ``runner_type = 'QuietConsoleRunner'`` in a config
(the quick-start config does); ``tools/train.py`` and ``tools/test.py``
build ``runner_type`` runners as mmpose's tools do.
"""
import logging
import re

from mmengine.runner import Runner

from mmpose_face.registry import RUNNERS

_BULKY_STARTS = ('Config:', 'Hooks will be executed', 'Distributed training is not used',
                 'Checkpoints will be saved to', 'Load checkpoint from', 'The best checkpoint')
# LoggerHook's lines every `interval` iterations: "Epoch(train)  [3][20/63]  ... eta: ..."
_ITERATION_LINE = re.compile(r'^(Epoch|Iter)\((train|val|test)\)\s.*\beta: ')


class QuietConsoleFilter(logging.Filter):
    """Pass warnings and errors, and info lines that are results, not bulk."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        message = record.getMessage().lstrip()
        if message.startswith(_BULKY_STARTS) or 'System environment:' in message[:200]:
            return False
        return not _ITERATION_LINE.match(message)


@RUNNERS.register_module()
class QuietConsoleRunner(Runner):
    """:class:`mmengine.runner.Runner` with :class:`QuietConsoleFilter` on its console handler."""

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level=log_level, log_file=log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:  # the console, not the FileHandler subclass
                handler.addFilter(QuietConsoleFilter())
        return logger
