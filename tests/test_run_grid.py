"""tools/run_grid.py and tools/analysis/grid_tables.py: grid specs, commands
per launcher, resumability and failures on a tiny grid that really runs,
and the tables against the metrics files."""
import csv
import importlib.util
import io
import json
import os
import pickle
import shlex
import stat
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_tool

TINY = 'configs/demo/vlprompt_tiny_synthetic.py'
REAL_SPECS = sorted((REPO / 'configs' / 'grids').glob('*.py'))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def grid():
    return _load('run_grid', REPO / 'tools' / 'run_grid.py')


@pytest.fixture(scope='module')
def tables():
    return _load('grid_tables', REPO / 'tools' / 'analysis' /
                 'grid_tables.py')


def _spec(tmp_path, text, name='spec.py'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _tail(proc, n=3000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


# ----------------------------------------------------------------------
# specs
# ----------------------------------------------------------------------
def test_products_expand_with_templates_and_defaults(grid, tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(REPO)
    path = _spec(tmp_path, f'''
protocol = 'base2novel'
work_dir = '{tmp_path}/w'
_tiny = '{TINY}'
products = [dict(method={{'vilt-clip': dict(cfg='vlprompt'),
                          'ivlp': dict(cfg='ivlp')}},
                 dataset=['ucf101', 'hmdb51'], seed=[1, 2],
                 train_config='configs/base2novel/{{cfg}}_b2n_{{dataset}}_s{{seed}}.py',
                 cfg_options=['model.cls_head.template=a video of {{}}.'])]
cells = [dict(method='zero-shot', dataset='ucf101', train_config=None,
              test_config=_tiny),
         dict(method='fs', dataset='d', shots=4, seed=3, protocol='few_shot',
              train_config=_tiny, checkpoint='last',
              train_dir='{{work_dir}}/../shared/{{method}}_k{{shots}}')]
''')
    g = grid.load_spec(path)
    names = [c.name for c in g.cells]
    # explicit cells first, then the product (method, dataset, seed order)
    assert names == ['zero-shot_ucf101', 'fs_d_k4_s3',
                     'vilt-clip_ucf101_s1', 'vilt-clip_ucf101_s2',
                     'vilt-clip_hmdb51_s1', 'vilt-clip_hmdb51_s2',
                     'ivlp_ucf101_s1', 'ivlp_ucf101_s2', 'ivlp_hmdb51_s1',
                     'ivlp_hmdb51_s2']
    zs, fs, first = g.cells[0], g.cells[1], g.cells[2]
    assert (zs.train_config, zs.test_config, zs.checkpoint) == (None, TINY,
                                                                'none')
    assert zs.seed is None and zs.protocol == 'base2novel'
    assert fs.protocol == 'few_shot' and fs.checkpoint == 'last'
    assert fs.train_dir == str(tmp_path / 'shared' / 'fs_k4')
    assert first.train_config == \
        'configs/base2novel/vlprompt_b2n_ucf101_s1.py'
    assert first.test_config == first.train_config
    assert first.checkpoint == 'auto'
    assert first.train_dir == str(tmp_path / 'w' / 'vilt-clip_ucf101_s1' /
                                  'train')
    # cfg_options are not templates: the braces stay
    assert first.cfg_options == ['model.cls_head.template=a video of {}.']
    assert g.cells[-1].train_config.endswith('ivlp_b2n_hmdb51_s2.py')


@pytest.mark.parametrize('cells,match', [
    ("[dict(method='m', dataset='d', train_config='configs/nowhere_x.py')]",
     r"cell 'm_d': train_config 'configs/nowhere_x.py'"),
    ("[dict(method='m', dataset='d', train_config=_tiny, "
     "test_config='configs/gone.py')]", r"cell 'm_d': test_config "
     "'configs/gone.py'"),
    ("[dict(method='m', dataset='d', train_config=_tiny, lr=1)]",
     r"unknown keys \['lr'\]"),
    ("[dict(method='m', dataset='d', train_config=_tiny, protocol='few_shot')]",
     'needs shots=K'),
    ("[dict(method='m', dataset='d', train_config=_tiny), "
     "dict(method='m', dataset='d', test_config=_tiny)]",
     "both named 'm_d'"),
    ("[dict(method='m', dataset='d', test_config=_tiny, checkpoint='best')]",
     "checkpoint='best' needs a train_config or a train_dir"),
    ("[dict(method='m', dataset='d', train_config=_tiny, "
     "cfg_options=['no_equals'])]", "'no_equals' is not a string of the "
     'form key=value'),
    ("[dict(method='m', dataset='d', train_config='{nope}.py')]",
     r"train_config='\{nope\}.py': cannot fill"),
])
def test_bad_specs_fail_naming_cell_and_key(grid, tmp_path, monkeypatch,
                                           cells, match):
    monkeypatch.chdir(REPO)
    path = _spec(tmp_path, f"protocol = 'supervised'\nwork_dir = 'w'\n"
                 f"_tiny = '{TINY}'\ncells = {cells}\n")
    with pytest.raises(grid.SpecError, match=match):
        grid.load_spec(path)


def test_unknown_spec_key_and_missing_spec(grid, tmp_path, capsys):
    path = _spec(tmp_path, "work_dir = 'w'\ncells = []\nmethods = ['a']\n")
    assert grid.main([path, '--dry-run']) == 2
    assert "unknown keys ['methods']" in capsys.readouterr().err
    assert grid.main([str(tmp_path / 'none.py'), '--dry-run']) == 2
    assert 'none.py' in capsys.readouterr().err


@pytest.mark.parametrize('spec', REAL_SPECS, ids=lambda p: p.stem)
def test_real_specs_name_existing_configs_and_dry_run(grid, spec, tmp_path,
                                                     monkeypatch, capsys):
    """Every config a real spec names exists (load_spec checks them all),
    and --dry-run prints a train and a test command per trained cell
    without writing anything."""
    monkeypatch.chdir(REPO)
    g = grid.load_spec(str(spec.relative_to(REPO)))
    assert len(g.cells) >= 5
    for cell in g.cells:
        for path in (cell.train_config, cell.test_config):
            assert path is None or (REPO / path).is_file(), (cell.name, path)
    work = tmp_path / 'work'
    assert grid.main([str(spec), '--dry-run', '--work-dir', str(work)]) == 0
    out = capsys.readouterr().out
    trained = sum(c.train_config is not None for c in g.cells)
    assert out.count('tools/train.py ') == trained
    assert out.count('tools/test.py ') == len(g.cells)
    assert out.count('# [') == len(g.cells)
    assert not work.exists(), 'a dry run must not write'


def test_real_spec_sizes(grid, monkeypatch):
    """The real grids: 4 datasets x 3 seeds x 4 trained methods + zero-shot
    for base-to-novel; K=2/4/8/16 for few-shot; zero-shot reuses the
    supervised trainings."""
    monkeypatch.chdir(REPO)
    b2n = grid.load_spec('configs/grids/base2novel.py').cells
    assert len(b2n) == 4 * 3 * 4 + 4
    assert {c.seed for c in b2n if c.train_config} == {1, 2, 3}
    assert {c.dataset for c in b2n} == {'k400', 'hmdb51', 'ucf101', 'ssv2'}
    few = grid.load_spec('configs/grids/few_shot.py').cells
    assert sorted({c.shots for c in few}) == [2, 4, 8, 16]
    sup = {c.method: c for c in grid.load_spec(
        'configs/grids/supervised_k400.py').cells}
    zs = grid.load_spec('configs/grids/zero_shot_k400.py').cells
    for cell in zs:
        if cell.train_config:
            assert cell.train_dir == sup[cell.method].train_dir
            assert cell.train_config == sup[cell.method].train_config
            assert cell.test_config.startswith('configs/zero_shot/')


# ----------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------
@pytest.fixture
def one_cell(grid, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    path = _spec(tmp_path, f'''
protocol = 'supervised'
work_dir = '{tmp_path}/w'
cells = [dict(method='m', dataset='d', seed=2, train_config='{TINY}',
              cfg_options=['model.cls_head.template=a video of {{}}.'],
              train_cfg_options=['train_cfg.max_epochs=1'],
              test_cfg_options=['test_dataloader.batch_size=2'],
              train_args=['--amp'])]
''')
    return grid.load_spec(path).cells[0]


def test_commands_per_launcher(grid, one_cell, tmp_path):
    cell, w = one_cell, f'{tmp_path}/w/m_d_s2'
    opts = ['--cfg-options', 'model.cls_head.template=a video of {}.']
    local = grid.Launcher('local', python='PY')
    assert local.train(cell) == [
        'PY', 'tools/train.py', TINY, '--work-dir', f'{w}/train', '--seed',
        '2', '--amp', *opts, 'train_cfg.max_epochs=1']
    assert local.train(cell, resume=True)[7] == '--resume'
    assert local.test(cell, 'ck.pth') == [
        'PY', 'tools/test.py', TINY, 'ck.pth', '--work-dir', f'{w}/test',
        '--dump', f'{w}/preds.pkl', *opts, 'test_dataloader.batch_size=2']
    assert local.env() == {}

    dist = grid.Launcher('pytorch', gpus=4)
    assert dist.train(cell)[:6] == ['bash', 'tools/dist_train.sh', TINY, '4',
                                    '--work-dir', f'{w}/train']
    assert dist.test(cell, 'ck.pth')[:5] == ['bash', 'tools/dist_test.sh',
                                             TINY, 'ck.pth', '4']
    assert dist.env() == {}

    slurm = grid.Launcher('slurm', gpus=16, partition='gpu')
    assert slurm.train(cell)[:6] == ['bash', 'tools/slurm_train.sh', 'gpu',
                                     'train_m_d_s2', TINY, f'{w}/train']
    assert '--work-dir' not in slurm.train(cell)  # the script adds it
    assert slurm.test(cell, 'ck.pth')[:6] == [
        'bash', 'tools/slurm_test.sh', 'gpu', 'test_m_d_s2', TINY, 'ck.pth']
    assert slurm.env() == dict(GPUS='16', GPUS_PER_NODE='8')
    assert grid.Launcher('slurm', gpus=2, partition='p').env()[
        'GPUS_PER_NODE'] == '2'
    # the printed line splits back into the same arguments
    line = slurm.show(slurm.train(cell))
    assert line.startswith('GPUS=16 GPUS_PER_NODE=8 bash ')
    assert shlex.split(line)[2:] == slurm.train(cell)
    with pytest.raises(ValueError, match='needs --partition'):
        grid.Launcher('slurm')


FAKE_SRUN = '''#!{python}
# records its arguments and GPUS, and "saves a checkpoint" for train runs
import json, os, sys
args = sys.argv[1:]
with open(os.environ['FAKE_SRUN_RECORD'], 'a') as f:
    f.write(json.dumps(dict(args=args, gpus=os.environ.get('GPUS'))) + '\\n')
for a in args:
    if a.startswith('--work-dir='):
        open(os.path.join(a.split('=', 1)[1], 'epoch_1.pth'), 'w').close()
'''


def test_slurm_grid_passes_options_intact(tmp_path):
    """Through the real slurm_*.sh scripts (fake srun): the cfg-option with
    spaces reaches train.py and test.py as one argument, GPUS is set, the
    train run's checkpoint is tested, and a test that writes no metrics
    is a listed failure."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN.format(python=sys.executable))
    srun.chmod(srun.stat().st_mode | stat.S_IXUSR)
    record = tmp_path / 'srun.jsonl'
    path = _spec(tmp_path, f'''
protocol = 'supervised'
work_dir = '{tmp_path}/w'
cells = [dict(method='m', dataset='d', seed=1, train_config='{TINY}',
              cfg_options=['model.cls_head.template=a video of {{}}.'])]
''')
    proc = run_tool([sys.executable, 'tools/run_grid.py', path, '--launcher',
                     'slurm', '--partition', 'P', '--gpus', '2',
                     '--no-plots'],
                    env={'PATH': f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                         'FAKE_SRUN_RECORD': str(record)})
    assert proc.returncode == 1, _tail(proc)
    calls = [json.loads(ln) for ln in record.read_text().splitlines()]
    assert [c['gpus'] for c in calls] == ['2', '2']
    train, test = (c['args'] for c in calls)
    assert '--ntasks=2' in train and '-p' in train
    option = 'model.cls_head.template=a video of {}.'
    assert train[train.index('--cfg-options') + 1] == option
    assert test[test.index('--cfg-options') + 1] == option
    assert train[train.index('--seed') + 1] == '1'
    ckpt = tmp_path / 'w' / 'm_d_s1' / 'train' / 'epoch_1.pth'
    assert str(ckpt) in test
    assert 'm_d_s1: test: ' in proc.stdout and 'wrote no metric JSON' in \
        proc.stdout, _tail(proc)
    assert 'log: ' + str(tmp_path / 'w' / 'm_d_s1' / 'test.log') in \
        proc.stdout


def test_checkpoint_choice(grid, one_cell, tmp_path):
    import dataclasses
    train = Path(one_cell.train_dir)
    train.mkdir(parents=True)
    assert grid.find_checkpoint(one_cell) is None  # not trained yet
    (train / grid.TRAIN_DONE).write_text('{}')
    with pytest.raises(FileNotFoundError, match='holds no checkpoint'):
        grid.find_checkpoint(one_cell)
    for name in ('epoch_2.pth', 'epoch_10.pth', 'best_acc_top1_epoch_2.pth'):
        (train / name).write_text('')
    assert grid.find_checkpoint(one_cell).endswith('best_acc_top1_epoch_2.pth')
    last = dataclasses.replace(one_cell, checkpoint='last')
    assert grid.find_checkpoint(last).endswith('/epoch_10.pth')
    (train / 'last_checkpoint').write_text(str(train / 'epoch_2.pth'))
    assert grid.find_checkpoint(last).endswith('/epoch_2.pth')
    (train / 'best_acc_top1_epoch_2.pth').unlink()
    best = dataclasses.replace(one_cell, checkpoint='best')
    with pytest.raises(FileNotFoundError, match="checkpoint='best' but"):
        grid.find_checkpoint(best)
    path = dataclasses.replace(one_cell, checkpoint=str(tmp_path / 'x.pth'))
    with pytest.raises(FileNotFoundError, match="cell 'm_d_s2'.*x.pth"):
        grid.find_checkpoint(path)


# ----------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------
def _cell_file(root, index, protocol, method, dataset, seed, metrics,
               shots=None):
    name = f'{method}_{dataset}_{seed}_{shots}'
    (root / name).mkdir(parents=True)
    cell = dict(index=index, protocol=protocol, method=method,
                dataset=dataset, seed=seed, shots=shots, name=name)
    (root / name / 'metrics.json').write_text(json.dumps(
        dict(cell=cell, metrics=metrics)))


def test_tables_and_long_csv_have_the_metrics(tables, tmp_path):
    w = tmp_path / 'grids'
    # base-to-novel: 3 seeds of vilt-clip, hm logged for seed 1 only
    for i, (b, n) in enumerate([(0.9, 0.6), (0.8, 0.5), (0.7, 0.7)]):
        extra = {'b2n/hm': 0.72} if i == 0 else {}
        _cell_file(w / 'b2n', i + 1, 'base2novel', 'vilt-clip', 'world',
                   i + 1, {'base/acc/top1': b, 'novel/acc/top1': n,
                           **extra})
    _cell_file(w / 'b2n', 0, 'base2novel', 'zero-shot', 'world', None,
               {'base/acc/top1': 0.5, 'novel/acc/top1': 0.25})
    # few-shot: K=2 and K=16, two seeds at K=2
    _cell_file(w / 'fs', 0, 'few_shot', 'ivlp', 'motion', 1,
               {'acc/top1': 0.2}, shots=2)
    _cell_file(w / 'fs', 1, 'few_shot', 'ivlp', 'motion', 2,
               {'acc/top1': 0.4}, shots=2)
    _cell_file(w / 'fs', 2, 'few_shot', 'ivlp', 'motion', 1,
               {'acc/top1': 0.9}, shots=16)
    # zero-shot: one multi-set test over 3 splits of world B
    _cell_file(w / 'zs', 0, 'zero_shot', 'ivlp', 'worldA', 1,
               {'b_s1/acc/top1': 0.3, 'b_s2/acc/top1': 0.4,
                'b_s3/acc/top1': 0.5, 'b/top1_mean': 0.4})
    out = tmp_path / 'out'
    records = tables.main([str(w / 'b2n'), str(w / 'fs'), str(w / 'zs'),
                           '--out-dir', str(out), '--methods', 'zero-shot',
                           'vilt-clip'])
    assert set(records) == {'base2novel', 'few_shot', 'zero_shot'}

    rows = list(csv.DictReader(io.StringIO(
        (out / 'results_base2novel.csv').read_text())))
    assert list(rows[0]) == ['dataset', 'method', 'seed', 'metric', 'value']
    got = {(r['method'], r['seed'], r['metric']): float(r['value'])
           for r in rows}
    assert got[('zero-shot', '', 'base_top1')] == 50.0
    assert got[('zero-shot', '', 'hm')] == pytest.approx(100 / 3, abs=1e-4)
    assert got[('vilt-clip', '1', 'hm')] == 72.0  # the logged b2n/hm
    assert got[('vilt-clip', '2', 'hm')] == pytest.approx(
        2 * 80 * 50 / 130, abs=1e-4)
    assert len(rows) == 4 * 3

    header, *body = list(csv.reader(io.StringIO(
        (out / 'base2novel.csv').read_text())))
    assert header == ['method', 'world base', 'world novel', 'world HM',
                      'seeds']
    assert [r[0] for r in body] == ['zero-shot', 'vilt-clip']  # --methods
    # base 90/80/70: mean 80.0, std (ddof=0) 8.2; one value: no +-
    hm = [72.0, 2 * 80 * 50 / 130, 70.0]
    mean = sum(hm) / 3
    std = (sum((v - mean)**2 for v in hm) / 3)**0.5
    assert body[1] == ['vilt-clip', '80.0 ± 8.2', '60.0 ± 8.2',
                       f'{mean:.1f} ± {std:.1f}', '1 2 3']
    assert body[0] == ['zero-shot', '50.0', '25.0', '33.3', '-']

    fs = list(csv.reader(io.StringIO((out / 'few_shot.csv').read_text())))
    assert fs == [['method', 'motion K=2', 'motion K=16', 'seeds'],
                  ['ivlp', '30.0 ± 10.0', '90.0', '1 2']]
    fs_long = (out / 'results_few_shot.csv').read_text().splitlines()
    assert 'motion,ivlp,2,top1_k2,40.0000' in fs_long
    # zero-shot splits b_s1..3 pool into one column b
    zs = list(csv.reader(io.StringIO((out / 'zero_shot.csv').read_text())))
    assert zs == [['method', 'b', 'seeds'], ['ivlp', '40.0 ± 8.2', '1']]
    assert 'b_s2,ivlp,1,top1,40.0000' in (
        out / 'results_zero_shot.csv').read_text()

    md = (out / 'tables.md').read_text()
    assert md.index('## Zero-shot') < md.index('## Few-shot') < md.index(
        '## Base-to-novel')
    assert '| vilt-clip | 80.0 ± 8.2 |' in md
    for protocol in records:
        assert (out / f'results_{protocol}.png').stat().st_size > 1000


def test_records_need_the_protocol_metrics(tables):
    cell = dict(protocol='base2novel', method='m', dataset='d', seed=1)
    with pytest.raises(KeyError, match=r"cell X: no 'novel/acc/top1'.*"
                       r"base/acc/top1"):
        tables.cell_records(cell, {'base/acc/top1': 0.5}, 'cell X')
    with pytest.raises(KeyError, match='needs shots=K'):
        tables.cell_records(dict(cell, protocol='few_shot'),
                            {'acc/top1': 0.5})
    with pytest.raises(KeyError, match="no 'acc/top1'"):
        tables.cell_records(dict(cell, protocol='supervised'),
                            {'loss': 1.0})


# ----------------------------------------------------------------------
# a tiny grid that really runs
# ----------------------------------------------------------------------
def _score(dump):
    with open(dump, 'rb') as f:
        rows = pickle.load(f)
    right = sum(int(r['pred_score'].argmax()) == int(r['gt_label'][0])
                for r in rows)
    return 100.0 * right / len(rows)


@pytest.mark.slow
def test_tiny_grid_resumes_lists_failures_and_tables(tmp_path,
                                                     synthetic_data):
    """Two cells: one trains (1 epoch) and tests, one fails at test. The
    grid goes on, lists the failure with its log and exits 1; the table has
    the finished cell's number. A rerun with the failing cell fixed skips
    the finished cell and runs the other."""
    env = {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root']),
           'OMP_NUM_THREADS': '1'}
    work = tmp_path / 'w'
    spec_text = '''
protocol = 'supervised'
work_dir = '{work}'
cells = [dict(method='vilt-clip', dataset='syn', seed=1,
              train_config='{tiny}',
              train_cfg_options=['train_cfg.max_epochs=1']),
         dict(method='zero-shot', dataset='syn', train_config=None,
              test_config='{tiny}', test_cfg_options={opts})]
'''
    bad = "['test_dataloader.dataset.ann_file=/no/such list.txt']"
    path = _spec(tmp_path, spec_text.format(work=work, tiny=TINY, opts=bad))
    cmd = [sys.executable, 'tools/run_grid.py', path]
    first = run_tool(cmd, env=env)
    assert first.returncode == 1, _tail(first)
    out = first.stdout
    assert '[1/2] vilt-clip_syn_s1: finished in' in out, _tail(first)
    assert '[2/2] zero-shot_syn: running (1/2 run, 0 failed' in out
    assert 'ETA ' in out
    failed = out[out.index('1 cell(s) failed:'):]
    assert 'zero-shot_syn: test: exit status 1' in failed
    log = work / 'zero-shot_syn' / 'test.log'
    assert f'log: {log}' in failed
    assert '/no/such list.txt' in log.read_text()  # the space survived
    assert not (work / 'zero-shot_syn' / 'metrics.json').exists()

    done = json.loads((work / 'vilt-clip_syn_s1' / 'metrics.json')
                      .read_text())
    top1 = 100 * done['metrics']['acc/top1']
    assert top1 == pytest.approx(_score(work / 'vilt-clip_syn_s1' /
                                        'preds.pkl'))
    assert done['checkpoint'].endswith('epoch_1.pth')
    assert done['train_seconds'] > 0
    rows = (work / 'results_supervised.csv').read_text().splitlines()
    assert rows == ['dataset,method,seed,metric,value',
                    f'syn,vilt-clip,1,top1,{top1:.4f}']
    assert f'| vilt-clip | {top1:.1f} | 1 |' in (work / 'tables.md'
                                                ).read_text()
    stamp = (work / 'vilt-clip_syn_s1' / 'metrics.json').stat().st_mtime_ns
    train_runs = sorted((work / 'vilt-clip_syn_s1' / 'train').iterdir())

    path = _spec(tmp_path, spec_text.format(work=work, tiny=TINY, opts=[]))
    second = run_tool(cmd, env=env)
    assert second.returncode == 0, _tail(second)
    assert '2 cells, 1 finished earlier, 1 to run' in second.stdout
    assert '[1/2] vilt-clip_syn_s1: finished earlier, skipped' in \
        second.stdout
    assert '[2/2] zero-shot_syn: finished in' in second.stdout
    assert (work / 'vilt-clip_syn_s1' / 'metrics.json').stat(
    ).st_mtime_ns == stamp
    assert sorted((work / 'vilt-clip_syn_s1' / 'train').iterdir()) == \
        train_runs, 'the finished cell must not train again'
    zs = json.loads((work / 'zero-shot_syn' / 'metrics.json').read_text())
    assert zs['checkpoint'] == 'none' and zs['train_seconds'] is None
    long = (work / 'results_supervised.csv').read_text().splitlines()
    zs_top1 = 100 * zs['metrics']['acc/top1']
    assert long[1:] == [f'syn,vilt-clip,1,top1,{top1:.4f}',
                        f'syn,zero-shot,,top1,{zs_top1:.4f}']
    assert (work / 'results_supervised.png').is_file()
