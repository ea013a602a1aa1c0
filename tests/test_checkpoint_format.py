"""The loader's check reads exactly the bytes torch unpickles, and bounds what it reads.

Each file here is built as an attacker would pack content that the check refuses
in a plain checkpoint (an object dtype with changed flags, a direct
``numpy.ndarray`` call, terabyte allocations) so that a check reading other
bytes than torch would let it through: ``archive/DATA.PKL`` (torch finds its
pickle case-insensitively) beside a decoy ``archive/zz/data.pkl``; a legacy
pickle with a zip appended (torch reads the first bytes, ``zipfile`` the end);
a zip bomb. Each ends in one ``error:``-able exception naming the file.
"""
import io
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

from mmpose_face.checkpoint_format import PICKLE_SIZE_LIMIT, archive_problem, torch_file_layout
from mmpose_face.engine.checkpoint_loading import safe_torch_load
from mmpose_face.engine.checkpoint_numpy import MAX_LIVE_VALUES, numpy_safe_globals, refusal_in_checkpoint
from mmpose_face.errors import CheckpointReadError, UnsafeCheckpointError

# --------------------------------------------------------------------------- hand-written pickles (protocol 2)
PROTO = b'\x80\x02'
DIRECT_NDARRAY_CALL = PROTO + b'cnumpy\nndarray\n' + b'J\x00\x00\x00\x01\x85R.'  # numpy.ndarray((2**24,))
BYTEARRAY_TIB = PROTO + b'c__builtin__\nbytearray\n' + b'\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.'  # 2**40 bytes
LATIN1_B = b'c_codecs\nencode\nX\x01\x00\x00\x00bX\x06\x00\x00\x00latin1\x86R'  # b'b' as protocol 2 writes it
# _reconstruct(ndarray, (2**40,), b'b')
TEMPLATE_TIB = (PROTO + b'cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n'
                + b'\x8a\x06\x00\x00\x00\x00\x00\x01\x85' + LATIN1_B + b'\x87R.')


def flagged_dtype_pickle() -> bytes:
    """An array of one float64 whose dtype's state sets the "holds references" flags (63):
    its 8 chosen bytes would be decref'd as a PyObject*."""
    class DtypeWithState:
        def __reduce__(self):
            return np.dtype, ('f8', False, True), (3, '<', None, None, None, -1, -1, 63)

    class ArrayWithState:
        def __reduce__(self):
            return (np._core.multiarray._reconstruct, (np.ndarray, (0, ), b'b'),
                    (1, (1, ), DtypeWithState(), False, b'\x41' * 8))

    return pickle.dumps({'meta': {'note': ArrayWithState()}}, protocol=2)


def torch_zip(path, pickle_bytes: bytes, pickle_name: str = 'data.pkl', extra: dict = None,
              compression=zipfile.ZIP_STORED) -> str:
    """A torch zip checkpoint (the records of a real ``torch.save``) whose pickle is
    ``pickle_bytes`` under ``archive/<pickle_name>``, plus ``extra`` entries."""
    buffer = io.BytesIO()
    torch.save({'weight': torch.zeros(2)}, buffer)
    with zipfile.ZipFile(buffer) as real, zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as out:
        folder = real.namelist()[0].split('/')[0]
        for info in real.infolist():
            if info.filename.endswith('/data.pkl'):
                out.writestr(f'{folder}/{pickle_name}', pickle_bytes, compress_type=compression)
            else:
                out.writestr(info.filename, real.read(info.filename))
        for name, data in (extra or {}).items():
            out.writestr(f'{folder}/{name}', data)
    return str(path)


# --------------------------------------------------------------------------- torch's member resolution
def test_torch_reads_data_pkl_whatever_its_case(tmp_path):
    """The premise: torch unpickles archive/DATA.PKL."""
    path = torch_zip(tmp_path / 'upper.pth', pickle.dumps({'which': 'DATA.PKL'}, protocol=2), 'DATA.PKL')
    assert torch.load(path, weights_only=True) == {'which': 'DATA.PKL'}
    assert safe_torch_load(path) == {'which': 'DATA.PKL'}  # and so does the checked load


