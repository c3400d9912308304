"""Paired per-seed verdicts of a grid (tools/analysis/grid_verdicts.py) and
the multi-seed paired bootstrap behind them, on dumps with known
correctness."""
import json
import pickle
import sys

import numpy as np
import pytest

from conftest import REPO
from mmvlprompt.evaluation.bootstrap import paired_seed_difference

sys.path.insert(0, str(REPO / 'tools' / 'analysis'))
import grid_verdicts  # noqa: E402


def _dump(path, correct, labels, classes=5):
    samples = []
    for ok, label in zip(correct, labels):
        score = np.zeros(classes, dtype=np.float32)
        score[label if ok else (label + 1) % classes] = 1.0
        samples.append(dict(gt_label=np.array([label]), pred_score=score))
    with open(path, 'wb') as f:
        pickle.dump(samples, f)


def _cell(root, protocol, method, seed, dataset='set', shots=None,
          sets=None):
    name = f'{method}_{dataset}_s{seed}'
    folder = root / name
    folder.mkdir(parents=True)
    (folder / 'metrics.json').write_text(json.dumps(dict(
        cell=dict(protocol=protocol, method=method, seed=seed,
                  dataset=dataset, shots=shots), metrics={})))
    for set_name, correct in sets.items():
        labels = np.arange(len(correct)) % 5
        file = 'preds.pkl' if set_name == 'all' else f'preds_{set_name}.pkl'
        _dump(folder / file, correct, labels)


def test_differences_and_verdicts_on_known_dumps(tmp_path):
    n = 400
    rng = np.random.default_rng(1)
    base = (rng.random(n) < 0.5).astype(float)
    # vilt-clip: right wherever ivlp is, plus 60 more videos (+15 points);
    # zero-shot: the same as ivlp on seed 1's videos (+0 for 'ivlp')
    better = base.copy()
    better[np.flatnonzero(base == 0)[:60]] = 1
    for seed in (1, 2):
        _cell(tmp_path, 'supervised', 'vilt-clip', seed,
              sets={'all': better})
        _cell(tmp_path, 'supervised', 'ivlp', seed, sets={'all': base})
    _cell(tmp_path, 'supervised', 'zero-shot', None, sets={'all': better})
    rows = grid_verdicts.compare(grid_verdicts.collect([str(tmp_path)]),
                                 resamples=500)
    by_method = {r['method']: r for r in rows}
    ivlp = by_method['ivlp']
    assert ivlp['seeds'] == 2 and ivlp['per_seed'] == pytest.approx(
        [15.0, 15.0])
    assert ivlp['mean'] == pytest.approx(15.0)
    assert ivlp['low'] > 0 and ivlp['verdict'] == 'ahead'
    zs = by_method['zero-shot']  # each seed against the one zero-shot run
    assert zs['seeds'] == 2 and zs['mean'] == 0
    assert zs['verdict'] == 'no difference detected'
    assert 'ahead' in grid_verdicts.to_markdown(rows, 'vilt-clip')


def test_base_to_novel_scores_hm_from_both_sets(tmp_path):
    ones, half = np.ones(200), np.r_[np.ones(100), np.zeros(100)]
    _cell(tmp_path, 'base2novel', 'vilt-clip', 1,
          sets={'base': ones, 'novel': half})
    _cell(tmp_path, 'base2novel', 'ivlp', 1,
          sets={'base': half, 'novel': half})
    rows = grid_verdicts.compare(grid_verdicts.collect([str(tmp_path)]),
                                 resamples=200)
    scores = {r['score']: r['mean'] for r in rows}
    # HM(100, 50) = 66.7, HM(50, 50) = 50
    assert scores['hm'] == pytest.approx(200 / 3 - 50)
    assert scores['base'] == pytest.approx(50)
    assert scores['novel'] == pytest.approx(0)


def test_different_test_videos_are_refused(tmp_path):
    _cell(tmp_path, 'few_shot', 'vilt-clip', 1, sets={'all': np.ones(10)})
    _cell(tmp_path, 'few_shot', 'ivlp', 1, sets={'all': np.ones(12)})
    with pytest.raises(ValueError, match='not tested on the same videos'):
        grid_verdicts.compare(grid_verdicts.collect([str(tmp_path)]))


def test_a_missing_dump_names_the_cell(tmp_path):
    _cell(tmp_path, 'base2novel', 'ivlp', 1, sets={'base': np.ones(4)})
    with pytest.raises(FileNotFoundError, match='ivlp_set_s1'):
        grid_verdicts.collect([str(tmp_path)])


def test_bootstrap_resamples_videos_once_for_all_seeds():
    """Two seeds with opposite differences on disjoint videos: a draw shared
    by the seeds cancels them exactly (interval [0, 0]); separate draws per
    seed would not."""
    n = 300
    a1, b1 = np.r_[np.ones(150), np.zeros(150)], np.zeros(n)
    a2, b2 = np.zeros(n), np.r_[np.ones(150), np.zeros(150)]
    r = paired_seed_difference([([a1], [b1]), ([a2], [b2])],
                               resamples=300)
    assert r['per_seed'] == pytest.approx([50.0, -50.0])
    assert r['mean'] == 0 and r['low'] == 0 and r['high'] == 0
    with pytest.raises(ValueError, match='same test sets'):
        paired_seed_difference([([a1], [b1]), ([a2[:10]], [b2[:10]])])
    with pytest.raises(ValueError, match='combine'):
        paired_seed_difference([([a1], [b1])], combine='median')
