"""The numpy content a checkpoint may hold, and the check that admits only that.

mmengine and mmcv checkpoints hold numpy arrays and scalars besides tensors
(the message hub's ``HistoryBuffer`` logs, ``best_score``, the arrays of
mmpose 1.x ``dataset_meta``). numpy pickles them as calls of ``numpy.dtype``,
``_reconstruct`` and ``scalar`` followed by ``BUILD`` states, and a dtype's
state can set anything: its flags (an object dtype with flags 0 makes an
array whose 8 bytes are used as a ``PyObject*``), fields with object types,
sub-arrays. ``torch.load(weights_only=True)`` calls ``dtype.__setstate__``
with whatever the file says once the dtype class is allow-listed.

So numpy is admitted in two layers, and only inside
:func:`mmpose_face.engine.checkpoint_loading.safe_torch_load`:

1. :func:`refusal_in_checkpoint` reads the pickle's opcodes *without executing
   any of them* (a stack machine over :func:`pickletools.genops`) and
   refuses any numpy global other than the five a checkpoint needs, any
   dtype that is not plain numeric or a string, any dtype state that differs
   from the canonical state of its type (flags, fields, sub-array, size,
   metadata), arrays built other than the way numpy pickles them, and numpy
   classes built with ``NEWOBJ``/``INST``/``OBJ``. It also refuses what
   only allocates: an array template larger than the file, array data of
   another length than shape x item size, a direct ``numpy.ndarray(shape)``
   call (uninitialised memory), ``bytes(n)`` / ``bytearray(n)``; and, as a
   file that cannot be read, a tensor storage that claims more bytes than
   its record (or a legacy file) holds. It reads the bytes torch will
   unpickle (:mod:`mmpose_face.checkpoint_format`) and keeps at most
   :data:`MAX_LIVE_VALUES` values, so its memory is bounded.
2. :func:`numpy_safe_globals` gives the unpickler wrappers that check again
   at the moment they run (the dtype code, the array's template type code
   and size, the scalar's dtype and byte count); the name ``numpy.ndarray``
   and ``bytes`` resolve to stand-ins that refuse to be called, and the
   ndarray and dtype classes are listed, for ``BUILD`` only, under names
   without a dot, which no pickle global can name.

Admitted: bool, signed/unsigned integers, floats, complex (``biufc``), and
fixed-width strings (``U``, ``S``), in either byte order.
"""
import pickletools
import re

import numpy as np

from mmpose_face.checkpoint_format import NotATorchFile, open_pickle_stream, torch_file_layout

ADMITTED_KINDS = 'biufcUS'
_DTYPE = 'numpy.dtype'
_NDARRAY = 'numpy.ndarray'
_RECONSTRUCT = ('numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct')
_SCALAR = ('numpy.core.multiarray.scalar', 'numpy._core.multiarray.scalar')
ADMITTED_NUMPY_GLOBALS = (_DTYPE, _NDARRAY) + _RECONSTRUCT + _SCALAR
_DTYPE_CODE = re.compile(r'^([biufcUS])(\d+)$')
_LEGACY_PICKLES = 5  # magic number, protocol, sys info, the content, the storage keys


class RefusedContent(Exception):
    """What :func:`refusal_in_checkpoint` found; the message names the global or dtype."""


# --------------------------------------------------------------------------- dtypes
def canonical_dtype(code):
    """The dtype numpy pickled as ``numpy.dtype(code, False, True)``, or raise RefusedContent.

    numpy writes ``kind + itemsize`` (``'f8'``, ``'b1'``; for unicode the characters or
    the bytes, which the BUILD state's size then fixes).
    """
    match = _DTYPE_CODE.match(code) if isinstance(code, str) else None
    if match is None:
        raise RefusedContent(f'the dtype {code!r}: {_kind_reason(code)}')
    kind, size = match.group(1), int(match.group(2))
    if kind == 'U':  # numpy writes the number of characters or of bytes; the state's size decides
        return np.dtype(f'U{size}')
    try:
        dtype = np.dtype(code)
    except TypeError:
        raise RefusedContent(f'the dtype {code!r}: not a numpy type') from None
    if dtype.itemsize != size:
        raise RefusedContent(f'the dtype {code!r}: not a numpy type')
    return dtype


