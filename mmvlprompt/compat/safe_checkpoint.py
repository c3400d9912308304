"""Allow-list the globals that MMEngine checkpoints need under safe loading.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 checkpoints store the message hub (``HistoryBuffer`` objects holding
numpy arrays and scalars), so ``--resume`` and ``load_from`` fail with an
``UnpicklingError``. Instead of turning safe loading off, we add exactly the
classes and functions those checkpoints contain to torch's allow-list.
"""
import pickle
from typing import List

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
