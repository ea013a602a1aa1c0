"""Checkpoints that abuse numpy's pickles are refused by every load path, before
numpy builds anything from them, while real mmengine / mmcv / mmpose numpy
content still loads.

The files are built the way an attacker would: numpy's own reduce functions
with states of the attacker's choosing. ``dtype-state`` sets an object
dtype's flags to 0 and then builds an array whose one element is 8 chosen
bytes (0x41...): loaded, touching that element dereferences 0x4141414141414141.
The ``*_is_really_dangerous`` test shows, in a child process, that the file
does what it claims once numpy is admitted without the check.
"""
import os.path as osp
import pickle
import subprocess
import sys
import uuid

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint as mmengine_load_checkpoint

from mmpose_face import compat
from mmpose_face.apis import init_model
from mmpose_face.apis.face_landmarks_demo import FaceLandmarker
from mmpose_face.engine.checkpoint_loading import UnsafeCheckpointError, safe_torch_load
from mmpose_face.engine.checkpoint_numpy import refusal_in_checkpoint

from test_checkpoint_loading import SMALL_CONFIG, run_tool_in_process

_reconstruct = np._core.multiarray._reconstruct
POINTER = b'\x41' * 8  # the PyObject* the object element would be read as


class DtypeWithState:
    """Pickles as ``numpy.dtype(code, False, True)`` followed by BUILD ``state``."""

    def __init__(self, code, state):
        self.code, self.state = code, state

    def __reduce__(self):
        return np.dtype, (self.code, False, True), self.state


class ArrayWithState:
    """Pickles as numpy pickles an array: ``_reconstruct(ndarray, (0,), b'b')`` + BUILD."""

    def __init__(self, dtype, data: bytes, shape=(1, )):
        self.dtype, self.data, self.shape = dtype, data, shape

    def __reduce__(self):
        return _reconstruct, (np.ndarray, (0, ), b'b'), (1, self.shape, self.dtype, False, self.data)


def object_dtype_with_flags_0():
    return DtypeWithState('O8', (3, '|', None, None, None, -1, -1, 0))


MALICIOUS = {
    # the trick: an object dtype whose flags say "no Python objects", then raw bytes
    'dtype-state': lambda: ArrayWithState(object_dtype_with_flags_0(), POINTER),
    # a float64 dtype whose state adds the "holds references" flags: its 8 bytes get decref'd
    'float-dtype-flags': lambda: ArrayWithState(DtypeWithState('f8', (3, '<', None, None, None, -1, -1, 63)),
                                                POINTER),
    # a float64 dtype whose state gives it an object field
    'float-dtype-fields': lambda: ArrayWithState(
        DtypeWithState('f8', (3, '<', None, ('a', ), {'a': (np.dtype('O'), 0)}, 8, 8, 0)), POINTER),
    'object-array': lambda: np.array([None, 'x'], dtype=object),
    'structured-object-field': lambda: np.zeros(2, dtype=[('a', 'O'), ('b', '<f4')]),
    'object-scalar-dtype': lambda: np.dtype('O'),
}


def write_checkpoint(path, payload, model_state=None) -> str:
    torch.save({'state_dict': model_state or {'weight': torch.zeros(2)}, 'meta': {'note': payload}}, path)
    return str(path)


@pytest.fixture(scope='module')
def small_model_state():
    return init_model(SMALL_CONFIG).state_dict()


def _malicious_file(request, tmp_path_factory, small_model_state):
    folder = tmp_path_factory.mktemp(request.param)
    return write_checkpoint(folder / 'epoch_1.pth', MALICIOUS[request.param](), small_model_state)


@pytest.fixture(scope='module', params=sorted(MALICIOUS))
def malicious_file(request, tmp_path_factory, small_model_state):
    """A checkpoint of the small model's real weights with the payload in ``meta``."""
    return _malicious_file(request, tmp_path_factory, small_model_state)


@pytest.fixture(scope='module', params=['dtype-state', 'object-array', 'structured-object-field'])
def malicious_for_tools(request, tmp_path_factory, small_model_state):
    """The three kinds the issue names, for the (slower) tool runs."""
    return _malicious_file(request, tmp_path_factory, small_model_state)


def test_the_dtype_state_file_is_really_dangerous(tmp_path):
    """Admitting numpy without the check (what main did) builds an object array from 8
    chosen bytes: its element is the pointer 0x4141414141414141."""
    path = write_checkpoint(tmp_path / 'evil.pth', MALICIOUS['dtype-state']())
    probe = (
        'import numpy as np, torch\n'
        'allowed = [np.dtype, type(np.dtype("O")), np._core.multiarray._reconstruct, np.ndarray]\n'
        'with torch.serialization.safe_globals(allowed):\n'
        f'    array = torch.load({path!r}, weights_only=True)["meta"]["note"]\n'
        'print(array.dtype, array.dtype.flags, array.tobytes().hex())\n')
    result = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ['object', '0', POINTER.hex()], result.stderr[-2000:]


def test_the_check_refuses_each_file_without_building_it(malicious_file, monkeypatch):
    built = []
    monkeypatch.setattr(np._core.multiarray, '_reconstruct', lambda *args: built.append(args))
    refusal = refusal_in_checkpoint(malicious_file)
    assert refusal.startswith(('the dtype', 'a state for the dtype')), refusal
    assert built == []


