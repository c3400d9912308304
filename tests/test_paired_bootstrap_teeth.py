"""Numbers of the bootstrap intervals (mmvlprompt/evaluation/bootstrap.py)
and of tools/analysis/paired_bootstrap.py, checked against answers derived
without the code's resampling.

The oracle: the mean of ``n`` videos drawn with replacement from a sample
whose per-video values are integers has an exact distribution, the
``n``-fold convolution of the sample's value frequencies. Its 2.5 % and
97.5 % points are what a percentile bootstrap with many resamples lands on.
"""
import importlib.util
import json
import pickle

import numpy as np
import pytest

from conftest import REPO
from mmvlprompt.evaluation.bootstrap import (bootstrap_interval,
                                             paired_difference,
                                             paired_seed_difference)


def exact_quantiles(values, qs, scale=1):
    """Quantiles (points) of the mean of ``len(values)`` draws with
    replacement from ``values``; ``values * scale`` must be integers."""
    ints = np.rint(np.asarray(values, dtype=float) * scale).astype(int)
    assert np.allclose(ints, np.asarray(values) * scale)
    n, lo = ints.size, ints.min()
    pmf = np.bincount(ints - lo) / n  # one draw, shifted to start at 0
    total = np.array([1.0])
    for _ in range(n):
        total = np.convolve(total, pmf)
    cdf = np.cumsum(total)
    # sum of the n draws = index + n * lo; the mean in points
    return [100 * (np.searchsorted(cdf, q) + n * lo) / n / scale
            for q in qs]


def normal_interval(values):
    """Mean +- 1.96 standard errors, in points (a cross-check of the
    exact quantiles)."""
    values = np.asarray(values, dtype=float)
    half = 1.96 * values.std() / np.sqrt(values.size)
    return 100 * (values.mean() - half), 100 * (values.mean() + half)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_interval_is_the_2_5_and_97_5_percent_points(seed):
    """120 of 400 right: the resampled top-1 is Binomial(400, 0.3) / 400,
    whose 2.5 % and 97.5 % points are 25.5 and 34.5 (30 +- 1.96 x 2.29)."""
    correct = np.r_[np.ones(120), np.zeros(280)]
    low, high = exact_quantiles(correct, [0.025, 0.975])
    assert (low, high) == (25.5, 34.5)
    assert normal_interval(correct) == pytest.approx((low, high), abs=0.3)
    r = bootstrap_interval(correct, resamples=20000, seed=seed)
    assert r['mean'] == 30.0 and r['n'] == 400
    # within one step (1 video = 0.25 points) of the exact points
    assert r['low'] == pytest.approx(low, abs=0.3)
    assert r['high'] == pytest.approx(high, abs=0.3)
    # level=0.9: the 5 % and 95 % points, 0.75 points further in
    low90, high90 = exact_quantiles(correct, [0.05, 0.95])
    assert (low90, high90) == (26.25, 33.75)
    r90 = bootstrap_interval(correct, resamples=20000, seed=seed,
                             level=0.9)
    assert r90['low'] == pytest.approx(low90, abs=0.3)
    assert r90['high'] == pytest.approx(high90, abs=0.3)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_paired_difference_interval_against_the_exact_distribution(seed):
    """A right on 80 videos B gets wrong, B on 40 that A gets wrong, 280
    ties: A - B = +10 points; its interval is that of the mean of 400
    draws of (+1 x 80, -1 x 40, 0 x 280): [4.75, 15.25]."""
    a = np.r_[np.ones(80), np.zeros(40), np.ones(140), np.zeros(140)]
    b = np.r_[np.zeros(80), np.ones(40), np.ones(140), np.zeros(140)]
    low, high = exact_quantiles(a - b, [0.025, 0.975])
    assert (low, high) == (4.75, 15.25)
    assert normal_interval(a - b) == pytest.approx((low, high), abs=0.3)
    for r in (paired_difference(a, b, resamples=20000, seed=seed),
              paired_seed_difference([([a], [b])], resamples=20000,
                                     seed=seed)):
        assert r['mean'] == pytest.approx(10.0)
        assert r['low'] == pytest.approx(low, abs=0.3)
        assert r['high'] == pytest.approx(high, abs=0.3)


def test_every_video_can_be_drawn():
    """Two videos, one right: a resample's top-1 is 0, 50 or 100 (1/4, 1/2,
    1/4), so the 95 % interval is [0, 100] for one model and for a paired
    difference of one seed."""
    r = bootstrap_interval([1.0, 0.0], resamples=2000)
    assert (r['mean'], r['low'], r['high']) == (50.0, 0.0, 100.0)
    r = paired_seed_difference([([np.array([1.0, 0.0])],
                                 [np.array([0.0, 0.0])])], resamples=2000)
    assert (r['mean'], r['low'], r['high']) == (50.0, 0.0, 100.0)
    r = paired_seed_difference([([np.array([0.0, 1.0])],
                                 [np.array([0.0, 0.0])])], resamples=2000)
    assert (r['low'], r['high']) == (0.0, 100.0)


