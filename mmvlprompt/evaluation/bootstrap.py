"""Bootstrap intervals over test videos (world v2's verdicts).

A difference between two models tested on the same videos is paired: each
resample draws test videos with replacement and takes both models'
correctness on the same draw, so the interval reflects the test set's
sampling error of the *difference*, not of each accuracy alone.
"""
from typing import Dict, List, Sequence, Tuple

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


def harmonic_mean(base: np.ndarray, novel: np.ndarray) -> np.ndarray:
    """Element-wise harmonic mean of two accuracies (0 where both are 0)."""
    total = base + novel
    return np.where(total > 0, 2 * base * novel / np.maximum(total, 1e-12),
                    0.0)


def paired_seed_difference(pairs: Sequence[Tuple[List[np.ndarray],
                                                 List[np.ndarray]]],
                           combine: str = 'mean', resamples: int = 2000,
                           seed: int = 0, level: float = 0.95
                           ) -> Dict[str, object]:
    """Mean over seeds of ``a - b``, with a bootstrap interval over videos.

    Each entry of ``pairs`` is one seed: ``(sets_a, sets_b)``, the per-video
    1/0 correctness of models A and B on the same test sets (lists of
    arrays, set by set, the same videos in the same order for A and B).
    A seed's score is the top-1 of the sets pooled (``combine='mean'``) or
    the harmonic mean of the top-1 of two sets (``combine='hm'``: base,
    novel). Each resample draws every test set's videos with replacement,
    **once for all seeds and both models** (the seeds were tested on the
    same videos), and takes the mean over seeds of ``a - b``.

    Returns:
        dict: ``mean`` (points), ``low``, ``high``, ``per_seed`` (points,
        one per pair), ``n`` (videos per set).
    """
    if not pairs:
        raise ValueError('paired_seed_difference: no seeds.')
    if combine not in ('mean', 'hm'):
        raise ValueError(f'paired_seed_difference: combine={combine!r}: '
                         "expected 'mean' or 'hm'.")
    sizes = [np.asarray(s).size for s in pairs[0][0]]
    if combine == 'hm' and len(sizes) != 2:
        raise ValueError('paired_seed_difference: combine="hm" needs two '
                         f'test sets (base, novel), got {len(sizes)}.')
    for sets_a, sets_b in pairs:
        for side in (sets_a, sets_b):
            if [np.asarray(s).size for s in side] != sizes:
                raise ValueError(
                    'paired_seed_difference: every seed and both models '
                    f'need the same test sets (sizes {sizes}), got '
                    f'{[np.asarray(s).size for s in side]}.')
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, n, size=(resamples, n)) for n in sizes]

    def score(sets, resampled):
        # per-set accuracy: (resamples,) or a scalar on the full sets
        accs = [np.asarray(s, dtype=np.float64)[d].mean(axis=-1)
                if resampled else np.asarray(s, dtype=np.float64).mean()
                for s, d in zip(sets, draws)]
        if combine == 'hm':
            return harmonic_mean(np.asarray(accs[0]), np.asarray(accs[1]))
        weights = np.asarray(sizes, dtype=np.float64) / sum(sizes)
        return sum(w * a for w, a in zip(weights, accs))

    per_seed = [100 * float(score(a, False) - score(b, False))
                for a, b in pairs]
    boot = np.mean([score(a, True) - score(b, True) for a, b in pairs],
                   axis=0)
    tail = (1 - level) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return dict(mean=float(np.mean(per_seed)), low=100 * float(low),
                high=100 * float(high), per_seed=per_seed, n=sizes)
