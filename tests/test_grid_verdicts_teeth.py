"""tools/analysis/grid_verdicts.py on hand-built cells whose verdicts and
intervals are derived by hand: seeds that disagree in sign, a method behind
on every seed, several K of one few-shot setting, and the Markdown row."""
import sys

import numpy as np
import pytest

from conftest import REPO
from test_grid_verdicts import _cell
from test_paired_bootstrap_teeth import exact_quantiles

sys.path.insert(0, str(REPO / 'tools' / 'analysis'))
import grid_verdicts  # noqa: E402


def _rows(root, **kw):
    return grid_verdicts.compare(grid_verdicts.collect([str(root)]), **kw)


def test_seeds_that_disagree_in_sign_detect_no_difference(tmp_path):
    """Seed 1: vilt-clip right on videos 0-39 where ivlp is wrong (+20);
    seed 2: ivlp right on videos 40-79 where vilt-clip is wrong (-20). The
    draw is shared by the seeds, so a resample's mean over seeds is the
    mean of 200 draws of (+1/2 x 40, -1/2 x 40, 0 x 120): centred on 0,
    about +-4.4 points wide."""
    n = 200
    ref1, other1 = np.r_[np.ones(40), np.zeros(160)], np.zeros(n)
    ref2, other2 = np.zeros(n), np.r_[np.zeros(40), np.ones(40),
                                      np.zeros(120)]
    ref2[:40] = other2[:40] = 1  # a tie on videos 0-39 in seed 2
    _cell(tmp_path, 'supervised', 'vilt-clip', 1, sets={'all': ref1})
    _cell(tmp_path, 'supervised', 'ivlp', 1, sets={'all': other1})
    _cell(tmp_path, 'supervised', 'vilt-clip', 2, sets={'all': ref2})
    _cell(tmp_path, 'supervised', 'ivlp', 2, sets={'all': other2})
    (row,) = _rows(tmp_path, resamples=20000)
    assert row['per_seed'] == pytest.approx([20.0, -20.0])
    assert row['mean'] == pytest.approx(0.0) and row['seeds'] == 2
    per_video = ((ref1 - other1) + (ref2 - other2)) / 2
    low, high = exact_quantiles(per_video, [0.025, 0.975], scale=2)
    assert low < -4 and high > 4
    # within one step (0.25 points) of the exact points
    assert row['low'] == pytest.approx(low, abs=0.3)
    assert row['high'] == pytest.approx(high, abs=0.3)
    assert row['verdict'] == 'no difference detected'
    assert grid_verdicts.verdict(-1.0, 2.0) == 'no difference detected'


def test_behind_on_every_seed_is_behind(tmp_path):
    """ivlp right on 30 of 100 more videos than vilt-clip, both seeds."""
    ref = np.r_[np.ones(20), np.zeros(80)]
    other = np.r_[np.ones(50), np.zeros(50)]
    for seed in (1, 2):
        _cell(tmp_path, 'supervised', 'vilt-clip', seed, sets={'all': ref})
        _cell(tmp_path, 'supervised', 'ivlp', seed, sets={'all': other})
    (row,) = _rows(tmp_path, resamples=500)
    assert row['mean'] == pytest.approx(-30.0)
    assert row['high'] < 0 and row['verdict'] == 'behind'
    assert grid_verdicts.verdict(-3.0, -0.5) == 'behind'
    assert grid_verdicts.verdict(0.5, 3.0) == 'ahead'
    assert grid_verdicts.verdict(-0.5, 0.0) == 'no difference detected'
    assert grid_verdicts.verdict(0.0, 0.5) == 'no difference detected'


def test_each_k_of_a_few_shot_setting_is_its_own_row(tmp_path):
    """K=2: vilt-clip 10 points ahead; K=4: 10 points behind."""
    half = np.r_[np.ones(50), np.zeros(50)]
    more = np.r_[np.ones(60), np.zeros(40)]
    for shots, (ref, other) in ((2, (more, half)), (4, (half, more))):
        for method, correct in (('vilt-clip', ref), ('ivlp', other)):
            _cell(tmp_path / f'k{shots}', 'few_shot', method, 1,
                  shots=shots, sets={'all': correct})
    rows = _rows(tmp_path, resamples=200)
    assert [(r['shots'], r['mean']) for r in rows] == [
        (2, pytest.approx(10.0)), (4, pytest.approx(-10.0))]
    text = grid_verdicts.to_markdown(rows, 'vilt-clip')
    assert '| few_shot set K=2 | top1 | ivlp | 1 | 100 | +10.0 |' in text
    assert '| few_shot set K=4 | top1 | ivlp | 1 | 100 | -10.0 |' in text


def test_markdown_rows_sign_every_difference():
    rows = [dict(protocol='base2novel', dataset='ucf', shots=None,
                 score='hm', method='ivlp', seeds=3, mean=15.04, low=2.96,
                 high=27.0, per_seed=[10.0, 0.04, 35.1], videos=[100, 50],
                 verdict='ahead'),
            dict(protocol='few_shot', dataset='set', shots=4, score='top1',
                 method='coop', seeds=2, mean=-2.5, low=-7.3, high=1.0,
                 per_seed=[-5.0, 0.0], videos=[200],
                 verdict='no difference detected')]
    lines = grid_verdicts.to_markdown(rows, 'vilt-clip').splitlines()
    assert lines[2] == ('| setting | score | method | seeds | videos | '
                        'vilt-clip - method | 95 % CI | per seed | '
                        'verdict |')
    assert lines[4:] == [
        '| base2novel ucf | hm | ivlp | 3 | 100+50 | +15.0 | '
        '[+3.0, +27.0] | +10.0, +0.0, +35.1 | ahead |',
        '| few_shot set K=4 | top1 | coop | 2 | 200 | -2.5 | '
        '[-7.3, +1.0] | -5.0, +0.0 | no difference detected |']
