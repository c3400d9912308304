"""tools/analysis/plot_scenario_sweep.py on fake grid cells."""
import csv
import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location(
        'plot_scenario_sweep',
        REPO / 'tools' / 'analysis' / 'plot_scenario_sweep.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(root, method, seed, base, novel, dataset='appearance'):
    path = root / f'{method}_{dataset}_s{seed}' / 'metrics.json'
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(dict(
        cell=dict(protocol='base2novel', method=method, dataset=dataset,
                  seed=seed),
        metrics={'base/acc/top1': base, 'novel/acc/top1': novel})))


def test_sweep_table_and_figure(tmp_path):
    """Weight 0 and x1 come from the main grid, the rest from sweep/; the
    multiples, means and stds per seed are right; other datasets and
    methods are ignored."""
    bench = tmp_path / 'bench'
    for seed, (b, n) in enumerate([(0.6, 0.4), (0.8, 0.6)], start=1):
        _cell(bench, 'vilt-clip-no-scenario', seed, b, n)
        _cell(bench, 'vilt-clip', seed, b + 0.1, n)
        _cell(bench / 'sweep', 'vilt-clip-w35.36', seed, b, n - 0.2)
    _cell(bench, 'ivlp', 1, 0.1, 0.1)
    _cell(bench, 'vilt-clip', 1, 0.1, 0.1, dataset='motion')
    out = tmp_path / 'sweep.png'
    _tool().main([str(bench), '--declared', '8.84', '--out', str(out)])
    assert out.stat().st_size > 5000
    rows = list(csv.DictReader(out.with_suffix('.csv').open()))
    assert [float(r['multiple']) for r in rows] == [0.0, 1.0, 4.0]
    assert [int(r['seeds']) for r in rows] == [2, 2, 2]
    zero = rows[0]
    assert float(zero['base_top1_mean']) == pytest.approx(70.0)
    assert float(zero['base_top1_std']) == pytest.approx(10.0)
    assert float(rows[2]['novel_top1_mean']) == pytest.approx(30.0)
    assert float(rows[2]['weight']) == pytest.approx(35.36)


def test_sweep_without_cells_fails_clearly(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(SystemExit, match='no finished sweep cells'):
        _tool().main([str(tmp_path / 'empty'), '--declared', '8.84',
                      '--out', str(tmp_path / 'x.png')])
