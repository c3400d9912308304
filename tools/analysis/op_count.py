"""Count the operator launches of one step: what a GPU pays for, on any device.

On a GPU a step whose kernels are small is bound by the host, which
dispatches one kernel per operator. The number of operators that launch work
is a property of the code, not of the device, so it can be counted on a CPU:
one step runs under ``torch.profiler`` and every ``aten::`` operator that
does work itself (no descendant operator does) is counted. Operators that
never launch a kernel are left out: views and reshapes that alias
(``view``, ``transpose``, ``expand``, ``as_strided`` ...), allocations
(``empty``, ``empty_strided``), conjugation flags (``resolve_conj``) and
no-op casts (``aten::to`` without a ``_to_copy`` below it).

``copy_`` is counted apart: most are dtype casts (autocast casting frozen
fp32 weights at every use) or layout copies. A Python number in an
arithmetic op is wrapped into a 0-d tensor on the host, which shows up in a
CPU profile as a cast under the op; a GPU takes it as a kernel argument, so
such casts are left out and the op itself is counted.

Usage from Python::

    counts = count_launches(step)   # dict(ops=..., copies=..., top=[...])
"""
import time
from collections import Counter
from typing import Callable, Dict, Iterable, List, Tuple

import torch
from torch.profiler import ProfilerActivity, profile

# operators that alias, allocate or only set flags: no kernel on a GPU
NON_LAUNCHING = frozenset(f'aten::{name}' for name in (
    'empty', 'empty_strided', 'empty_like', 'new_empty',
    'new_empty_strided', 'as_strided', 'view', '_unsafe_view', 'view_as',
    '_reshape_alias', 'reshape', 'expand', 'expand_as', 'transpose', 't',
    'permute', 'unsqueeze', 'squeeze', 'select', 'slice', 'narrow',
    'detach', 'alias', 'resolve_conj', 'resolve_neg', 'split',
    'split_with_sizes', 'chunk', 'unbind', 'unflatten', 'flatten',
    'contiguous', 'lift_fresh', 'numpy_T', 'diagonal', 'movedim',
    'swapaxes', 'to', 'type_as', 'result_type', 'is_same_size', 'size',
    'stride', 'dim', 'numel', 'broadcast_tensors', 'output_nr',
    '_has_compatible_shallow_copy_type', 'set_', 'resize_', 'unfold',
    'retain_grad', 'requires_grad_', '_version', 'is_nonzero', 'lift',
    'matrix_H', 'mT', 'mH', 'adjoint', 'conj', 'real', 'imag'))


SCALAR_CASTS = frozenset(('aten::to', 'aten::_to_copy', 'aten::copy_'))


def _is_scalar_cast(event) -> bool:
    """A cast of 0-d tensors only (a wrapped Python number)."""
    shapes = [s for s in (getattr(event, 'input_shapes', None) or []) if s
              is not None]
    return event.name in SCALAR_CASTS and bool(shapes) and \
        all(len(s) == 0 for s in shapes if isinstance(s, list))


def _own_launch(event) -> bool:
    return event.name.startswith('aten::') and \
        event.name not in NON_LAUNCHING and not _is_scalar_cast(event)


def _launches(event, memo: Dict[int, bool]) -> bool:
    """Whether ``event`` or an operator below it launches work."""
    key = id(event)
    if key not in memo:
        memo[key] = (not _is_scalar_cast(event)) and (
            _own_launch(event) or any(_launches(c, memo)
                                      for c in event.cpu_children))
    return memo[key]


def launching_ops(events: Iterable) -> List[str]:
    """Names of the leaf launching operators among profiler ``events``."""
    memo: Dict[int, bool] = {}
    names = []
    for event in events:
        if not _own_launch(event):
            continue
        if not any(_launches(c, memo) for c in event.cpu_children):
            names.append(event.name)
    return names


def count_launches(step: Callable[[], None],
                   top: int = 8) -> Dict[str, object]:
    """Run ``step`` once under the profiler and count its launching ops.

    Args:
        step: One training or inference step, already warmed up (caches
            filled), so that the count is that of a steady-state step.
        top: How many of the most frequent operators to list.

    Returns:
        dict: ``ops`` (launching operators), ``copies`` (of which
        ``aten::copy_``) and ``top``, a list of ``(name, count)``.
    """
    with profile(activities=[ProfilerActivity.CPU],
                 record_shapes=True) as prof:
        step()
    names = launching_ops(prof.events())
    counts = Counter(names)
    return dict(ops=len(names), copies=counts.get('aten::copy_', 0),
                top=[list(kv) for kv in counts.most_common(top)])


def gpu_busy(step: Callable[[], None], steps: int = 5) -> Dict[str, float]:
    """Profile ``steps`` steps on a GPU: device (kernel) time against wall
    time per step, and the share of the wall time the GPU computes.

    Returns:
        dict: ``gpu_ms``, ``wall_ms`` (per step) and ``busy`` (``gpu_ms /
        wall_ms``).
    """
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU,
                             ProfilerActivity.CUDA]) as prof:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        wall = time.perf_counter() - start
    device_us = sum(getattr(e, 'self_device_time_total', 0) or 0
                    for e in prof.key_averages())
    gpu_ms, wall_ms = device_us / 1e3 / steps, wall * 1e3 / steps
    return dict(gpu_ms=gpu_ms, wall_ms=wall_ms, busy=gpu_ms / wall_ms)


def format_top(top: List[Tuple[str, int]]) -> str:
    """``copy_ 362, addmm 96, ...`` for a log line."""
    return ', '.join(f'{name.replace("aten::", "")} {n}'
                     for name, n in top)


if __name__ == '__main__':  # a self-check on a tiny autocast matmul
    a = torch.randn(4, 4, requires_grad=True)
    w = torch.randn(4, 4)

    def _step():
        with torch.autocast('cpu', dtype=torch.bfloat16):
            y = (a @ w).sum()
        y.backward()

    print(count_launches(_step))
