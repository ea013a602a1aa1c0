"""mmengine's ``CheckpointHook`` with every file operation ordered so that no
failure loses a good checkpoint.

mmengine 0.10.7 writes ``last_checkpoint`` with ``open(path, 'w')``, which
empties the file before writing it, and deletes the oldest kept checkpoint
(``max_keep_ckpts``) and the previous best one *before* writing their
successors; a kill or a full disk at the wrong moment leaves no good
checkpoint, or a ``last_checkpoint`` that names none. Here the checkpoint is
written first (atomically, through the ``atomic_local`` backend of
:mod:`..atomic_file_backend`, the default ``backend_args`` here), then
``last_checkpoint`` (atomically), and only then are old files removed. A
failed write stops training with :class:`CheckpointWriteError` naming the
file and the last complete checkpoint.

Registered as ``CheckpointHook`` in the ``mmpose_face`` scope, so configs
written for mmpose (``default_hooks.checkpoint.type='CheckpointHook'``) get it.
"""
import logging
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mmpose_face.engine.atomic_file_backend import BACKEND_NAME, register as register_atomic_backend
from mmpose_face.engine.best_checkpoint_choice import best_checkpoint_to_keep
from mmpose_face.errors import CheckpointWriteError
from mmpose_face.fileio import remove_partial_files, write_atomically
from mmpose_face.registry import HOOKS


class _RemovalsDeferred:
    """A file backend whose ``remove``/``rmtree`` wait for :meth:`apply`."""

    def __init__(self, backend):
        self._backend, self._pending = backend, []

    def remove(self, path):
        self._pending.append((self._backend.remove, path))

    def rmtree(self, path):
        self._pending.append((self._backend.rmtree, path))

    def apply(self):
        for remove, path in self._pending:
            remove(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)


# mmengine logs this when it asks for the removal, which here waits until the new best is written.
_PREVIOUS_BEST_REMOVED = 'The previous best checkpoint '


class _HeldBack(logging.Filter):
    """Holds back the log lines that start with ``prefix`` (their text in ``held``)."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix, self.held = prefix, []

    def filter(self, record):
        message = record.getMessage()
        if message.startswith(self.prefix):
            self.held.append(message)
            return False
        return True


@HOOKS.register_module(name='CheckpointHook')
class CheckpointHook(MMEngineCheckpointHook):
    """Same arguments as mmengine's; see the module docstring for what differs."""

    def before_train(self, runner) -> None:
        out_dir = str(self.out_dir or runner.work_dir)
        if self.backend_args is None and self.file_client_args is None and '://' not in out_dir:
            register_atomic_backend()  # here, not on import: a new name in mmengine's backends
            self.backend_args = dict(backend=BACKEND_NAME)  # local checkpoints: all-or-nothing writes
        super().before_train(runner)
        if is_main_process() and osp.isdir(str(self.out_dir)):
            remove_partial_files(str(self.out_dir))  # left by a run killed while saving
            self._remove_orphan_best_checkpoints(runner)

    def _remove_orphan_best_checkpoints(self, runner) -> None:
        """Keep one ``best_<key>_*`` file per key: the best-scoring complete one.

        After a new best is written, mmengine saves the epoch checkpoint again to
        record it; a kill or a full disk during that re-save leaves a best file
        that the checkpoint the run resumes from does not know (the resumed run
        would never replace it), and that may score better than the one it
        records. Each best file holds its own score (mmengine records
        ``best_score`` before saving it): the better of the recorded one and
        such files is kept and becomes the run's record; files that score worse,
        and cut-off ones, are removed. Each decision is logged. Only done when
        resuming (the message hub holds the run's ``last_ckpt``), so a new run
        keeps an older run's files.
        """
        if not self.save_best or not runner.message_hub.get_info('last_ckpt'):
            return
        single = len(self.key_indicators) == 1
        for key in self.key_indicators:
            score_key, path_key = ('best_score', 'best_ckpt') if single else (f'best_score_{key}', f'best_ckpt_{key}')
            recorded = self.best_ckpt_path if single else self.best_ckpt_path_dict.get(key)
            kept = best_checkpoint_to_keep(
                str(self.out_dir), key, recorded, runner.message_hub.get_info(score_key),
                getattr(self, 'is_better_than', {}).get(key), score_key, runner.logger)
            if kept is not None and (recorded is None or osp.abspath(kept[0]) != osp.abspath(str(recorded))):
                path, score = kept
                runner.message_hub.update_info(score_key, score)
                runner.message_hub.update_info(path_key, path)
                if single:
                    self.best_ckpt_path = path
                else:
                    self.best_ckpt_path_dict[key] = path

    def _save_checkpoint_with_step(self, runner, step, meta):
        dropped = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                dropped.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        previous = self.last_ckpt or runner.message_hub.get_info('last_ckpt')
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        try:
            runner.save_checkpoint(
                self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
                backend_args=self.backend_args, **self.args)
            if is_main_process():
                write_atomically(str(self.last_ckpt).encode(), osp.join(runner.work_dir, 'last_checkpoint'))
        except CheckpointWriteError as error:
            raise CheckpointWriteError(
                error.errno, f'{error.strerror}. Training stopped; the last complete checkpoint is '
                f'{previous or "none (this was the first)"}') from None
        if is_main_process():
            for old_step in dropped:
                path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
                if self.file_backend.isfile(path):
                    self.file_backend.remove(path)
                elif self.file_backend.isdir(path):  # deepspeed checkpoints are folders
                    self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        backend = self.file_backend
        self.file_backend = _RemovalsDeferred(backend)
        removal_lines = _HeldBack(_PREVIOUS_BEST_REMOVED)
        runner.logger.addFilter(removal_lines)
        hub = runner.message_hub
        record = (getattr(self, 'best_ckpt_path', None), dict(getattr(self, 'best_ckpt_path_dict', {})),
                  {key: value for key, value in hub.runtime_info.items() if key.startswith('best_')})
        try:
            super()._save_best_checkpoint(runner, metrics)
            self.file_backend.apply()  # the previous best goes once the new one is written
        except BaseException:  # the previous best is kept: so is the record naming it
            if hasattr(self, 'best_ckpt_path'):  # one save_best key (several keep only the dict)
                self.best_ckpt_path = record[0]
            if hasattr(self, 'best_ckpt_path_dict'):
                self.best_ckpt_path_dict = record[1]
            for key, value in record[2].items():
                hub.update_info(key, value)
            raise
        finally:
            self.file_backend = backend
            runner.logger.removeFilter(removal_lines)
        for message in removal_lines.held:  # logged once true: a failed save keeps the previous best
            runner.logger.info(message)
