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
   classes built with ``NEWOBJ``/``INST``/``OBJ``.
2. :func:`numpy_safe_globals` gives the unpickler wrappers that check again
   at the moment they run (the dtype code, the array's template type code,
   the scalar's dtype and byte count).

Admitted: bool, signed/unsigned integers, floats, complex (``biufc``), and
fixed-width strings (``U``, ``S``), in either byte order.
"""
import pickletools
import re
import zipfile

import numpy as np

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


def _checked_reconstruct(cls, shape, typecode):
    """numpy's ``_reconstruct`` for the empty uint8 template numpy pickles an array as."""
    from pickle import UnpicklingError
    if cls is not np.ndarray or typecode != b'b' or not isinstance(shape, tuple):
        raise UnpicklingError(f'refused an array template {cls!r} {shape!r} {typecode!r}')
    return np._core.multiarray._reconstruct(cls, shape, typecode)


def _checked_scalar(dtype, data=None):
    """numpy's ``scalar`` for a plain dtype and exactly its number of bytes."""
    from pickle import UnpicklingError
    problem = plain_dtype_problem(dtype)
    if problem:
        raise UnpicklingError(f'refused a numpy scalar of {problem}')
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise UnpicklingError(f'refused a numpy scalar of dtype {dtype.str} with {type(data).__name__} data')
    return np._core.multiarray.scalar(dtype, data)


def numpy_safe_globals() -> list:
    """What :func:`torch.serialization.safe_globals` gets while a checked file loads.

    The dtype classes are there only because torch's unpickler applies
    ``BUILD`` to allow-listed types; :func:`refusal_in_checkpoint` refuses their
    names as globals.
    """
    entries = [(np.ndarray, _NDARRAY), (_checked_dtype, _DTYPE)]
    entries += [(_checked_reconstruct, name) for name in _RECONSTRUCT]
    entries += [(_checked_scalar, name) for name in _SCALAR]
    entries += [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGUS']
    # pickle protocol 2 (torch.save's) writes an empty bytes object as a call of
    # builtins.bytes: the data of an empty array (mmpose 1.x WFLW skeleton_link_colors)
    entries.append(bytes)
    return entries


# --------------------------------------------------------------------------- the static check
class _Opaque:
    """A value the check does not need to know."""


class _Global:
    def __init__(self, name):
        self.name = name


class _Dtype:
    def __init__(self, dtype):
        self.dtype = dtype


class _Array:
    pass


_MARK = object()


def _numpy_global(name: str) -> bool:
    return name == 'numpy' or name.startswith('numpy.')


def _refuse_global(name: str) -> None:
    if _numpy_global(name) and name not in ADMITTED_NUMPY_GLOBALS:
        raise RefusedContent(f'the global {name} (numpy admits only dtype, ndarray, _reconstruct, scalar)')


def _reduce(func, args):
    if not isinstance(func, _Global):
        return _Opaque()
    name = func.name
    if name == _DTYPE:
        if not (isinstance(args, tuple) and len(args) == 3 and args[1] is False):
            raise RefusedContent(f'a numpy.dtype call with arguments {_show(args)}')
        return _Dtype(canonical_dtype(args[0]))
    if name in _RECONSTRUCT:
        if not (isinstance(args, tuple) and len(args) == 3 and isinstance(args[0], _Global)
                and args[0].name == _NDARRAY and args[2] == b'b'):
            raise RefusedContent(f'an array template built with arguments {_show(args)}')
        return _Array()
    if name in _SCALAR:
        if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], _Dtype)):
            raise RefusedContent(f'a numpy scalar built from {_show(args)}')
        data = args[1]
        if isinstance(data, (bytes, str)) and len(data) != args[0].dtype.itemsize:
            raise RefusedContent(f'a numpy scalar of dtype {args[0].dtype.str} with {len(data)} bytes')
        return _Opaque()
    if _numpy_global(name):
        raise RefusedContent(f'a call of {name}')
    if name == '_codecs.encode' and isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str) \
            and args[1] == 'latin1':
        return args[0].encode('latin1')  # how pickle protocol 2 writes bytes
    if name in ('builtins.bytes', '__builtin__.bytes') and args != ():
        raise RefusedContent(f'a call of bytes with arguments {_show(args)}')
    return _Opaque()


