"""tools/analysis/grid_tables.py on hand-written cell results: which cells
it reads and in what order, what it says about a bad one, the files it
writes and what the plots are given (no grid is run)."""
import csv
import importlib.util
import io
import json

import pytest

from conftest import REPO


@pytest.fixture(scope='module')
def tables():
    # under its dotted path, the name mutation testing knows it by
    spec = importlib.util.spec_from_file_location(
        'tools.analysis.grid_tables',
        REPO / 'tools' / 'analysis' / 'grid_tables.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def plots(tables, monkeypatch):
    """The bar data each plot gets, instead of drawing it."""
    drawn = []

    def draw(columns, title, out):
        drawn.append((columns, title, out))
        with open(out, 'wb') as handle:
            handle.write(b'png')

    monkeypatch.setattr(tables.plot_results, 'plot_seed_bars', draw)
    return drawn


def _cell(root, name, protocol, method, metrics, seed=1, dataset='world',
          train_seconds=None, test_seconds=5.0, **extra):
    folder = root / name
    folder.mkdir(parents=True)
    cell = dict(protocol=protocol, method=method, dataset=dataset,
                seed=seed, name=name, **extra)
    path = folder / 'metrics.json'
    path.write_text(json.dumps(dict(cell=cell, metrics=metrics,
                                    train_seconds=train_seconds,
                                    test_seconds=test_seconds)))
    return path


def _b2n(root):
    """Two methods, found in the order zs (seed None), coop (seeds 1, 2)."""
    _cell(root, 'a', 'base2novel', 'zs', {'base/acc/top1': 0.5,
                                          'novel/acc/top1': 0.25},
          seed=None, index=0)
    _cell(root, 'b', 'base2novel', 'coop', {'base/acc/top1': 0.9,
                                            'novel/acc/top1': 0.5},
          seed=1, index=1, train_seconds=10.0)
    _cell(root, 'c', 'base2novel', 'coop', {'base/acc/top1': 0.7,
                                            'novel/acc/top1': 0.7},
          seed=2, index=2, train_seconds=30.0)


# ----------------------------------------------------------------------
# reading cells
# ----------------------------------------------------------------------
def test_cells_come_in_grid_order_index_zero_by_default(tables, tmp_path):
    for name, index in (('c0', 1), ('c1', None), ('c2', 0)):
        extra = {} if index is None else {'index': index}
        _cell(tmp_path / 'g', name, 'supervised', name, {'acc/top1': 0.5},
              **extra)
    names = [data['cell']['name']
             for data, _ in tables.load_cells([str(tmp_path / 'g')])]
    assert names == ['c1', 'c2', 'c0']


def test_a_metrics_file_may_be_given_itself(tables, tmp_path):
    path = _cell(tmp_path, 'one', 'supervised', 'm', {'acc/top1': 0.25})
    _cell(tmp_path, 'other', 'supervised', 'n', {'acc/top1': 0.5})
    assert tables.collect_records([str(path)]) == {'supervised': [dict(
        dataset='world', method='m', seed=1, metric='top1', value=25.0)]}


def test_missing_and_foreign_files_are_named(tables, tmp_path):
    missing = tmp_path / 'nope'
    with pytest.raises(FileNotFoundError) as info:
        tables.load_cells([str(missing)])
    assert str(info.value) == f'{missing} does not exist.'
    for content in ({'cell': {}}, ['cell', 'metrics']):
        path = tmp_path / 'metrics.json'
        path.write_text(json.dumps(content))
        with pytest.raises(ValueError) as info:
            tables.load_cells([str(path)])
        assert str(info.value) == (f'{path}: not a grid cell result '
                                   '(expected the keys "cell" and '
                                   '"metrics").')
    # exactly the two keys is enough
    path.write_text(json.dumps({'cell': {'protocol': 'supervised'},
                                'metrics': {}}))
    assert [d for d, _ in tables.load_cells([str(path)])] == [
        {'cell': {'protocol': 'supervised'}, 'metrics': {}}]


def test_a_cell_without_its_metric_is_named(tables, tmp_path):
    path = _cell(tmp_path, 'x', 'base2novel', 'coop',
                 {'base/acc/top1': 0.5, 'b2n/hm': 0.4, 'loss': 1.0})
    with pytest.raises(KeyError) as info:
        tables.collect_records([str(tmp_path)])
    assert info.value.args[0] == (
        f"{path}: no 'novel/acc/top1' among the metrics (top-1 keys logged: "
        "['b2n/hm', 'base/acc/top1']).")
    cell = dict(protocol='base2novel', method='m', dataset='d', seed=1)
    with pytest.raises(KeyError) as info:
        tables.cell_records(cell, {'loss': 1.0})
    assert info.value.args[0] == ("cell: no 'base/acc/top1' among the "
                                  'metrics (top-1 keys logged: []).')
    with pytest.raises(KeyError) as info:
        tables.cell_records(dict(cell, protocol='zero_shot'), {}, 'Z')
    assert info.value.args[0].startswith("Z: no 'acc/top1' among")


def test_unknown_protocol_lists_the_known_ones(tables):
    cell = dict(protocol='linear_probe', method='m', dataset='d', seed=1)
    with pytest.raises(ValueError) as info:
        tables.cell_records(cell, {'acc/top1': 0.5}, 'cell 7')
    assert str(info.value) == (
        "cell 7: unknown protocol 'linear_probe'; expected one of "
        "['supervised', 'zero_shot', 'few_shot', 'base2novel'].")


# ----------------------------------------------------------------------
# costs
# ----------------------------------------------------------------------
def test_costs_follow_protocol_then_method_order(tables, tmp_path):
    _b2n(tmp_path / 'g')
    _cell(tmp_path / 'g', 'd', 'custom', 'zs', {'acc/top1': 0.5}, index=3)
    _cell(tmp_path / 'g', 'e', 'supervised', 'zs', {'acc/top1': 0.5},
          index=4, test_seconds=None)
    header, rows = tables.cost_table([str(tmp_path / 'g')], ['coop', 'zs'])
    assert header == ['protocol', 'method', 'cells', 'train s', 'test s']
    assert rows == [['supervised', 'zs', '1', '', ''],
                    ['base2novel', 'coop', '2', '20 ± 10', '5 ± 0'],
                    ['base2novel', 'zs', '1', '', '5'],
                    ['custom', 'zs', '1', '', '5']]
    # without an order: methods as found
    rows = tables.cost_table([str(tmp_path / 'g')])[1]
    assert [r[:2] for r in rows][1:3] == [['base2novel', 'zs'],
                                          ['base2novel', 'coop']]


def test_a_cell_that_took_zero_seconds_counts_in_the_mean(tables, tmp_path):
    """Train 0 s and 10 s: 5 +- 5 over the two cells (population std), not
    the 10 s of one; test 0 s alone prints 0."""
    _cell(tmp_path / 'g', 'a', 'supervised', 'm', {'acc/top1': 0.5},
          train_seconds=0.0, test_seconds=0.0, index=0)
    _cell(tmp_path / 'g', 'b', 'supervised', 'm', {'acc/top1': 0.5},
          seed=2, train_seconds=10.0, test_seconds=None, index=1)
    rows = tables.cost_table([str(tmp_path / 'g')])[1]
    assert rows == [['supervised', 'm', '2', '5 ± 5', '0']]


# ----------------------------------------------------------------------
# the files written
# ----------------------------------------------------------------------
def _records(tables, tmp_path):
    _b2n(tmp_path / 'g')
    _cell(tmp_path / 'g', 'z', 'zero_shot', 'coop',
          {'alpha_s1/acc/top1': 0.4, 'alpha_s2/acc/top1': 0.6}, index=5)
    _cell(tmp_path / 'g', 'f', 'few_shot', 'coop', {'acc/top1': 0.3},
          shots=2, index=6)
    return tables.collect_records([str(tmp_path / 'g')])


def test_written_files_and_what_the_plots_get(tables, tmp_path, plots):
    records = _records(tables, tmp_path)
    out = tmp_path / 'a' / 'b' / 'out'
    costs = tables.cost_table([str(tmp_path / 'g')])
    written = tables.write_tables(records, out, ['coop', 'zs'], costs=costs)
    names = ['costs.md', 'costs.csv']
    for protocol in ('zero_shot', 'few_shot', 'base2novel'):
        names += [f'{protocol}.md', f'{protocol}.csv',
                  f'results_{protocol}.csv', f'results_{protocol}.png']
    assert written == [out / n for n in names + ['tables.md']]
    assert all(path.is_file() for path in written)
    assert (out / 'costs.md').read_text().startswith(
        '| protocol | method | cells | train s | test s |\n')
    # --methods order in the table and in the bars
    rows = list(csv.reader(io.StringIO((out / 'base2novel.csv').read_text())))
    assert [r[0] for r in rows[1:]] == ['coop', 'zs']
    bars = {title: columns for columns, title, _ in plots}
    b2n = bars['Base-to-novel: top-1, mean ± std over seeds']
    assert list(b2n) == ['world base', 'world novel', 'world HM']
    assert list(b2n['world base']) == ['coop', 'zs']
    assert b2n['world base']['coop'] == pytest.approx((80.0, 10.0))
    assert b2n['world novel']['zs'] == pytest.approx((25.0, 0.0))
    zs = bars['Zero-shot: top-1, mean ± std over seeds']
    assert zs == {'alpha': {'coop': pytest.approx((50.0, 10.0))}}
    assert bars['Few-shot: top-1, mean ± std over seeds'] == {
        'world K=2': {'coop': pytest.approx((30.0, 0.0))}}
    assert [str(path) for _, _, path in plots] == [
        str(out / f'results_{p}.png')
        for p in ('zero_shot', 'few_shot', 'base2novel')]
    # each protocol's section, with its caption, one newline apart
    md = (out / 'tables.md').read_text()
    zs_md = (out / 'zero_shot.md').read_text()
    fs_md = (out / 'few_shot.md').read_text()
    b2n_md = (out / 'base2novel.md').read_text()
    assert md == (
        '## Zero-shot\n\nTop-1 (%), mean ± std over the splits and the '
        f'seeds.\n\n{zs_md}\n'
        f'## Few-shot\n\nTop-1 (%), mean ± std over seeds.\n\n{fs_md}\n'
        '## Base-to-novel\n\nTop-1 (%), mean ± std over seeds; HM: of each '
        f'seed, then mean ± std.\n\n{b2n_md}')
    # written again into the same folder: no complaint
    assert tables.write_tables(records, out, plots=False)[-1] == \
        out / 'tables.md'


def test_plots_by_default_and_no_costs_without_cells(tables, tmp_path,
                                                     plots):
    records = _records(tables, tmp_path)
    written = tables.write_tables(records, tmp_path / 'out')
    assert [p.name for p in written if p.suffix == '.png'] == [
        'results_zero_shot.png', 'results_few_shot.png',
        'results_base2novel.png']
    assert not (tmp_path / 'out' / 'costs.md').exists()
    written = tables.write_tables(records, tmp_path / 'out2',
                                  costs=(['protocol'], []), plots=False)
    assert not (tmp_path / 'out2' / 'costs.md').exists()
    assert not any(p.suffix == '.png' for p in written)


def test_no_finished_cells(tables, tmp_path):
    written = tables.write_tables({}, tmp_path / 'out')
    assert written == [tmp_path / 'out' / 'tables.md']
    assert written[0].read_text() == 'No finished cells.\n'


def test_long_csv_has_unix_line_ends(tables, tmp_path):
    path = tmp_path / 'long.csv'
    tables.write_long_csv([dict(dataset='d', method='m', seed=None,
                                metric='top1', value=12.3456789)], path)
    assert path.read_bytes() == (b'dataset,method,seed,metric,value\n'
                                 b'd,m,,top1,12.3457\n')


# ----------------------------------------------------------------------
# the command line
# ----------------------------------------------------------------------
def test_command_line(tables, tmp_path, capsys, plots):
    _records(tables, tmp_path)
    out = tmp_path / 'out'
    tables.main([str(tmp_path / 'g'), '--out-dir', str(out), '--methods',
                 'coop', '--no-plots'])  # found first: zs
    printed = capsys.readouterr().out
    assert printed.startswith((out / 'tables.md').read_text())
    last = printed.rstrip('\n').split('\n')[-1]
    assert last.startswith(f'wrote {out / "costs.md"}, {out / "costs.csv"}, '
                           f'{out / "zero_shot.md"}, ')
    assert last.endswith(f', {out / "tables.md"}')
    assert plots == [] and not list(out.glob('*.png'))
    costs = list(csv.reader(io.StringIO((out / 'costs.csv').read_text())))
    assert [r[1] for r in costs if r[0] == 'base2novel'] == ['coop', 'zs']
    rows = list(csv.reader(io.StringIO((out / 'base2novel.csv').read_text())))
    assert [r[0] for r in rows[1:]] == ['coop', 'zs']
    with pytest.raises(SystemExit):
        tables.main([str(tmp_path / 'g')])  # --out-dir is required
    assert '--out-dir' in capsys.readouterr().err


def test_command_line_help(tables, capsys):
    with pytest.raises(SystemExit):
        tables.main(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert 'Protocol tables, long-format CSVs and plots from grid cells.' \
        in text
    assert 'grid work dirs (searched recursively for metrics.json) or such ' \
        'files' in text
    assert '--methods METHODS [METHODS ...] row order (others follow as ' \
        'found)' in text