def _kind_reason(code) -> str:
    if isinstance(code, str) and code[:1] == 'O':
        return 'an object dtype (its elements are raw pointers to Python objects)'
    if isinstance(code, str) and code[:1] == 'V':
        return 'a structured or void dtype (may hold object fields)'
    return 'not a plain numeric or string dtype'


def plain_dtype_problem(dtype) -> str:
    """Why a built dtype is not plain (or '' when it is): checked again at run time."""
    if not isinstance(dtype, np.dtype):
        return f'{type(dtype).__name__} where a dtype belongs'
    if dtype.kind not in ADMITTED_KINDS:
        return f'the dtype {dtype}: {_kind_reason(dtype.kind)}'
    canonical = np.dtype(dtype.str)
    if (dtype.fields is not None or dtype.subdtype is not None or dtype.metadata is not None
            or dtype.flags != canonical.flags or dtype.itemsize != canonical.itemsize):
        return f'the dtype {dtype.str}: its state was changed (flags {dtype.flags}, fields, sub-array or size)'
    return ''


def _canonical_states(dtype) -> list:
    """The BUILD states numpy writes for ``dtype`` in either byte order."""
    return [dtype.__reduce__()[2], dtype.newbyteorder().__reduce__()[2]]


# --------------------------------------------------------------------------- run-time wrappers
def _checked_dtype(code, align=False, copy=True):
    """``numpy.dtype`` as the unpickler may call it: only admitted codes, always a copy
    (a BUILD on numpy's shared instance would change it for the whole process)."""
    from pickle import UnpicklingError
    try:
        dtype = canonical_dtype(code)
    except RefusedContent as refused:
        raise UnpicklingError(f'refused {refused}') from None
    if align is not False:
        raise UnpicklingError(f'refused the dtype {code!r} with align={align!r}')
    return np.dtype(dtype, copy=True)


def _ndarray_global(*args, **kwargs):
    """What the global ``numpy.ndarray`` means while a checked file loads: the argument
    ``_reconstruct`` expects, never a call (``numpy.ndarray(shape)`` returns
    uninitialised memory, and allocates whatever the shape asks for)."""
    from pickle import UnpicklingError
    raise UnpicklingError('refused a direct call of numpy.ndarray (it returns uninitialised memory)')


def _checked_reconstruct_for(max_bytes: int):
    def _checked_reconstruct(cls, shape, typecode):
        """numpy's ``_reconstruct`` for the empty uint8 template numpy pickles an array as."""
        from pickle import UnpicklingError
        if cls is not _ndarray_global or typecode != b'b' or not _is_shape(shape):
            raise UnpicklingError(f'refused an array template {cls!r} {shape!r} {typecode!r}')
        if _elements(shape) > max_bytes:
            raise UnpicklingError(f'refused an array template of {_elements(shape)} bytes in a file of {max_bytes}')
        return np._core.multiarray._reconstruct(np.ndarray, shape, typecode)
    return _checked_reconstruct


def _checked_scalar(dtype, data=None):
    """numpy's ``scalar`` for a plain dtype and exactly its number of bytes."""
    from pickle import UnpicklingError
    problem = plain_dtype_problem(dtype)
    if problem:
        raise UnpicklingError(f'refused a numpy scalar of {problem}')
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise UnpicklingError(f'refused a numpy scalar of dtype {dtype.str} with {type(data).__name__} data')
    return np._core.multiarray.scalar(dtype, data)


def _empty_bytes(*args):
    """``builtins.bytes`` as protocol 2 uses it: ``bytes()`` only (``bytes(2**40)``
    would allocate a terabyte)."""
    from pickle import UnpicklingError
    if args:
        raise UnpicklingError(f'refused a call of bytes with {len(args)} arguments')
    return b''


# Names without a dot: no GLOBAL can name them (the unpickler looks up "module.name"),
# so these classes are there for BUILD only (torch applies BUILD to allow-listed types).
_BUILD_ONLY = 'mmpose_face_build_only_'