def test_the_check_reads_the_upper_case_pickle(tmp_path):
    path = torch_zip(tmp_path / 'upper.pth', flagged_dtype_pickle(), 'DATA.PKL')
    with pytest.raises(UnsafeCheckpointError, match=f'{path}: refused to load: it needs a state for the dtype <f8 '
                                                    'that changes it'):
        safe_torch_load(path)


def test_a_decoy_data_pkl_beside_the_real_one_is_refused(tmp_path):
    decoy = pickle.dumps({'state_dict': {}}, protocol=2)
    path = torch_zip(tmp_path / 'decoy.pth', flagged_dtype_pickle(), 'DATA.PKL', extra={'zz/data.pkl': decoy})
    with pytest.raises(CheckpointReadError, match=f'{path}: cannot be loaded: a zip archive with 2 data.pkl entries '
                                                  r'\(.*/DATA.PKL, .*/zz/data.pkl\)'):
        safe_torch_load(path)
    assert 'data.pkl entries' in archive_problem(path)


def test_a_legacy_pickle_with_a_zip_appended_is_refused(tmp_path):
    """torch reads a file that starts with a pickle as a pickle, whatever zip follows."""
    legacy = io.BytesIO()
    torch.save({'meta': {'note': np.arange(2)}}, legacy, _use_new_zipfile_serialization=False)
    benign_zip = io.BytesIO()
    torch.save({'weight': torch.zeros(2)}, benign_zip)
    path = tmp_path / 'both.pth'
    path.write_bytes(legacy.getvalue() + benign_zip.getvalue())
    assert zipfile.is_zipfile(path)  # what the check trusted before
    with pytest.raises(CheckpointReadError, match=f'{path}: cannot be loaded: both a pickle .* and a zip archive'):
        safe_torch_load(str(path))


def test_a_plain_legacy_checkpoint_still_loads(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'weight': torch.arange(3.), 'flip': np.arange(3)}, path, _use_new_zipfile_serialization=False)
    assert torch_file_layout(str(path)).format == 'legacy'
    loaded = safe_torch_load(str(path))
    assert torch.equal(loaded['weight'], torch.arange(3.)) and (loaded['flip'] == np.arange(3)).all()


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64, torch.bfloat16, torch.uint16, torch.float8_e4m3fn,
                                   torch.bool, torch.complex64])
def test_the_storage_check_knows_every_storage_torch_writes(tmp_path, dtype):
    """Typed storages (torch.FloatStorage) and, for newer dtypes, torch.storage.UntypedStorage."""
    path = tmp_path / 'dtypes.pth'
    torch.save({'t': torch.ones(3, dtype=dtype), 'view': torch.arange(10.)[2:5]}, path)
    loaded = safe_torch_load(str(path))
    assert loaded['t'].dtype == dtype and loaded['view'].tolist() == [2., 3., 4.]


# --------------------------------------------------------------------------- what the pickle may ask for
@pytest.mark.parametrize('payload,reason', [
    (DIRECT_NDARRAY_CALL, 'a direct call of numpy.ndarray'),
    (BYTEARRAY_TIB, r'a call of bytearray with arguments \(1099511627776,\)'),
    (TEMPLATE_TIB, 'an array template of 1099511627776 bytes'),
], ids=['ndarray-call', 'bytearray-1TiB', 'template-1TiB'])
@pytest.mark.parametrize('pickle_name', ['data.pkl', 'DATA.PKL'])
def test_allocations_and_uninitialised_memory_are_refused(tmp_path, payload, reason, pickle_name):
    path = torch_zip(tmp_path / 'evil.pth', payload, pickle_name)
    with pytest.raises(UnsafeCheckpointError, match=f'{path}: refused to load: it needs {reason}'):
        safe_torch_load(path)


