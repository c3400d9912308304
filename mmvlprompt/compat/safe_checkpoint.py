"""Allow-list the globals that MMEngine checkpoints need under safe loading.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 checkpoints store the message hub (``HistoryBuffer`` objects holding
numpy arrays and scalars), so ``--resume`` and ``load_from`` fail with an
``UnpicklingError``. Instead of turning safe loading off, we add exactly the
classes and functions those checkpoints contain to torch's allow-list.

Files that are refused anyway fail with :class:`UnsafeCheckpointError`, whose
message names the offending global and, unlike torch's, never suggests
loading with ``weights_only=False``. Files that cannot be read at all (empty,
truncated, not a zip archive, corrupt) fail with
:class:`UnreadableCheckpointError`, naming the file and the reason, instead of
torch's "PytorchStreamReader failed reading zip archive". MMEngine's local
checkpoint loader (used by ``load_from``, ``--resume`` and ``tools/test.py``)
and the CLIP loader (``clip.pretrained``) both go through
:func:`refuse_unsafe_pickles`. A checkpoint that was read but belongs to
another CLIP raises :class:`CheckpointMismatchError`;
:func:`name_checkpoint_in_mismatch_errors` adds the file name to it on
MMEngine's loading routes.
"""
import functools
import os
import pickle
import re
import zipfile
from contextlib import contextmanager
from typing import List, Optional

import numpy as np
import torch


_BUILTIN_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})


def _history_buffer_getattr(obj, name: str):
    """Stand-in for ``getattr`` during safe loading.

    ``HistoryBuffer`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allowing the real ``getattr`` would
    let a checkpoint fetch any attribute of any allowed object, so only
    ``HistoryBuffer``'s registered statistics methods are served.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = _BUILTIN_STATISTICS | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        'HistoryBuffer statistics methods are allowed.')


def mmengine_checkpoint_globals() -> List[object]:
    """Return the globals found in MMEngine 0.10.x checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer

    try:  # numpy >= 2 moved the pickling helpers to numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    from _codecs import encode
    dtype_classes = [type(np.dtype(name)) for name in (
        'float64', 'float32', 'float16', 'int64', 'int32', 'int16', 'int8',
        'uint8', 'bool')]
    # numpy arrays pickle their raw bytes through _codecs.encode.
    return [HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype,
            *dtype_classes, encode,
            (_history_buffer_getattr, 'builtins.getattr')]


def allow_mmengine_checkpoints() -> None:
    """Register :func:`mmengine_checkpoint_globals` as safe for torch.load."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 has no safe loading
        add_safe_globals(mmengine_checkpoint_globals())


# --------------------------------------------------------------------------
# Our own refusal message
# --------------------------------------------------------------------------
# torch's refusal advises re-running with ``weights_only=False``, i.e. running
# the file's code. Every checkpoint we load goes through
# :func:`refuse_unsafe_pickles` instead, which names the offending global and
# never suggests that.
_GLOBAL_PATTERNS = (
    r'GLOBAL (\S+) was not an allowed global',
    r'unsupported GLOBAL (\S+) whose module',
    r'reduce for unrecognized function (.+?)(?: which belongs|$)',
    r'allowlisted via `add_safe_globals` but got (.+?)$',
    r'checkpoint asks for (getattr\(.+?\))',
)
_TORCH_ADVICE = ('weights_only', 'Weights only load failed', 'documentation',
                 'add_safe_globals', 'safe_globals', 'trust')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint was refused because unpickling it could run code."""


class UnreadableCheckpointError(RuntimeError):
    """A checkpoint file could not be read: empty, truncated, not a zip
    archive or corrupt. The message names the file and the reason."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint was read but does not fit the model, e.g. prompts
    trained on another CLIP, or CLIP weights of another architecture."""


_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTOCOL = b'\x80'  # legacy (pre-zip) torch.save files start so


def unreadable_reason(path: str) -> Optional[str]:
    """Why ``path`` cannot be a readable checkpoint, judged from its bytes.

    Returns ``None`` when the file looks like a checkpoint (a complete zip
    archive, a legacy pickle, or a ``.safetensors`` file), so that the
    actual error decides.
    """
    try:
        size = os.path.getsize(path)
        with open(path, 'rb') as handle:
            head = handle.read(8)
    except OSError as err:
        return f'it cannot be opened ({err.strerror})'
    if size == 0:
        return 'the file is empty (0 bytes)'
    if str(path).endswith('.safetensors') or zipfile.is_zipfile(path):
        return None
    if head.startswith(_ZIP_MAGIC):
        return (f'it is truncated: the zip archive ({size} bytes) has no '
                'end record, so the file was cut short (an interrupted '
                'copy, download or save?)')
    if head.startswith(_PICKLE_PROTOCOL):
        return None
    return ('it is not a zip archive, so not a PyTorch checkpoint (its '
            f'first bytes are {head!r})')


def unreadable_checkpoint_message(path: str, reason: str) -> str:
    """The message of :class:`UnreadableCheckpointError`."""
    return (f'Cannot read checkpoint {str(path)!r}: {reason}. It was not '
            'loaded. Copy or download the file again, or point to another '
            'checkpoint.')


def _torch_read_error(error: Exception) -> Optional[str]:
    """A reason for torch's own read failures on a complete zip archive."""
    message = str(error)
    if isinstance(error, EOFError) or 'PytorchStreamReader' in message or \
            'zip archive' in message or 'invalid header' in message:
        first = message.strip().splitlines()[0] if message.strip() else \
            type(error).__name__
        return f'it is corrupt ({first})'
    return None


