"""tools/analysis/loss_convergence.py (gate G4 of world v2): the smoothed
loss's last 20 % must fall by less than 10 % of its total fall (first
smoothed value minus the lowest). Curves built so that every smoothed value
can be worked out by hand, just either side of the threshold and exactly on
it, and training logs written into tmp_path."""
import importlib.util
import json

import numpy as np
import pytest

from conftest import REPO


@pytest.fixture(scope='module')
def lc():
    spec = importlib.util.spec_from_file_location(
        'loss_convergence', REPO / 'tools' / 'analysis' /
        'loss_convergence.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plateau_curve(tail_fall):
    """50 losses, smoothed over 5 (46 values, the last 20 % from index 37):
    11 for 5 iterations, then ``1 + tail_fall`` up to iteration 41, then 1.
    Smoothed: starts at 11, is ``1 + tail_fall`` at index 37 and 1 at the
    end, so the total fall is 10 and the tail's ``tail_fall``."""
    return np.r_[np.full(5, 11.0), np.full(37, 1.0 + tail_fall),
                 np.full(8, 1.0)]


@pytest.mark.parametrize('tail_fall,converged', [
    (0.5, True), (0.99, True), (1.01, False), (2.0, False)])
def test_either_side_of_ten_percent(lc, tail_fall, converged):
    r = lc.convergence(plateau_curve(tail_fall))
    assert r['first'] == pytest.approx(11.0)
    assert r['final'] == pytest.approx(1.0)
    assert r['total_fall'] == pytest.approx(10.0)
    assert r['tail_fall'] == pytest.approx(tail_fall)
    assert r['tail_ratio'] == pytest.approx(tail_fall / 10)
    assert r['converged'] is converged


def test_exactly_ten_percent_is_not_less_than_ten_percent(lc):
    """No smoothing (window=1), last 20 % = the last 2 of 10: the tail
    falls 2 -> 1, exactly 10 % of the total fall 11 -> 1."""
    losses = np.array([11.0, 6, 1, 2, 2, 2, 2, 2, 2, 1])
    r = lc.convergence(losses, window=1)
    assert (r['total_fall'], r['tail_fall']) == (10.0, 1.0)
    assert r['tail_ratio'] == 0.1
    assert not r['converged']
    losses[8] = 1.99  # 9.9 %
    assert lc.convergence(losses, window=1)['converged']


def test_falls_are_measured_to_the_lowest_value_not_the_last(lc):
    """A loss that rises after its lowest point: the total fall is 11 -> 1
    (not 11 -> the final 2.25), the tail's 2.5 -> 1.75 (not -> 2.25)."""
    losses = np.r_[[11.0, 9, 7, 5, 3, 1], np.full(10, 2.0),
                   [2.5, 2.0, 1.75, 2.25]]  # 20 values, tail from 16
    r = lc.convergence(losses, window=1)
    assert (r['first'], r['final']) == (11.0, 2.25)
    assert r['total_fall'] == 10.0
    assert r['tail_fall'] == 0.75
    assert r['tail_ratio'] == pytest.approx(0.075)
    assert r['converged']
    # a curve that never falls has not converged
    assert not lc.convergence(np.full(20, 3.0))['converged']


def _run(work_dir, stamp, losses):
    folder = work_dir / stamp / 'vis_data'
    folder.mkdir(parents=True)
    lines = []
    for i, loss in enumerate(losses, start=1):
        lines.append(dict(lr=0.1, loss=loss, step=10 * i))
        if i % 2 == 0:  # validation records have no loss
            lines.append({'acc/top1': 0.5, 'step': 10 * i})
    lines.append(dict(loss=9.0))  # no step: not a training record
    (folder / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')


def test_the_newest_run_is_read(lc, tmp_path):
    _run(tmp_path, '20240101_120000', [5.0, 4, 3, 2, 1])
    _run(tmp_path, '20240102_080000', [9.0, 8, 7, 6, 5, 4])
    steps, losses = lc.read_loss(str(tmp_path))
    assert steps.tolist() == [10, 20, 30, 40, 50, 60]
    assert losses.tolist() == [9.0, 8, 7, 6, 5, 4]
    _run(tmp_path / 'short', '20240101_120000', [3.0, 2, 1, 0.5])
    with pytest.raises(ValueError, match="4 'loss' values; need at least 5"):
        lc.read_loss(str(tmp_path / 'short'))
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        lc.read_loss(str(tmp_path / 'none'))


def test_command_line_says_converged_or_not(lc, tmp_path, capsys):
    good, bad = tmp_path / 'good', tmp_path / 'bad'
    _run(good, '20240101_120000', plateau_curve(0.5).tolist())
    _run(bad, '20240101_120000', plateau_curve(2.0).tolist())
    lc.main([str(good), str(bad)])
    assert capsys.readouterr().out.splitlines() == [
        f'{good}: loss 11.000 -> 1.000; last 20 % lowers it by 5 % of the '
        'total fall -> converged',
        f'{bad}: loss 11.000 -> 1.000; last 20 % lowers it by 20 % of the '
        'total fall -> NOT converged']
