"""AtomicLocalBackend: mmengine's local backend whose writes are all-or-nothing, registered under
its own name (``atomic_local``) so that mmengine's ``local`` backend stays as it was."""
import os
from types import SimpleNamespace

import pytest
from mmengine.fileio import LocalBackend, get_file_backend

from mmpose_face.engine import atomic_file_backend
from mmpose_face.engine.atomic_file_backend import AtomicLocalBackend, check_free_space
from mmpose_face.errors import CheckpointWriteError

ATOMIC = dict(backend='atomic_local')  # what CheckpointHook passes for local folders (it registers it first)
atomic_file_backend.register()


def test_the_atomic_backend_leaves_mmengines_local_backend_alone():
    """The atomic backend is a named one that CheckpointHook registers and asks for: other
    code's file writes through mmengine keep mmengine's own backend."""
    assert type(get_file_backend('some/folder/file.pth')) is LocalBackend
    assert type(get_file_backend('some/folder/file.pth', backend_args=ATOMIC)) is AtomicLocalBackend


def test_put_and_put_text_replace_the_file_whole_and_leave_no_temporary(tmp_path):
    backend = AtomicLocalBackend()
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'previous')
    backend.put(b'new checkpoint bytes', target)
    assert target.read_bytes() == b'new checkpoint bytes'
    backend.put_text('last_checkpoint: epoch_1.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'last_checkpoint: epoch_1.pth'
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'last_checkpoint']


def test_a_write_that_needs_more_than_the_free_space_is_refused_before_a_byte_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic_file_backend.shutil, 'disk_usage', lambda folder: SimpleNamespace(free=1500))
    with pytest.raises(CheckpointWriteError, match=r'epoch_2\.pth: not enough free space.*1000 bytes.*2000 bytes.*'
                       r'1500 bytes are free, 500 bytes missing; nothing was written'):
        check_free_space(str(tmp_path / 'epoch_2.pth'), 1000)
    with pytest.raises(CheckpointWriteError):
        AtomicLocalBackend().put(b'x' * 1000, tmp_path / 'epoch_2.pth')
    assert not os.listdir(tmp_path)
    check_free_space(str(tmp_path / 'epoch_2.pth'), 750)  # twice 750 fits in 1500: nothing raised