def numpy_safe_globals(max_bytes: int) -> list:
    """What :func:`torch.serialization.safe_globals` gets while a checked file of
    ``max_bytes`` bytes loads: checked stand-ins for the five numpy globals, and the
    ndarray and dtype classes under names no pickle can call them by."""
    entries = [(_ndarray_global, _NDARRAY), (_checked_dtype, _DTYPE)]
    entries += [(_checked_reconstruct_for(max_bytes), name) for name in _RECONSTRUCT]
    entries += [(_checked_scalar, name) for name in _SCALAR]
    entries.append((np.ndarray, _BUILD_ONLY + 'ndarray'))
    entries += [(type(np.dtype(code)), f'{_BUILD_ONLY}{type(np.dtype(code)).__name__}')
                for code in '?bBhHiIlLqQefdgFDGUS']
    # pickle protocol 2 (torch.save's) writes an empty bytes object as a call of
    # builtins.bytes: the data of an empty array (mmpose 1.x WFLW skeleton_link_colors)
    entries += [(_empty_bytes, 'builtins.bytes'), (_empty_bytes, '__builtin__.bytes')]
    return entries


def _is_shape(shape) -> bool:
    return isinstance(shape, tuple) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                            for n in shape)


def _elements(shape) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


# --------------------------------------------------------------------------- the static check
class _Opaque:
    """A value the check does not need to know (one instance: a long pickle costs no more)."""


_OPAQUE = _Opaque()


class _Global:
    def __init__(self, name):
        self.name = name


class _Dtype:
    def __init__(self, dtype):
        self.dtype = dtype


class _Array:
    def __init__(self, shape):
        self.shape = shape


class _EmptyBytes:
    """``bytes()``: how pickle protocol 2 writes ``b''``."""


_EMPTY_BYTES = _EmptyBytes()
# Values a check keeps at most (stack, marks and memo each): a checkpoint's pickle has
# thousands; a pickle made to exhaust memory has hundreds of millions.
MAX_LIVE_VALUES = 1 << 20
_BYTES_CALLS = ('builtins.bytes', '__builtin__.bytes', 'builtins.bytearray', '__builtin__.bytearray')


def _numpy_global(name: str) -> bool:
    return name == 'numpy' or name.startswith('numpy.')


def _refuse_global(name: str) -> None:
    if _numpy_global(name) and name not in ADMITTED_NUMPY_GLOBALS:
        raise RefusedContent(f'the global {name} (numpy admits only dtype, ndarray, _reconstruct, scalar)')


def _reduce(func, args, max_bytes: int):
    if not isinstance(func, _Global):
        return _OPAQUE
    name = func.name
    if name == _DTYPE:
        if not (isinstance(args, tuple) and len(args) == 3 and args[1] is False):
            raise RefusedContent(f'a numpy.dtype call with arguments {_show(args)}')
        return _Dtype(canonical_dtype(args[0]))
    if name in _RECONSTRUCT:
        if not (isinstance(args, tuple) and len(args) == 3 and isinstance(args[0], _Global)
                and args[0].name == _NDARRAY and args[2] == b'b' and _is_shape(args[1])):
            raise RefusedContent(f'an array template built with arguments {_show(args)}')
        if _elements(args[1]) > max_bytes:
            raise RefusedContent(f'an array template of {_elements(args[1])} bytes, more than the file\'s '
                                 f'{max_bytes} (an allocation the file cannot fill)')
        return _Array(args[1])
    if name in _SCALAR:
        if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], _Dtype)):
            raise RefusedContent(f'a numpy scalar built from {_show(args)}')
        data = args[1]
        if isinstance(data, (bytes, str)) and len(data) != args[0].dtype.itemsize:
            raise RefusedContent(f'a numpy scalar of dtype {args[0].dtype.str} with {len(data)} bytes')
        return _OPAQUE
    if name == _NDARRAY:
        raise RefusedContent('a direct call of numpy.ndarray (it returns uninitialised memory, of any size)')
    if _numpy_global(name):
        raise RefusedContent(f'a call of {name}')
    if name == '_codecs.encode' and isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str) \
            and args[1] == 'latin1':
        return args[0].encode('latin1')  # how pickle protocol 2 writes bytes
    if name in _BYTES_CALLS:
        if args == ():
            return _EMPTY_BYTES
        if not (isinstance(args, tuple) and args and isinstance(args[0], (str, bytes))):
            # bytes(n) / bytearray(n) allocate n zero bytes: 2**40 is a terabyte
            raise RefusedContent(f'a call of {name.split(".")[-1]} with arguments {_show(args)}')
    return _OPAQUE


