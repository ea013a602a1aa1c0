"""Files that are not what they look like: each is named with the reason, never
half-cached, never loaded by accident.

- yes/no environment flags accept only what they say (``no`` is no);
- the hash in a name is checked only for mmpose's released form, a mismatch
  says what it is, and ``--skip-hash-check`` loads such a copy anyway;
- a text file named .pth, an empty one, a cut-off zip or legacy checkpoint:
  one line naming the file and the reason, through the API and the tools.

Downloads: tests/test_checkpoint_download.py.
"""
import hashlib
import shutil
import uuid

import pytest
import torch

from mmpose_face.apis import init_model
from mmpose_face.engine import checkpoint_loading
from mmpose_face.engine.checkpoint_loading import (CheckpointHashError, CheckpointReadError, expected_hash_prefix,
                                                   flag_from_env, safe_torch_load)
from mmpose_face.errors import SettingError, UnsafeCheckpointError

from test_checkpoint_loading import SMALL_CONFIG, run_tool_in_process


# --------------------------------------------------------------------------- yes/no flags
@pytest.mark.parametrize('value,expected', [
    ('1', True), ('true', True), ('TRUE', True), ('Yes', True), (' yes ', True),
    ('', False), ('0', False), ('false', False), ('FALSE', False), ('no', False), ('off', False), ('Off', False)])
def test_the_trust_flag_means_what_it_says(monkeypatch, value, expected):
    monkeypatch.setenv(checkpoint_loading.TRUST_ENV, value)
    assert flag_from_env(checkpoint_loading.TRUST_ENV) is expected


@pytest.mark.parametrize('value', ['maybe', '2', 'y', 'on please'])
def test_an_unknown_flag_value_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(checkpoint_loading.TRUST_ENV, value)
    with pytest.raises(SettingError, match=f'MMPOSE_FACE_TRUST_CHECKPOINTS={value!r} is not understood'):
        flag_from_env(checkpoint_loading.TRUST_ENV)


def test_no_means_no_when_loading(tmp_path, monkeypatch):
    import argparse
    path = tmp_path / 'namespace.pth'
    torch.save({'state_dict': {}, 'meta': {'args': argparse.Namespace(lr=1)}}, path)
    for refusing in ('no', 'off', 'FALSE', '0'):
        monkeypatch.setenv(checkpoint_loading.TRUST_ENV, refusing)
        with pytest.raises(UnsafeCheckpointError):
            safe_torch_load(str(path))
    monkeypatch.setenv(checkpoint_loading.TRUST_ENV, 'yes')
    with pytest.warns(UserWarning, match='namespace.pth: loading a trusted checkpoint'):
        assert safe_torch_load(str(path))['meta']['args'].lr == 1


# --------------------------------------------------------------------------- hash in the name
@pytest.mark.parametrize('name,prefix', [
    ('deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth', '92d0ba7f'),
    ('deeppose-cafebabe.pth', 'cafebabe'),
    ('x-20261201_20210303.pth', '20261201'),  # digits, but in the released NAME-HASH_DATE form
    ('resnet50_msra-5891d200.pth', '5891d200'),
    ('run-20261201.pth', None),  # a date, not a hash
    ('epoch_3.pth', None),
    ('best_NME_epoch_2.pth', None),
    ('model-cafe.pth', None),  # too short
])
def test_which_names_are_in_the_released_form(name, prefix):
    assert expected_hash_prefix(name) == prefix


@pytest.fixture(scope='module')
def good_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp('good') / 'weights.pth'
    torch.save({'state_dict': init_model(SMALL_CONFIG).state_dict()}, path)
    return path


def test_copies_of_a_good_checkpoint(good_checkpoint, tmp_path, monkeypatch, capsys, one_thread):
    dated, hexed = tmp_path / 'run-20261201.pth', tmp_path / 'deeppose-cafebabe.pth'
    shutil.copy(good_checkpoint, dated)
    shutil.copy(good_checkpoint, hexed)
    actual = hashlib.sha256(hexed.read_bytes()).hexdigest()[:8]
    assert safe_torch_load(str(dated))['state_dict']  # no hash in its name: loads as it is
    with pytest.raises(CheckpointHashError, match=f"deeppose-cafebabe.pth: the name promises sha256 prefix "
                                                  f"cafebabe, the file's is {actual}: it was changed or renamed"):
        safe_torch_load(str(hexed), trusted=True)  # trusting the pickle is another matter
    assert safe_torch_load(str(hexed), skip_hash_check=True)['state_dict']
    monkeypatch.setenv(checkpoint_loading.SKIP_HASH_ENV, '1')
    assert safe_torch_load(str(hexed))['state_dict']
    monkeypatch.delenv(checkpoint_loading.SKIP_HASH_ENV)
    assert init_model(SMALL_CONFIG, str(hexed), skip_hash_check=True) is not None

    work = ['--work-dir', str(tmp_path / 'work')]
    assert run_tool_in_process('test', [SMALL_CONFIG, str(hexed), *work], monkeypatch) == 1
    assert 'it was changed or renamed' in capsys.readouterr().err
    assert run_tool_in_process('test', [SMALL_CONFIG, str(hexed), '--skip-hash-check', *work], monkeypatch) == 0
    assert run_tool_in_process('test', [SMALL_CONFIG, str(dated), *work], monkeypatch) == 0
    assert 'NME' in capsys.readouterr().out


