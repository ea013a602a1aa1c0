"""One training run per work dir (``engine/work_dir_lock.py``): a second run is refused with
one line naming the first, and a lock left by a killed run is taken over.

``flock`` locks belong to an open file, so a second ``work_dir_lock`` in this
very process meets the first one as another run would."""
import json
import os
import socket
import subprocess

import pytest

from mmpose_face.engine.work_dir_lock import LOCK_NAME, work_dir_lock
from mmpose_face.errors import WorkDirError


def test_a_second_run_is_refused_naming_the_first(tmp_path):
    with work_dir_lock(str(tmp_path)) as first:
        with pytest.raises(WorkDirError) as refused:
            with work_dir_lock(str(tmp_path)):
                pytest.fail('two runs hold one work dir')
        assert json.loads((tmp_path / LOCK_NAME).read_text()) == first   # still the first run's
    message = str(refused.value)
    assert message.startswith(f'{tmp_path}: another training run is using this work dir: pid {os.getpid()} on '
                              f'host {socket.gethostname()} (python ')
    assert 'Wait for it to end, or pass another --work-dir' in message and '\n' not in message
    assert not (tmp_path / LOCK_NAME).exists()   # released on exit


def dead_pid() -> int:
    finished = subprocess.Popen(['true'])
    finished.wait()
    return finished.pid


def test_a_killed_run_s_lock_is_stale_and_taken_over(tmp_path):
    pid = dead_pid()
    (tmp_path / LOCK_NAME).write_text(json.dumps(dict(pid=pid, host=socket.gethostname(), started=0,
                                                      command='python tools/train.py cfg.py')))
    said = []
    with work_dir_lock(str(tmp_path), log=said.append) as record:
        assert record['pid'] == os.getpid()
    assert said == [f'{tmp_path / LOCK_NAME}: took over the lock of pid {pid} on host {socket.gethostname()} '
                    '(python tools/train.py cfg.py, since 1970-01-01 00:00:00 UTC), which is no longer running']


def test_the_lock_is_released_when_the_block_fails(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with work_dir_lock(str(tmp_path)):
            raise KeyboardInterrupt
    with work_dir_lock(str(tmp_path), log=pytest.fail):  # free, and not stale
        pass
