"""The verdict tools of world v2: paired bootstrap intervals and the
loss-curve convergence check."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mmvlprompt.evaluation.bootstrap import (bootstrap_interval,
                                             paired_difference)

REPO = Path(__file__).resolve().parents[1]


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        name, REPO / 'tools' / 'analysis' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bootstrap_interval_brackets_the_mean_and_is_deterministic():
    correct = np.r_[np.ones(300), np.zeros(700)]
    r = bootstrap_interval(correct, seed=3)
    assert r['mean'] == pytest.approx(30.0) and r['n'] == 1000
    assert 26 < r['low'] < 30 < r['high'] < 34  # about +-2.8 points
    assert bootstrap_interval(correct, seed=3) == r
    with pytest.raises(ValueError, match='no values'):
        bootstrap_interval([])


def test_paired_difference_is_narrower_than_unpaired_and_needs_same_videos():
    rng = np.random.default_rng(0)
    a = (rng.random(1000) < 0.6).astype(float)
    b = a.copy()
    b[:50] = 0  # B loses 50 videos A gets right (or both miss)
    d = paired_difference(a, b)
    assert d['mean'] == pytest.approx(100 * (a[:50].sum()) / 1000)
    assert d['high'] - d['low'] < 4  # paired: far tighter than +-3 each
    with pytest.raises(ValueError, match='same test videos'):
        paired_difference(a, b[:-1])


def test_convergence_flags_a_falling_curve_and_passes_a_flat_tail():
    lc = _tool('loss_convergence')
    flat = np.r_[np.linspace(3, 1, 20), np.full(30, 1.0)]
    falling = np.linspace(3, 1, 50)
    assert lc.convergence(flat)['converged']
    r = lc.convergence(falling)
    assert not r['converged'] and r['tail_ratio'] > 0.1