# --------------------------------------------------------------------------- files that are not checkpoints
def bad_files(folder, good_checkpoint) -> dict:
    text = folder / 'notes.pth'
    text.write_text('hello, this is not a checkpoint\n')
    empty = folder / 'empty.pth'
    empty.write_bytes(b'')
    data = good_checkpoint.read_bytes()
    cut_zip = folder / 'cut_zip.pth'
    cut_zip.write_bytes(data[:len(data) // 2])
    legacy = folder / 'legacy.pth'
    torch.save({'state_dict': {'w': torch.ones(1000)}}, legacy, _use_new_zipfile_serialization=False)
    cut_legacy = folder / 'cut_legacy.pth'
    cut_legacy.write_bytes(legacy.read_bytes()[:-1000])
    return {'text': (text, r'not a PyTorch checkpoint \(neither a zip archive nor a pickle: it starts with '
                           r"b'hello, t'\)"),
            'empty': (empty, r'the file is empty \(0 bytes\)'),
            'cut-zip': (cut_zip, r'its zip archive is cut off or damaged'),
            'cut-legacy': (cut_legacy, r'cannot be read \(.*\): the file is cut off or damaged')}


@pytest.mark.parametrize('kind', ['text', 'empty', 'cut-zip', 'cut-legacy'])
def test_a_file_that_is_not_a_checkpoint_is_named_with_the_reason(good_checkpoint, tmp_path, kind):
    path, reason = bad_files(tmp_path, good_checkpoint)[kind]
    with pytest.raises(CheckpointReadError, match=f'^{path}: .*{reason}'):
        safe_torch_load(str(path))


def test_a_legacy_checkpoint_still_loads(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, path, _use_new_zipfile_serialization=False)
    assert torch.equal(safe_torch_load(str(path))['state_dict']['w'], torch.ones(3))


@pytest.mark.parametrize('tool', ['test', 'train'])
def test_the_tools_name_the_file_and_the_reason(good_checkpoint, tmp_path, monkeypatch, capsys, one_thread, tool):
    for kind, (path, reason) in bad_files(tmp_path, good_checkpoint).items():
        work = ['--work-dir', str(tmp_path / 'work')]
        argv = ([SMALL_CONFIG, str(path), *work] if tool == 'test' else
                [SMALL_CONFIG, *work, '--cfg-options', f'load_from={path}', f'experiment_name=bad-{uuid.uuid4().hex}'])
        assert run_tool_in_process(tool, argv, monkeypatch) == 1, kind
        error = capsys.readouterr().err
        assert error.startswith(f'error: {path}: '), (kind, error[-2000:])
        assert 'Traceback' not in error and len(error.strip().splitlines()) == 2, (kind, error[-2000:])


def test_the_demo_takes_trust_checkpoint_like_the_other_tools(good_checkpoint, tmp_path, monkeypatch, capsys):
    import argparse

    from mmpose_face.apis import face_landmarks_demo
    weights = torch.load(good_checkpoint, weights_only=True)['state_dict']
    path = tmp_path / 'with_namespace.pth'
    torch.save({'state_dict': weights, 'meta': {'args': argparse.Namespace(lr=1)}}, path)
    loaded = []
    monkeypatch.setattr(face_landmarks_demo, 'run_demo', lambda input_, landmarker, **kwargs: loaded.append(
        landmarker) or {'items': [], 'num_faces': 0, 'seconds': 0.0, 'fps': 0.0})
    argv = ['tests/data', SMALL_CONFIG, str(path), '--out-dir', str(tmp_path / 'out')]
    monkeypatch.setenv(checkpoint_loading.TRUST_ENV, '0')
    assert run_tool_in_process('../demo/face_landmarks_demo', argv, monkeypatch) == 1
    assert f'error: {path}: refused to load: it needs the global argparse.Namespace' in capsys.readouterr().err
    with pytest.warns(UserWarning, match=f'{path}: loading a trusted checkpoint with full unpickling'):
        assert run_tool_in_process('../demo/face_landmarks_demo', argv + ['--trust-checkpoint'], monkeypatch) == 0
    assert loaded and loaded[0].model is not None