def test_a_legacy_storage_larger_than_the_file_is_refused_before_torch_allocates_it(tmp_path):
    """torch's legacy loader allocates each storage's numel before reading it."""
    buffer = io.BytesIO()
    torch.save({'weight': torch.zeros(3)}, buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    huge = b'\x8a\x06' + (1 << 40).to_bytes(6, 'little')  # LONG1 2**40
    forged = data.replace(b'K\x03Nt', huge + b'Nt', 1)  # the storage's numel (3), then its view metadata None
    assert forged != data
    path = tmp_path / 'huge.pth'
    path.write_bytes(forged)
    with pytest.raises(CheckpointReadError, match=f'{path}: cannot be read \\(a tensor storage of 4398046511104 '
                                                  'bytes .* where the file holds'):
        safe_torch_load(str(path))


def test_the_runtime_stand_ins_refuse_what_the_check_refuses(tmp_path):
    """Even a load that skipped the check calls no numpy.ndarray and no bytes(2**40)."""
    for payload, refused in [(DIRECT_NDARRAY_CALL, 'direct call of numpy.ndarray'),
                             (PROTO + b'c__builtin__\nbytes\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.', 'bytes'),
                             (TEMPLATE_TIB, 'array template')]:
        path = torch_zip(tmp_path / 'evil.pth', payload)
        with torch.serialization.safe_globals(numpy_safe_globals(1000)):
            with pytest.raises(pickle.UnpicklingError, match=refused):
                torch.load(path, weights_only=True)


# --------------------------------------------------------------------------- bounded memory
def test_a_zip_bomb_is_refused_unread(tmp_path):
    """A deflated data.pkl that unpacks past the limit: refused from the zip directory,
    with the check's memory in kilobytes (main's check unpickled all of it)."""
    path = tmp_path / 'bomb.pth'
    buffer = io.BytesIO()
    torch.save({'weight': torch.zeros(2)}, buffer)
    with zipfile.ZipFile(buffer) as real, zipfile.ZipFile(path, 'w') as out:
        folder = real.namelist()[0].split('/')[0]
        info = zipfile.ZipInfo(f'{folder}/data.pkl')
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, 'w', force_zip64=True) as member:
            member.write(PROTO + b'(')
            block = b'N' * (1 << 20)
            for _ in range((PICKLE_SIZE_LIMIT >> 20) + 1):
                member.write(block)
        for info in real.infolist()[1:]:
            out.writestr(info.filename, real.read(info.filename))
    assert path.stat().st_size < PICKLE_SIZE_LIMIT // 100
    tracemalloc.start()
    problem = archive_problem(str(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert 'unpacks to' in problem and 'more than the 256 MiB' in problem, problem
    assert peak < 1 << 20
    with pytest.raises(CheckpointReadError, match=f'{path}: cannot be loaded: its .*data.pkl unpacks to'):
        safe_torch_load(str(path))


def test_a_pickle_that_piles_up_values_is_refused(tmp_path, monkeypatch):
    from mmpose_face.engine import checkpoint_numpy
    monkeypatch.setattr(checkpoint_numpy, 'MAX_LIVE_VALUES', 1000)  # the same rule at 2**20, a thousand times faster
    for payload in [PROTO + b'(' + b'N' * 1010 + b'.',  # on one stack
                    PROTO + b'(NNNNNNNNN' * 110 + b'.',  # spread under many marks
                    PROTO + b'N' + b''.join(b'r' + i.to_bytes(4, 'little') for i in range(1010)) + b'.']:  # memoised
        path = torch_zip(tmp_path / 'pile.pth', payload, compression=zipfile.ZIP_DEFLATED)
        refusal = refusal_in_checkpoint(path)
        assert refusal.startswith('a pickle that keeps more than 1000 values'), refusal
    assert MAX_LIVE_VALUES == 1 << 20


def test_a_zip_with_data_after_its_end_record_is_refused(tmp_path):
    path = torch_zip(tmp_path / 'tail.pth', pickle.dumps({'a': 1}, protocol=2))
    with open(path, 'ab') as f:
        f.write(b'PK\x05\x06' + struct.pack('<HHHHIIH', 0, 0, 0, 0, 0, 0, 0))  # a second end record, empty
        f.write(b'trailing')
    with pytest.raises(CheckpointReadError, match='cut off or damaged'):
        safe_torch_load(path)