def refused_global(message: str) -> Optional[str]:
    """The global named in a weights-only refusal message, if any."""
    for pattern in _GLOBAL_PATTERNS:
        match = re.search(pattern, message, flags=re.MULTILINE)
        if match:
            return match.group(1).strip()
    return None


def unsafe_checkpoint_message(path: str, error: Exception) -> str:
    """Explain, in our words, why ``path`` was refused."""
    message = str(error)
    name = refused_global(message)
    if name is None:  # corrupt, not a checkpoint, or an odd pickle opcode
        lines = [ln.strip() for ln in message.splitlines() if ln.strip()
                 and not any(word in ln for word in _TORCH_ADVICE)]
        detail = f' ({lines[-1]})' if lines else ''
        return (f'Refused to load checkpoint {str(path)!r}: the safe '
                f'unpickler could not read it{detail}. The file is corrupt, '
                'not a PyTorch checkpoint, or holds objects outside the '
                'allow-list; it was not loaded.')
    return (f'Refused to load checkpoint {str(path)!r} for safety: it '
            f'contains the global `{name}`, which is not on the allow-list '
            'of safe types (tensors, numbers, containers and the MMEngine '
            'training state). Unpickling it could run arbitrary code, so it '
            'was not loaded. Use a checkpoint written by mmvlprompt/MMEngine '
            'or open_clip, a plain state dict of tensors, or a .safetensors '
            'file.')


@contextmanager
def refuse_unsafe_pickles(path: str):
    """Turn torch's errors while loading ``path`` into our messages.

    Raises:
        UnsafeCheckpointError: instead of torch's ``UnpicklingError`` for a
            file that holds code.
        UnreadableCheckpointError: for a file that is empty, truncated, not
            a zip archive or corrupt, instead of torch's stream-reader
            errors, which do not name the file.
    """
    try:
        yield
    except (UnsafeCheckpointError, UnreadableCheckpointError,
            CheckpointMismatchError, FileNotFoundError):
        raise
    except pickle.UnpicklingError as err:
        reason = unreadable_reason(path)
        if reason is not None and refused_global(str(err)) is None:
            raise UnreadableCheckpointError(
                unreadable_checkpoint_message(path, reason)) from None
        # `from None`: torch's own text advises weights_only=False
        raise UnsafeCheckpointError(
            unsafe_checkpoint_message(path, err)) from None
    except (RuntimeError, EOFError, ValueError, OSError) as err:
        reason = unreadable_reason(path) or _torch_read_error(err)
        if reason is None:
            raise
        raise UnreadableCheckpointError(
            unreadable_checkpoint_message(path, reason)) from err


def safe_torch_load(path: str, map_location=None, mmap: bool = False):
    """``torch.load`` with ``weights_only=True`` forced and our message.

    Passing ``weights_only=True`` explicitly also keeps the environment
    variable ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` from turning safety off.
    ``mmap=True`` maps the tensors of a zip checkpoint instead of reading
    them (a cheap full check of the file's structure and pickle).
    """
    with refuse_unsafe_pickles(path):
        if mmap and zipfile.is_zipfile(path):
            return torch.load(path, map_location=map_location,
                              weights_only=True, mmap=True)
        return torch.load(path, map_location=map_location, weights_only=True)


def load_from_local(filename: str, map_location=None):
    """MMEngine loader for local paths (``load_from``, ``--resume``, test).

    Named like MMEngine's own, which logs ``name[10:]`` as the backend.
    """
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return safe_torch_load(filename, map_location=map_location)


def use_safe_local_loader() -> None:
    """Route MMEngine's local checkpoint loading through
    :func:`safe_torch_load` (replaces its default ``''`` scheme)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local,
                                     force=True)


def _name_the_file(load):
    """Wrap an MMEngine ``load_checkpoint(.., filename, ..)`` so that a
    :class:`CheckpointMismatchError` names ``filename``."""
    if getattr(load, '_names_the_file', False):
        return load

    @functools.wraps(load)
    def wrapped(*args, **kwargs):
        filename = kwargs.get('filename')
        if filename is None:  # (model, filename) / (self, filename)
            filename = args[1] if len(args) > 1 else '?'
        try:
            return load(*args, **kwargs)
        except CheckpointMismatchError as err:
            raise CheckpointMismatchError(
                f'Checkpoint {str(filename)!r} does not fit the model: '
                f'{err}') from None

    wrapped._names_the_file = True
    return wrapped


def name_checkpoint_in_mismatch_errors() -> None:
    """Make MMEngine's ``load_checkpoint`` routes (``Runner.load_checkpoint``
    for ``load_from``, ``--resume`` and ``tools/test.py``; the function
    ``mmengine.runner.load_checkpoint``) name the file in a
    :class:`CheckpointMismatchError`. Patch before tools import them."""
    import mmengine.runner as runner_pkg
    from mmengine.runner import checkpoint as checkpoint_module
    from mmengine.runner import Runner
    Runner.load_checkpoint = _name_the_file(Runner.load_checkpoint)
    checkpoint_module.load_checkpoint = _name_the_file(
        checkpoint_module.load_checkpoint)
    runner_pkg.load_checkpoint = checkpoint_module.load_checkpoint