def _build(target, state) -> None:
    if isinstance(target, _Dtype):
        if (target.dtype.kind == 'U' and isinstance(state, tuple) and len(state) == 8
                and isinstance(state[5], int) and state[5] > 0 and state[5] % 4 == 0):
            target.dtype = np.dtype(f'U{state[5] // 4}')  # what numpy's BUILD makes of it
        if not isinstance(state, tuple) or state not in _canonical_states(target.dtype):
            raise RefusedContent(f'a state for the dtype {target.dtype.str} that changes it: {_show(state)} '
                                 f'(numpy writes {_show(_canonical_states(target.dtype)[0])})')
    elif isinstance(target, _Array):
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1 and _is_shape(state[1])
                and isinstance(state[2], _Dtype) and isinstance(state[3], bool)):
            raise RefusedContent(f'an array whose state is {_show(state)}')
        data = b'' if state[4] is _EMPTY_BYTES else state[4]
        expected = _elements(state[1]) * state[2].dtype.itemsize
        if not isinstance(data, bytes) or len(data) != expected:
            raise RefusedContent(f'an array of shape {state[1]} and dtype {state[2].dtype.str} ({expected} bytes) '
                                 f'whose data is {_show(state[4])}')
    elif isinstance(target, _Global) and _numpy_global(target.name):
        raise RefusedContent(f'a state for {target.name}')


def _show(value) -> str:
    if isinstance(value, tuple):
        return '(' + ', '.join(_show(item) for item in value) + (',)' if len(value) == 1 else ')')
    if isinstance(value, _Global):
        return value.name
    if isinstance(value, _Dtype):
        return f'dtype({value.dtype.str!r})'
    if isinstance(value, (_Opaque, _Array)):
        return '...'
    if value is _EMPTY_BYTES:
        return "b''"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _storage_element_size(storage_type) -> int:
    """Bytes per element of a storage class (``torch.FloatStorage``: 4,
    ``torch.storage.UntypedStorage``: 1); 1 for another torch storage (a lower bound:
    the check then bounds the element count by the bytes), 0 for anything else."""
    import torch
    if not isinstance(storage_type, _Global) or not storage_type.name.startswith('torch.'):
        return 0
    name = storage_type.name.rsplit('.', 1)[-1]
    sizes = {storage: dtype.itemsize for dtype, storage in torch.storage._dtype_to_storage_type_map().items()}
    return sizes.get(name, 1) if name.endswith('Storage') else 0


def _check_storage(pid, layout) -> None:
    """A tensor storage (``('storage', torch.FloatStorage, key, location, numel[, view])``):
    torch allocates ``numel`` elements before it reads them; the file must hold them."""
    if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == 'storage'):
        raise RefusedContent(f'a persistent id {_show(pid)} that is not a tensor storage')
    element_size = _storage_element_size(pid[1])
    key, numel = pid[2], pid[4]
    if not element_size or not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
        raise RefusedContent(f'a tensor storage this check cannot read: {_show(pid)}')
    available = layout.storage_bytes(key)
    if numel * element_size > available:  # a cut-off file, or an allocation made to exhaust memory
        raise NotATorchFile(f'a tensor storage of {numel * element_size} bytes (storage {key!r}) where the file '
                            f'holds {available}')


