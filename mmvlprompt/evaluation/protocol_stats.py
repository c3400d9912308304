"""Summary statistics of the evaluation protocols (DESIGN 3).

Shared by the multi-set evaluation loops and ``tools/analysis/
protocol_table.py`` so that logged and tabulated numbers agree.
"""
import math
from typing import Sequence, Tuple


def harmonic_mean(base: float, novel: float) -> float:
    """Base-to-novel harmonic mean ``2*b*n / (b+n)``; 0 when both are 0."""
    base, novel = float(base), float(novel)
    if base < 0 or novel < 0:
        raise ValueError(f'harmonic_mean: accuracies must be >= 0, got '
                         f'base={base}, novel={novel}.')
    total = base + novel
    return 2.0 * base * novel / total if total > 0 else 0.0


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and population standard deviation (``ddof=0``, like
    ``numpy.std``) of the values, e.g. top-1 over three zero-shot splits."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError('mean_std: no values.')
    mean = sum(values) / len(values)
    var = sum((v - mean)**2 for v in values) / len(values)
    return mean, math.sqrt(var)