def _build(target, state) -> None:
    if isinstance(target, _Dtype):
        if (target.dtype.kind == 'U' and isinstance(state, tuple) and len(state) == 8
                and isinstance(state[5], int) and state[5] > 0 and state[5] % 4 == 0):
            target.dtype = np.dtype(f'U{state[5] // 4}')  # what numpy's BUILD makes of it
        if not isinstance(state, tuple) or state not in _canonical_states(target.dtype):
            raise RefusedContent(f'a state for the dtype {target.dtype.str} that changes it: {_show(state)} '
                                 f'(numpy writes {_show(_canonical_states(target.dtype)[0])})')
    elif isinstance(target, _Array):
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1 and isinstance(state[1], tuple)
                and isinstance(state[2], _Dtype) and isinstance(state[3], bool)):
            raise RefusedContent(f'an array whose state is {_show(state)}')
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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _check_one_pickle(stream) -> None:
    """Run the check over the pickle that starts at ``stream``'s position, up to its STOP."""
    stack, metastack, memo = [], [], {}

    def pop_mark():
        nonlocal stack
        items = stack
        stack = metastack.pop()
        return items

    for opcode, arg, _ in pickletools.genops(stream):
        name = opcode.name
        if name in ('PROTO', 'FRAME'):
            continue
        if name == 'STOP':
            return
        if name == 'MARK':
            metastack.append(stack)
            stack = []
        elif name in ('GLOBAL', 'INST'):
            module, _, attr = arg.partition(' ')
            full = f'{module}.{attr}'
            _refuse_global(full)
            if name == 'INST':
                pop_mark()
                if _numpy_global(full):
                    raise RefusedContent(f'{full} built with INST')
                stack.append(_Opaque())
            else:
                stack.append(_Global(full))
        elif name == 'STACK_GLOBAL':
            attr, module = stack.pop(), stack.pop()
            full = f'{module}.{attr}' if isinstance(module, str) and isinstance(attr, str) else '?'
            _refuse_global(full)
            stack.append(_Global(full))
        elif name == 'REDUCE':
            args = stack.pop()
            stack[-1] = _reduce(stack[-1], args)
        elif name == 'BUILD':
            state = stack.pop()
            _build(stack[-1], state)
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
            stack.append(_Opaque())
        elif name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
            memo[arg] = stack[-1]
        elif name == 'MEMOIZE':
            memo[len(memo)] = stack[-1]
        elif name in ('GET', 'BINGET', 'LONG_BINGET'):
            stack.append(memo.get(arg, _Opaque()))
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
            stack.extend(_Opaque() for _ in opcode.stack_after)


def refusal_in_pickles(stream, pickles: int = 1) -> str:
    """What the next ``pickles`` pickles of ``stream`` hold that may not be unpickled, or ''.

    Executes nothing; each operation is checked as it comes, so where the
    bytes stop being a pickle (the raw tensor data of a legacy file, a cut-off
    file) everything before was checked, and the unpickler fails there too.
    """
    for _ in range(pickles):
        if not stream.peek(1):
            break
        try:
            _check_one_pickle(stream)
        except RefusedContent as refused:
            return str(refused)
        except ValueError:  # not (or no longer) a pickle: the unpickler stops here as well
            break
        except (IndexError, KeyError, TypeError, AttributeError) as error:
            return f'a pickle whose operations this check cannot follow ({type(error).__name__})'
    return ''


def refusal_in_checkpoint(path: str) -> str:
    """:func:`refusal_in_pickles` for a torch file: the pickles of a zip
    checkpoint (``data.pkl``), or the leading pickles of a legacy one."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith('.pkl'):
                    with archive.open(name) as member:
                        refusal = refusal_in_pickles(member)
                    if refusal:
                        return refusal
        return ''
    with open(path, 'rb') as f:
        return refusal_in_pickles(f, pickles=_LEGACY_PICKLES)
