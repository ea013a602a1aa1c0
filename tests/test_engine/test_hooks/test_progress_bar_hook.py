"""ProgressBarHook: one training bar over all iterations (a resumed run starts where it stopped) with
the epoch and the smoothed loss, a bar per validation and test pass, and ``clear`` for a failed run."""
import io
from types import SimpleNamespace

from mmengine.logging import MessageHub

from mmpose_face.engine.hooks import ProgressBarHook


def runner_at(iteration, max_iters=10, epoch=1, max_epochs=5):
    hub = MessageHub(name=f'progress_bar_{iteration}')
    for loss in (1.0, 0.5):
        hub.update_scalar('train/loss', loss)
    return SimpleNamespace(iter=iteration, max_iters=max_iters, epoch=epoch, max_epochs=max_epochs,
                           message_hub=hub, val_dataloader=[0] * 3, test_dataloader=[0] * 4)


def test_a_resumed_training_bar_starts_where_the_run_stopped_and_shows_epoch_and_loss():
    stream = io.StringIO()
    hook, runner = ProgressBarHook(mininterval=0, stream=stream), runner_at(6)
    hook.before_train(runner)
    bar = hook._bars['train']
    assert (bar.n, bar.total) == (6, 10)
    hook.after_train_iter(runner, 0)
    assert bar.n == 7 and bar.postfix == 'epoch=2/5, loss=0.75'  # the mean of the logged losses
    hook.after_train(runner)
    assert 'train' not in hook._bars and '7/10' in stream.getvalue()


def test_validation_and_test_bars_count_their_batches():
    hook, runner = ProgressBarHook(mininterval=0, stream=io.StringIO()), runner_at(0)
    hook.before_val_epoch(runner)
    assert hook._bars['val'].total == 3 and hook._bars['val'].leave is False
    hook.after_val_iter(runner, 0)
    hook.after_val_epoch(runner)
    hook.before_test_epoch(runner)
    for index in range(4):
        hook.after_test_iter(runner, index)
    assert hook._bars['test'].n == 4
    hook.after_test_epoch(runner)
    assert hook._bars == {}


def test_clear_removes_the_open_bars():
    hook, runner = ProgressBarHook(stream=io.StringIO()), runner_at(0)
    hook.before_train(runner)
    hook.before_val_epoch(runner)
    hook.clear()
    assert hook._bars == {}
