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


def terminal_lines(text: str) -> list:
    """What a terminal shows for ``text``: carriage return, newline, cursor up (``ESC[nA``)
    and printable characters that overwrite; other escape sequences are ignored."""
    rows, row, column, index = [[]], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char == '\x1b':
            end = index + 2
            while end < len(text) and not text[end].isalpha():
                end += 1
            if text[end] == 'A':
                row = max(0, row - int(text[index + 2:end] or 1))
            index = end + 1
            continue
        if char == '\r':
            column = 0
        elif char == '\n':
            row, column = row + 1, 0
            rows += [[] for _ in range(row + 1 - len(rows))]
        else:
            line = rows[row]
            line += [' '] * (column + 1 - len(line))
            line[column] = char
            column += 1
        index += 1
    return [''.join(line).rstrip() for line in rows]


def test_after_clear_the_next_message_starts_a_line_even_below_another_bar():
    """A bar opened below another (position 1, e.g. while a cache bar is still open) moves the
    cursor up when cleared; the error message printed next must still start at column 0."""
    from tqdm import tqdm
    stream = io.StringIO()
    with tqdm(total=3, desc='other', file=stream):
        hook = ProgressBarHook(mininterval=0, stream=stream)
        hook.before_train(runner_at(0))
        hook.after_train_iter(runner_at(0), 0)
        hook.clear()
        stream.write('error: the run stopped\n')
    assert 'error: the run stopped' in terminal_lines(stream.getvalue()), repr(stream.getvalue())
