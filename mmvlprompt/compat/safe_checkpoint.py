"""Allow-list the globals that MMEngine checkpoints need under safe loading.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 checkpoints store the message hub (``HistoryBuffer`` objects holding
numpy arrays and scalars), so ``--resume`` and ``load_from`` fail with an
``UnpicklingError``. Instead of turning safe loading off, we add exactly the
classes and functions those checkpoints contain to torch's allow-list.

Files that are refused anyway fail with :class:`UnsafeCheckpointError`, whose
message names the offending global and, unlike torch's, never suggests
loading with ``weights_only=False``. MMEngine's local checkpoint loader (used
by ``load_from``, ``--resume`` and ``tools/test.py``) and the CLIP loader
(``clip.pretrained``) both go through :func:`refuse_unsafe_pickles`.
"""
import os
import pickle
import re
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
    """Turn torch's weights-only refusal for ``path`` into our message.

    Raises:
        UnsafeCheckpointError: instead of torch's ``UnpicklingError``.
    """
    try:
        yield
    except UnsafeCheckpointError:
        raise
    except pickle.UnpicklingError as err:
        # `from None`: torch's own text advises weights_only=False
        raise UnsafeCheckpointError(
            unsafe_checkpoint_message(path, err)) from None


def safe_torch_load(path: str, map_location=None):
    """``torch.load`` with ``weights_only=True`` forced and our message.

    Passing ``weights_only=True`` explicitly also keeps the environment
    variable ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` from turning safety off.
    """
    with refuse_unsafe_pickles(path):
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
