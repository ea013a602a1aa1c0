"""One training run per work dir: a lock file holding the pid and host of the run that owns it.

Two runs in one work dir destroy each other: the second one's start-up
removes the first one's in-progress ``.partial`` checkpoint, and then they
overwrite each other's checkpoints and ``last_checkpoint``. ``tools/train.py``
therefore takes :func:`work_dir_lock` before anything is written:

- ``WORK_DIR/.train.lock`` is opened and locked with ``flock`` (the kernel
  releases the lock when its process ends, however it ends), then holds
  ``{"pid", "host", "started", "command"}`` of its owner;
- a second run finds the lock taken and stops with one line naming that
  process (:class:`~mmpose_face.errors.WorkDirError`);
- a lock file left by a killed run (present, but no longer locked) is
  stale: it is taken over, and the takeover is reported;
- on exit the owner removes the file.

Where ``flock`` does not reach (a network file system without locking, or
no ``fcntl``), the pid is checked instead when the owner is on this host.
"""
import json
import os
import os.path as osp
import socket
import sys
import time
from contextlib import contextmanager

from mmpose_face.errors import WorkDirError

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

LOCK_NAME = '.train.lock'


def _read_owner(fd: int) -> dict:
    os.lseek(fd, 0, os.SEEK_SET)
    data = b''
    while True:
        block = os.read(fd, 1 << 16)
        if not block:
            break
        data += block
    try:
        owner = json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe_owner(owner: dict) -> str:
    """``pid 123 on host h (python tools/train.py ..., since 2026-01-01 10:00:00 UTC)``."""
    since = owner.get('started')
    when = time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(since)) if isinstance(since, (int, float)) else '?'
    return (f'pid {owner.get("pid", "?")} on host {owner.get("host", "?")} '
            f'({owner.get("command", "?")}, since {when})')


def _held_by_another(fd: int, owner: dict) -> bool:
    """Whether another live process holds the lock of ``fd``'s file."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            pass  # no flock on this file system: judge by the pid below
        else:
            return False
    return owner.get('host') == socket.gethostname() and owner.get('pid') != os.getpid() and \
        _pid_alive(owner.get('pid'))


@contextmanager
def work_dir_lock(work_dir: str, log=print):
    """Hold the training lock of ``work_dir`` for the block.

    Args:
        work_dir: an existing folder.
        log: where a stale lock's takeover is reported (one line).

    Raises:
        WorkDirError: another live run holds it; the message names its
            pid, host, command and start time.
    """
    path = osp.join(work_dir, LOCK_NAME)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_CLOEXEC', 0), 0o644)
        except OSError as error:
            raise WorkDirError(f'{path}: cannot create the work dir lock ({error.strerror or error})') from None
        owner = _read_owner(fd)
        if _held_by_another(fd, owner):
            os.close(fd)
            raise WorkDirError(f'{work_dir}: another training run is using this work dir: {describe_owner(owner)}. '
                               f'Wait for it to end, or pass another --work-dir (if that process is gone, '
                               f'remove {path})')
        try:
            same_file = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:  # its owner removed it between our open and our lock
            same_file = False
        if same_file:
            break
        os.close(fd)
    if owner.get('pid') is not None:
        log(f'{path}: took over the lock of {describe_owner(owner)}, which is no longer running')
    record = dict(pid=os.getpid(), host=socket.gethostname(), started=time.time(),
                  command=' '.join(['python'] + sys.argv))
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode('utf-8'))
        os.fsync(fd)
    except OSError as error:  # a full disk: the lock still holds, its record says less
        log(f'{path}: could not record this run in the lock ({error.strerror or error})')
    try:
        yield record
    finally:
        try:
            os.remove(path)  # while still locked: a waiting run then finds the file gone and retries
        except OSError:
            pass
        os.close(fd)
