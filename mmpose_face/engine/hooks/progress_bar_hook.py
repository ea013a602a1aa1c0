"""Progress bars with ETA for training, validation and testing (tqdm).

Training shows one bar over all iterations of the run (resumed runs start
where they stopped) with the epoch and the smoothed loss; validation and
testing show one bar per pass. Only rank 0 draws. Every config has it as
``default_hooks.progress_bar`` (``configs/_base_/default_runtime.py``), with
:class:`~mmpose_face.engine.quiet_console_runner.QuietConsoleRunner` so that
the iteration log lines do not interleave with the bars (``--verbose`` of
the tools drops both).
"""
import sys

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmpose_face.registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """tqdm bars for train / val / test.

    Args:
        mininterval: seconds between redraws.
        stream: where the bars go (default ``sys.stderr``).
    """
    priority = 'LOW'

    def __init__(self, mininterval: float = 1.0, stream=None):
        self.mininterval = mininterval
        self.stream = stream
        self._bars = {}

    def _open(self, mode: str, total: int, initial: int = 0, leave: bool = True):
        if not is_main_process():
            return
        from tqdm import tqdm
        self._bars[mode] = tqdm(total=total, initial=initial, desc=mode, unit='it', leave=leave,
                                mininterval=self.mininterval, file=self.stream or sys.stderr,
                                dynamic_ncols=True)

    def _update(self, mode: str, **postfix) -> None:
        bar = self._bars.get(mode)
        if bar is not None:
            if postfix:
                bar.set_postfix(postfix, refresh=False)
            bar.update(1)

    def _close(self, mode: str) -> None:
        bar = self._bars.pop(mode, None)
        if bar is not None:
            bar.close()

    def clear(self) -> None:
        """Remove the open bars from the console (a run that stops with an error:
        its message then starts on a clean line). A bar drawn below another one
        (tqdm position > 0) leaves the cursor on that other bar's line when it is
        removed, so the cursor goes back down to the start of the emptied line."""
        for mode in list(self._bars):
            bar = self._bars[mode]
            rows_below = abs(getattr(bar, 'pos', 0))
            bar.leave = False
            self._close(mode)
            if rows_below:
                bar.fp.write('\r' + '\n' * rows_below)
                bar.fp.flush()

    def before_train(self, runner) -> None:
        self._open('train', runner.max_iters, initial=runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        postfix = dict(epoch=f'{runner.epoch + 1}/{runner.max_epochs}')
        loss = runner.message_hub.get_scalar('train/loss') if 'train/loss' in runner.message_hub.log_scalars \
            else None
        if loss is not None:
            postfix['loss'] = f'{loss.mean(20):.4g}'
        self._update('train', **postfix)

    def after_train(self, runner) -> None:
        self._close('train')

    def before_val_epoch(self, runner) -> None:
        self._open('val', len(runner.val_dataloader), leave=False)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._update('val')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._close('val')

    def before_test_epoch(self, runner) -> None:
        self._open('test', len(runner.test_dataloader))

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._update('test')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._close('test')
