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
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mmpose_face.engine.atomic_file_backend import BACKEND_NAME, register as register_atomic_backend
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
        """Remove ``best_<key>_*`` files that a resumed run's record does not name.

        After a new best is written, mmengine saves the epoch checkpoint again to
        record it; a kill during that re-save leaves a best file that the
        checkpoint the run resumes from does not know: the resumed run would
        never replace it. Only done when resuming (the message hub holds the
        run's ``last_ckpt``), so a new run keeps an older run's files.
        """
        if not self.save_best or not runner.message_hub.get_info('last_ckpt'):
            return
        if len(self.key_indicators) == 1:
            recorded = {self.key_indicators[0]: self.best_ckpt_path}
        else:
            recorded = dict(self.best_ckpt_path_dict)
        out_dir = str(self.out_dir)
        for key, kept in recorded.items():
            prefix = f'best_{key}_'.replace('/', '_')
            for name in os.listdir(out_dir):
                path = osp.join(out_dir, name)
                if name.startswith(prefix) and name.endswith('.pth') and (
                        kept is None or osp.abspath(path) != osp.abspath(str(kept))):
                    os.remove(path)
                    runner.logger.info(f'Removed {path}: a best checkpoint written after the checkpoint '
                                       f'this run resumed from, and not in its record')

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
        try:
            super()._save_best_checkpoint(runner, metrics)
            self.file_backend.apply()  # the previous best goes once the new one is written
        finally:
            self.file_backend = backend