def test_the_mean_over_seeds_is_the_mean_not_the_median():
    """Seeds 10, 20 and 60 points ahead: the mean is 30 (the median 20)."""
    b = np.zeros(10)
    pairs = [([np.r_[np.ones(k), np.zeros(10 - k)]], [b]) for k in (1, 2, 6)]
    r = paired_seed_difference(pairs, resamples=200)
    assert r['per_seed'] == pytest.approx([10.0, 20.0, 60.0])
    assert r['mean'] == pytest.approx(30.0)


def test_sets_pool_by_their_number_of_videos():
    """A gets all 10 videos of set 1 right and B none; on the 30 videos of
    set 2 they tie: pooled, A is 10 / 40 = 25 points ahead."""
    a = [np.ones(10), np.r_[np.ones(15), np.zeros(15)]]
    b = [np.zeros(10), np.r_[np.ones(15), np.zeros(15)]]
    r = paired_seed_difference([(a, b)], resamples=200)
    assert r['per_seed'] == pytest.approx([25.0])
    assert r['mean'] == pytest.approx(25.0) and r['n'] == [10, 30]
    # every resample of set 1 is 100 points ahead: pooled always 25
    assert r['low'] == pytest.approx(25.0) == r['high']


# ----------------------------------------------------------------------
# the command line tool
# ----------------------------------------------------------------------
@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location(
        'paired_bootstrap', REPO / 'tools' / 'analysis' /
        'paired_bootstrap.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dump(path, correct, labels, classes=4):
    samples = []
    for ok, label in zip(correct, labels):
        score = np.zeros(classes, dtype=np.float32)
        score[label if ok else (label + 1) % classes] = 1.0
        samples.append(dict(gt_label=np.array([label]), pred_score=score))
    with open(path, 'wb') as f:
        pickle.dump(samples, f)
    return str(path)


def test_tool_reports_each_top1_and_a_minus_b(tool, tmp_path, capsys):
    labels = np.arange(100) % 4
    a = np.r_[np.ones(60), np.zeros(40)]  # 60 %
    b = np.r_[np.ones(45), np.zeros(55)]  # 45 %: A right on 15 more
    out = tmp_path / 'r.json'
    tool.main([_dump(tmp_path / 'a.pkl', a, labels),
               _dump(tmp_path / 'b.pkl', b, labels), '--names', 'new',
               'old', '--json', str(out), '--resamples', '20000'])
    r = json.loads(out.read_text())
    assert list(r) == ['new', 'old', 'new - old']
    assert r['new']['mean'] == pytest.approx(60.0)
    assert r['old']['mean'] == pytest.approx(45.0)
    d = r['new - old']
    assert d['mean'] == pytest.approx(15.0) and d['n'] == 100
    # A - B per video: +1 on 15, 0 on 85
    low, high = exact_quantiles(a - b, [0.025, 0.975])
    assert d['low'] == pytest.approx(low, abs=0.5)
    assert d['high'] == pytest.approx(high, abs=0.5)
    printed = capsys.readouterr().out
    assert 'new - old:   15.0  95% CI [' in printed


def test_tool_concatenates_comma_separated_dumps(tool, tmp_path):
    """Two subsets of 10 and 30 videos: A 10/10 and 0/30, B 0/10 and
    0/30 -> A 25 %, B 0 %, 40 videos."""
    a = ','.join([_dump(tmp_path / 'a1.pkl', np.ones(10), np.zeros(10, int)),
                  _dump(tmp_path / 'a2.pkl', np.zeros(30),
                        np.ones(30, int))])
    b = ','.join([_dump(tmp_path / 'b1.pkl', np.zeros(10),
                        np.zeros(10, int)),
                  _dump(tmp_path / 'b2.pkl', np.zeros(30),
                        np.ones(30, int))])
    out = tmp_path / 'r.json'
    tool.main([a, b, '--json', str(out), '--resamples', '200'])
    r = json.loads(out.read_text())
    assert r['A']['mean'] == pytest.approx(25.0) and r['A']['n'] == 40
    assert r['B']['mean'] == 0.0
    assert r['A - B']['mean'] == pytest.approx(25.0)


def test_tool_refuses_other_videos_even_if_most_labels_agree(tool, tmp_path):
    labels = np.arange(20) % 4
    other = labels.copy()
    other[7] = (other[7] + 1) % 4  # one video differs
    a = _dump(tmp_path / 'a.pkl', np.ones(20), labels)
    with pytest.raises(SystemExit, match='not the same test videos'):
        tool.main([a, _dump(tmp_path / 'b.pkl', np.ones(20), other)])
    with pytest.raises(SystemExit, match='not the same test videos'):
        tool.main([a, _dump(tmp_path / 'c.pkl', np.ones(19), labels[:19])])