def test_safe_torch_load_refuses_naming_the_dtype(malicious_file):
    with pytest.raises(UnsafeCheckpointError) as error:
        safe_torch_load(malicious_file)
    message = str(error.value)
    assert message.startswith(f'{malicious_file}: refused to load: it needs ')
    assert 'dtype' in message and 'may be malicious' in message and '--trust-checkpoint' in message


def test_the_object_dtype_message_says_what_it_is(tmp_path):
    path = write_checkpoint(tmp_path / 'evil.pth', MALICIOUS['dtype-state']())
    with pytest.raises(UnsafeCheckpointError, match=r"the dtype 'O8': an object dtype \(its elements are raw "
                                                    r"pointers to Python objects\)"):
        safe_torch_load(path)
    path = write_checkpoint(tmp_path / 'flags.pth', MALICIOUS['float-dtype-flags']())
    with pytest.raises(UnsafeCheckpointError, match=r'a state for the dtype <f8 that changes it: '
                                                    r"\(3, '<', None, None, None, -1, -1, 63\)"):
        safe_torch_load(path)


def test_the_api_paths_refuse_it(malicious_file):
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        init_model(SMALL_CONFIG, malicious_file)
    with compat.mmengine_fixes(), pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(malicious_file)  # mmengine: Runner.load_checkpoint, resume
    with compat.mmengine_fixes(), pytest.raises(UnsafeCheckpointError):
        mmengine_load_checkpoint(torch.nn.Linear(2, 1), malicious_file)
    with pytest.raises(UnsafeCheckpointError, match='refused to load'):
        FaceLandmarker(SMALL_CONFIG, malicious_file)  # the demo


def test_init_cfg_pretrained_refuses_it(malicious_file):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmpose_face.registry import MODELS
    init_default_scope('mmpose_face')
    cfg = Config.fromfile(SMALL_CONFIG)
    cfg.model.init_cfg = dict(type='Pretrained', checkpoint=malicious_file)
    model = MODELS.build(cfg.model)
    with compat.mmengine_fixes(), pytest.raises(UnsafeCheckpointError):
        model.init_weights()


@pytest.mark.parametrize('tool,argv', [
    ('test', ['{path}']),
    ('train', ['--resume', '{path}']),
    ('train', ['--cfg-options', 'load_from={path}']),
    ('deployment/pytorch2onnx', ['{path}', '--output', '{out}/model.onnx']),
], ids=['test.py', 'train.py --resume', 'train.py load_from', 'pytorch2onnx.py'])
def test_the_tools_refuse_it(malicious_for_tools, tmp_path, monkeypatch, capsys, one_thread, tool, argv):
    malicious_file = malicious_for_tools
    argv = [SMALL_CONFIG, *[arg.format(path=malicious_file, out=tmp_path) for arg in argv]]
    if tool != 'deployment/pytorch2onnx':
        argv += ['--work-dir', str(tmp_path / 'work')]
    if tool == 'train':
        argv += ['--cfg-options', f'experiment_name=numpy-{uuid.uuid4().hex}']
    assert run_tool_in_process(tool, argv, monkeypatch) == 1
    error = capsys.readouterr().err
    assert f'error: {malicious_file}: refused to load: it needs ' in error and 'dtype' in error
    assert 'Traceback' not in error


def test_the_demo_tool_refuses_it(malicious_for_tools, tmp_path, monkeypatch, capsys):
    malicious_file = malicious_for_tools
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    image = osp.join(repo, 'tests', 'data', 'wflw', 'images')
    argv = [image, SMALL_CONFIG, malicious_file, '--out-dir', str(tmp_path)]
    assert run_tool_in_process('../demo/face_landmarks_demo', argv, monkeypatch) == 1
    assert f'error: {malicious_file}: refused to load' in capsys.readouterr().err


def test_a_trusted_load_warns_naming_the_file(tmp_path):
    path = write_checkpoint(tmp_path / 'harmless_objects.pth', np.array([1, 'a'], dtype=object))
    with pytest.warns(UserWarning, match=f'{path}: loading a trusted checkpoint with full unpickling'):
        loaded = safe_torch_load(path, trusted=True)
    assert list(loaded['meta']['note']) == [1, 'a']


@pytest.mark.parametrize('value', [np.float64(0.0488), np.int64(7), np.bool_(True), np.float32(2.5),
                                   np.str_('NME'), np.arange(5, dtype='>i4'), np.zeros((0, 3), np.uint8),
                                   np.ones((2, 3), np.float16), np.array([1 + 2j]), np.array([b'ab', b'c']),
                                   np.array(['eye', 'nose']), np.dtype('f4')],
                         ids=lambda value: f'{type(value).__name__}-{getattr(value, "dtype", value)}')
def test_plain_numpy_still_loads(tmp_path, value):
    path = write_checkpoint(tmp_path / 'plain.pth', value)
    loaded = safe_torch_load(path)['meta']['note']
    expected = pickle.loads(pickle.dumps(value, protocol=2))  # what numpy itself makes of it
    assert type(loaded) is type(value)
    if isinstance(value, np.dtype):
        assert loaded == expected
    else:
        assert loaded.dtype == expected.dtype and np.array_equal(loaded, value)