def _check_one_pickle(stream, layout) -> None:
    """Run the check over the pickle that starts at ``stream``'s position, up to its STOP."""
    stack, metastack, memo = [], [], {}
    saved = 0  # values in the stacks under the marks

    def pop_mark():
        nonlocal stack, saved
        items = stack
        stack = metastack.pop()
        saved -= len(stack) + 1
        return items

    for opcode, arg, _ in pickletools.genops(stream):
        name = opcode.name
        if len(stack) + saved + len(memo) > MAX_LIVE_VALUES:
            raise RefusedContent(f'a pickle that keeps more than {MAX_LIVE_VALUES} values at once (a checkpoint\'s '
                                 f'keeps thousands): made to exhaust memory')
        if name in ('PROTO', 'FRAME'):
            continue
        if name == 'STOP':
            return
        if name == 'MARK':
            metastack.append(stack)
            saved += len(stack) + 1
            stack = []
        elif name in ('GLOBAL', 'INST'):
            module, _, attr = arg.partition(' ')
            full = f'{module}.{attr}'
            _refuse_global(full)
            if name == 'INST':
                pop_mark()
                if _numpy_global(full):
                    raise RefusedContent(f'{full} built with INST')
                stack.append(_OPAQUE)
            else:
                stack.append(_Global(full))
        elif name == 'STACK_GLOBAL':
            attr, module = stack.pop(), stack.pop()
            if not (isinstance(module, str) and isinstance(attr, str)):
                raise RefusedContent('a global whose name this check cannot read')
            full = f'{module}.{attr}'
            _refuse_global(full)
            stack.append(_Global(full))
        elif name == 'REDUCE':
            args = stack.pop()
            stack[-1] = _reduce(stack[-1], args, layout.size)
        elif name == 'BUILD':
            state = stack.pop()
            _build(stack[-1], state)
        elif name in ('BINPERSID', 'PERSID'):
            pid = stack.pop() if name == 'BINPERSID' else arg
            _check_storage(pid, layout)
            stack.append(_OPAQUE)
        elif name in ('NEWOBJ', 'NEWOBJ_EX', 'OBJ'):
            if name == 'OBJ':
                items = pop_mark()
                cls = items[0] if items else None
            else:
                if name == 'NEWOBJ_EX':
                    stack.pop()
                stack.pop()
                cls = stack.pop()
            if isinstance(cls, _Global) and _numpy_global(cls.name):
                raise RefusedContent(f'{cls.name} built with {name}')
            stack.append(_OPAQUE)
        elif name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
            memo[arg] = stack[-1]
        elif name == 'MEMOIZE':
            memo[len(memo)] = stack[-1]
        elif name in ('GET', 'BINGET', 'LONG_BINGET'):
            stack.append(memo.get(arg, _OPAQUE))
        elif name == 'DUP':
            stack.append(stack[-1])
        elif name == 'POP':
            if stack:
                stack.pop()
            else:
                pop_mark()
        elif name == 'POP_MARK':
            pop_mark()
        elif name == 'NONE':
            stack.append(None)
        elif name in ('NEWTRUE', 'NEWFALSE'):
            stack.append(name == 'NEWTRUE')
        elif name == 'EMPTY_TUPLE':
            stack.append(())
        elif name in ('TUPLE1', 'TUPLE2', 'TUPLE3'):
            count = int(name[-1])
            items = tuple(stack[-count:])
            del stack[-count:]
            stack.append(items)
        elif name == 'TUPLE':
            items = tuple(pop_mark())  # (not inline: pop_mark rebinds ``stack``)
            stack.append(items)
        elif opcode.arg is not None and not opcode.stack_before and len(opcode.stack_after) == 1:
            stack.append(arg)  # a constant: int, float, str, bytes
        else:  # containers and the rest: keep the stack's shape, values unknown
            before = opcode.stack_before
            if pickletools.markobject in before:
                pop_mark()
                before = before[:before.index(pickletools.markobject)]
            for _ in before:
                stack.pop()
            stack.extend(_OPAQUE for _ in opcode.stack_after)


def refusal_in_pickles(stream, layout, pickles: int = 1) -> str:
    """What the next ``pickles`` pickles of ``stream`` hold that may not be unpickled, or ''.
    Raises :class:`~mmpose_face.checkpoint_format.NotATorchFile` where they promise more
    bytes than the file holds (a tensor storage, the pickles themselves).

    Executes nothing; each operation is checked as it comes, so where the
    bytes stop being a pickle (the raw tensor data of a legacy file, a cut-off
    file) everything before was checked, and the unpickler fails there too.
    ``layout`` (:class:`~mmpose_face.checkpoint_format.TorchFileLayout`) says
    how many bytes the file and each storage hold.
    """
    for _ in range(pickles):
        if not stream.peek(1):
            break
        try:
            _check_one_pickle(stream, layout)
        except RefusedContent as refused:
            return str(refused)
        except ValueError:  # not (or no longer) a pickle: the unpickler stops here as well
            break
        except (IndexError, KeyError, TypeError, AttributeError) as error:
            return f'a pickle whose operations this check cannot follow ({type(error).__name__})'
    return ''


def refusal_in_checkpoint(path: str, layout=None) -> str:
    """:func:`refusal_in_pickles` over exactly the bytes torch will unpickle
    (:func:`~mmpose_face.checkpoint_format.open_pickle_stream`): the ``data.pkl``
    torch resolves in a zip checkpoint, or the five leading pickles of a legacy one."""
    layout = layout or torch_file_layout(path)
    with open_pickle_stream(path, layout) as stream:
        return refusal_in_pickles(stream, layout, pickles=1 if layout.format == 'zip' else _LEGACY_PICKLES)
