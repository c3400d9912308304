"""Bootstrap intervals over test videos (world v2's verdicts).

A difference between two models tested on the same videos is paired: each
resample draws test videos with replacement and takes both models'
correctness on the same draw, so the interval reflects the test set's
sampling error of the *difference*, not of each accuracy alone.
"""
from typing import Dict, Sequence

import numpy as np


def bootstrap_interval(correct: Sequence[float], resamples: int = 2000,
                       seed: int = 0, level: float = 0.95) -> Dict[str, float]:
    """Mean (in percent) of per-video scores with a percentile interval.

    Args:
        correct: Per-video scores, e.g. 1/0 correctness, or paired
            differences of two models' correctness (-1, 0, 1).
        resamples: Bootstrap resamples.
        seed: Seed of the resampling generator.
        level: Coverage of the interval.

    Returns:
        dict: ``mean``, ``low``, ``high`` (percent) and ``n``.
    """
    values = np.asarray(correct, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError('bootstrap_interval: no values.')
    if resamples <= 0 or not 0 < level < 1:
        raise ValueError(f'bootstrap_interval: resamples={resamples}, '
                         f'level={level}: expected > 0 and in (0, 1).')
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, values.size, size=(resamples, values.size))
    means = values[draws].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return dict(mean=100 * float(values.mean()), low=100 * float(low),
                high=100 * float(high), n=int(values.size))


def paired_difference(correct_a: Sequence[float],
                      correct_b: Sequence[float], **kwargs
                      ) -> Dict[str, float]:
    """``a - b`` in points, paired over the same test videos."""
    a = np.asarray(correct_a, dtype=np.float64).reshape(-1)
    b = np.asarray(correct_b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f'paired_difference: {a.size} and {b.size} videos; '
                         'a paired difference needs the same test videos.')
    return bootstrap_interval(a - b, **kwargs)
