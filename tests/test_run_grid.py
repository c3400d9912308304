"""tools/run_grid.py and tools/analysis/grid_tables.py: grid specs, commands
per launcher, resumability and failures on a tiny grid that really runs,
and the tables against the metrics files."""
import csv
import importlib.util
import io
import json
import os
import pickle
import re
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
    # under its dotted path, the name mutation testing knows it by
    return _load('tools.analysis.grid_tables', REPO / 'tools' / 'analysis' /
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
                 train_config='configs/base2novel/'
                              '{{cfg}}_b2n_{{dataset}}_s{{seed}}.py',
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
    ("[dict(method='m', dataset='d', train_config=_tiny, "
     "protocol='few_shot')]",
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


@pytest.mark.parametrize('body,match', [
    ("method_order = 'ivlp'\ncells = [dict(method='m', dataset='d', "
     "test_config=_tiny)]", "method_order='ivlp': expected a list"),
    ("products = dict(method='m')", 'products must be a list'),
    ("products = [dict(method='m', dataset=['a'], cfg='x')]",
     r"products\[0\]: unknown keys \['cfg'\]"),
    ("products = [dict(method={'m': 'x'}, dataset='d', test_config=_tiny)]",
     r"products\[0\].method\['m'\]: expected a dict of template"),
    ("cells = []", 'no cells'),
])
def test_bad_spec_tops_fail_naming_the_key(grid, tmp_path, monkeypatch,
                                           body, match):
    monkeypatch.chdir(REPO)
    path = _spec(tmp_path, f"protocol = 'supervised'\nwork_dir = 'w'\n"
                 f"_tiny = '{TINY}'\n{body}\n")
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
    supervised trainings, except ViFi-CLIP's, whose published zero-shot
    recipe (32 frames, 10 epochs) trains on its own."""
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
    vifi = [c for c in zs if c.method == 'vificlip']
    assert [c.train_config for c in vifi] == [
        'configs/zero_shot/vificlip_k400_zs.py']
    assert vifi[0].train_dir != sup['vificlip'].train_dir
    for cell in zs:
        if cell.train_config and cell.method != 'vificlip':
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
# A fake cluster: records each call; train runs "save" epoch_1.pth, test
# runs write a metric JSON (none for a job named *nometric*); jobs named
# *bad* fail. FAKE_WAIT=JOB:FILE makes JOB wait (10 s at most) for FILE,
# FAKE_TOUCH=JOB:FILE makes JOB create it.
import json, os, sys, time
start, code = time.time(), 0
args = sys.argv[1:]
job = [a for a in args if a.startswith('--job-name=')][0][11:]
for var in ('FAKE_WAIT', 'FAKE_TOUCH'):
    who, _, path = os.environ.get(var, ':').partition(':')
    if who == job and var == 'FAKE_TOUCH':
        open(path, 'w').close()
    while who == job and var == 'FAKE_WAIT' and not os.path.exists(path):
        if time.time() - start > 10:
            code = 4
            break
        time.sleep(0.05)
if 'bad' in job:
    code = 3
elif [a for a in args if a.endswith(('train.py', 'test.py'))][0].endswith(
        'train.py'):
    work = [a for a in args if a.startswith('--work-dir=')][0][11:]
    open(os.path.join(work, 'epoch_1.pth'), 'w').close()
else:
    test_dir = args[args.index('--work-dir') + 1]
    stamp = '20260101_%06d' % len(os.listdir(test_dir)
                                  if os.path.isdir(test_dir) else [])
    os.makedirs(os.path.join(test_dir, stamp))
    metrics = {{}} if 'nometric' in job else {{'acc/top1': 0.625}}
    with open(os.path.join(test_dir, stamp, stamp + '.json'), 'w') as f:
        f.write(json.dumps(metrics) + '\\n')
with open(os.environ['FAKE_SRUN_RECORD'], 'a') as f:
    f.write(json.dumps(dict(args=args, gpus=os.environ.get('GPUS'), job=job,
                            start=start, end=time.time())) + '\\n')
sys.exit(code)
'''


@pytest.fixture
def fake_cluster(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN.format(python=sys.executable))
    srun.chmod(srun.stat().st_mode | stat.S_IXUSR)
    record = tmp_path / 'srun.jsonl'
    env = {'PATH': f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           'FAKE_SRUN_RECORD': str(record)}

    def calls():
        if not record.is_file():
            return []
        return [json.loads(ln) for ln in record.read_text().splitlines()]
    return env, calls


@pytest.mark.slow  # two runner processes: ~15 s of CPU
def test_fake_slurm_grid_resumes_and_lists_failures(tmp_path, fake_cluster):
    '''Through the real slurm_*.sh scripts with a fake srun: options with
    spaces reach train.py and test.py as one argument, GPUS is set, the
    trained checkpoint is tested; a failing train, a test without the
    protocol's metric and a cell whose train_dir holds another training
    are listed while the other cell finishes; a rerun launches nothing for
    the finished cell.'''
    env, calls = fake_cluster
    work = tmp_path / 'w'
    path = _spec(tmp_path, f'''
protocol = 'supervised'
work_dir = '{work}'
cells = [dict(method='bad', dataset='d', seed=1, train_config='{TINY}'),
         dict(method='m', dataset='d', seed=1, train_config='{TINY}',
              cfg_options=['model.cls_head.template=a video of {{}}.']),
         dict(method='nometric', dataset='d', test_config='{TINY}'),
         dict(method='other', dataset='d', train_config='{TINY}',
              train_dir='{work}/m_d_s1/train', cfg_options=['a=1'])]
''')
    cmd = [sys.executable, 'tools/run_grid.py', path, '--launcher', 'slurm',
           '--partition', 'P', '--gpus', '2', '--no-plots']
    proc = run_tool(cmd, env=env)
    assert proc.returncode == 1, _tail(proc)
    assert [c['gpus'] for c in calls()] == ['2'] * 4  # bad: train only
    train, test = (c['args'] for c in calls()[1:3])
    assert '--ntasks=2' in train and '--job-name=train_m_d_s1' in train
    option = 'model.cls_head.template=a video of {}.'
    assert train[train.index('--cfg-options') + 1] == option
    assert test[test.index('--cfg-options') + 1] == option
    assert train[train.index('--seed') + 1] == '1'
    assert str(work / 'm_d_s1' / 'train' / 'epoch_1.pth') in test
    out = proc.stdout
    assert '[2/4] m_d_s1: finished in' in out, _tail(proc)
    failed = out[out.index('3 cell(s) failed:'):]
    assert f"bad_d_s1: train: exit status 3\n    log: " \
        f"{work / 'bad_d_s1' / 'train.log'}" in failed
    assert "nometric_d: metrics: cell 'nometric_d': no 'acc/top1'" in failed
    # m's training may not stand in for a training with other options
    assert f"other_d: train: {work / 'm_d_s1' / 'train'} holds a training " \
        'with other settings' in failed
    assert json.loads((work / 'm_d_s1' / 'metrics.json').read_text())[
        'metrics'] == {'acc/top1': 0.625}
    assert (work / 'results_supervised.csv').read_text().splitlines()[1:] \
        == ['d,m,1,top1,62.5000']

    before = len(calls())
    again = run_tool(cmd, env=env)
    assert again.returncode == 1, _tail(again)
    assert '4 cells, 1 finished earlier, 3 to run' in again.stdout
    assert '[2/4] m_d_s1: finished earlier, skipped' in again.stdout
    jobs = [a for c in calls()[before:] for a in c['args']
            if a.startswith('--job-name=')]
    assert jobs == ['--job-name=train_bad_d_s1',
                    '--job-name=test_nometric_d'], 'm_d_s1 must not rerun'


@pytest.mark.slow  # a runner process: ~8 s of CPU
def test_jobs_run_cells_at_once_but_not_a_shared_training(tmp_path,
                                                         fake_cluster):
    '''--jobs 3: a's training waits until b's has started (so they overlap:
    one at a time would time out), and z, which tests a's training, waits
    for it although a worker is free.'''
    env, calls = fake_cluster
    marker = tmp_path / 'b_started'
    env = dict(env, FAKE_WAIT=f'train_a_d_s1:{marker}',
               FAKE_TOUCH=f'train_b_d_s1:{marker}')
    work = tmp_path / 'w'
    path = _spec(tmp_path, f'''
protocol = 'supervised'
work_dir = '{work}'
cells = [dict(method='z', dataset='d', test_config='{TINY}',
              train_dir='{work}/a_d_s1/train'),
         dict(method='a', dataset='d', seed=1, train_config='{TINY}'),
         dict(method='b', dataset='d', seed=1, train_config='{TINY}')]
''')
    proc = run_tool([sys.executable, 'tools/run_grid.py', path, '--launcher',
                     'slurm', '--partition', 'P', '--jobs', '3',
                     '--no-plots'], env=env)
    assert proc.returncode == 0, _tail(proc)
    assert '3 at a time' in proc.stdout
    by_job = {c['job']: c for c in calls()}
    assert set(by_job) == {'train_a_d_s1', 'test_a_d_s1', 'train_b_d_s1',
                           'test_b_d_s1', 'test_z_d'}
    assert by_job['train_b_d_s1']['start'] < by_job['train_a_d_s1']['end']
    assert by_job['test_z_d']['start'] > by_job['train_a_d_s1']['end']
    z = json.loads((work / 'z_d' / 'metrics.json').read_text())
    assert z['checkpoint'] == str(work / 'a_d_s1' / 'train' / 'epoch_1.pth')


def test_parallel_jobs_need_a_launcher_that_allows_them(grid, tmp_path,
                                                       capsys):
    path = _spec(tmp_path, f"protocol = 'supervised'\nwork_dir = 'w'\n"
                 f"cells = [dict(method='m', dataset='d', "
                 f"test_config='{REPO / TINY}')]\n")
    assert grid.main([path, '--launcher', 'pytorch', '--jobs', '2',
                      '--dry-run']) == 2
    assert '--jobs 2' in capsys.readouterr().err
    assert grid.main([path, '--jobs', '2', '--dry-run']) == 0


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


def test_stage_output_goes_to_the_log_with_heartbeats(grid, tmp_path,
                                                      capsys):
    log = tmp_path / 'stage.log'
    cmd = [sys.executable, '-u', '-c', "import sys, time; print('Epoch(train)"
           " [1][2/3]'); print('oops', file=sys.stderr); time.sleep(1.5); "
           "sys.exit(5)"]
    code = grid._run_logged(cmd, {}, str(log), 'the command',
                            grid.Output(heartbeat=0.2), 'cell train')
    assert code == 5
    assert log.read_text().splitlines() == ['$ the command',
                                            'Epoch(train) [1][2/3]', 'oops']
    beats = [ln for ln in capsys.readouterr().out.splitlines()
             if re.match(r'      cell train \dm\d\ds: ', ln)]
    assert beats and beats[-1].endswith(': oops'), beats


# ----------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------
def _cell_file(root, index, protocol, method, dataset, seed, metrics,
               shots=None, train_seconds=None):
    name = f'{method}_{dataset}_{seed}_{shots}'
    (root / name).mkdir(parents=True)
    cell = dict(index=index, protocol=protocol, method=method,
                dataset=dataset, seed=seed, shots=shots, name=name)
    (root / name / 'metrics.json').write_text(json.dumps(
        dict(cell=cell, metrics=metrics, train_seconds=train_seconds,
             test_seconds=5.0)))


def test_tables_and_long_csv_have_the_metrics(tables, tmp_path):
    w = tmp_path / 'grids'
    # base-to-novel: 3 seeds of vilt-clip; seed 1 logged b2n/hm (a value
    # unlike the HM of its base and novel, 72, to see which is used)
    for i, (b, n) in enumerate([(0.9, 0.6), (0.8, 0.5), (0.7, 0.7)]):
        extra = {'b2n/hm': 0.70} if i == 0 else {}
        _cell_file(w / 'b2n', i + 1, 'base2novel', 'vilt-clip', 'world',
                   i + 1, {'base/acc/top1': b, 'novel/acc/top1': n,
                           **extra}, train_seconds=10.0 * (i + 1))
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
    assert got[('vilt-clip', '1', 'hm')] == 70.0  # the logged b2n/hm
    assert got[('vilt-clip', '2', 'hm')] == pytest.approx(
        2 * 80 * 50 / 130, abs=1e-4)
    assert len(rows) == 4 * 3

    header, *body = list(csv.reader(io.StringIO(
        (out / 'base2novel.csv').read_text())))
    assert header == ['method', 'world base', 'world novel', 'world HM',
                      'seeds']
    assert [r[0] for r in body] == ['zero-shot', 'vilt-clip']  # --methods
    # base 90/80/70: mean 80.0, std (ddof=0) 8.2; one value: no +-
    hm = [70.0, 2 * 80 * 50 / 130, 70.0]
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
    # train seconds 10/20/30: mean 20, std 8.2; zero-shot did not train
    costs = list(csv.reader(io.StringIO((out / 'costs.csv').read_text())))
    assert costs[:3] == [['protocol', 'method', 'cells', 'train s', 'test s'],
                         ['zero_shot', 'ivlp', '1', '', '5'],
                         ['few_shot', 'ivlp', '3', '', '5 ± 0']]
    assert costs[3:] == [['base2novel', 'zero-shot', '1', '', '5'],
                         ['base2novel', 'vilt-clip', '3', '20 ± 8', '5 ± 0']]


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


@pytest.mark.slow
def test_persistent_workers_give_the_same_numbers_and_list_failures(
        tmp_path, synthetic_data):
    """--persistent-workers: two cells run in 2 long-lived workers. The
    trained cell's metrics equal those of the same cell run as separate
    processes; the failing cell is listed with its log (which holds the
    traceback) and the other cell still finishes."""
    env = {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root']),
           'OMP_NUM_THREADS': '1'}
    spec_text = '''
protocol = 'supervised'
work_dir = '{work}'
cells = [dict(method='vilt-clip', dataset='syn', seed=1,
              train_config='{tiny}',
              train_cfg_options=['train_cfg.max_epochs=1'])]
if {with_bad}:
    cells.append(dict(method='zero-shot', dataset='syn', train_config=None,
                      test_config='{tiny}', test_cfg_options=[
                          'test_dataloader.dataset.ann_file=/no/such.txt']))
'''
    runs = {}
    for mode, extra in (('workers', ['--persistent-workers', '--jobs', '2']),
                        ('processes', [])):
        work = tmp_path / mode
        path = _spec(tmp_path, spec_text.format(
            work=work, tiny=TINY, with_bad=mode == 'workers'), f'{mode}.py')
        proc = run_tool([sys.executable, 'tools/run_grid.py', path,
                         '--no-plots', *extra], env=env)
        runs[mode] = (proc, work)
    proc, work = runs['workers']
    assert proc.returncode == 1, _tail(proc)
    assert 'vilt-clip_syn_s1: finished in' in proc.stdout, _tail(proc)
    failed = proc.stdout[proc.stdout.index('1 cell(s) failed:'):]
    assert 'zero-shot_syn: test: exit status 1' in failed
    log = (work / 'zero-shot_syn' / 'test.log').read_text()
    assert 'persistent grid worker' in log and '/no/such.txt' in log
    assert 'Traceback' in log
    assert runs['processes'][0].returncode == 0, _tail(runs['processes'][0])

    def metrics(work):
        found = json.loads((work / 'vilt-clip_syn_s1' / 'metrics.json')
                           .read_text())['metrics']
        return {k: v for k, v in found.items() if 'acc/' in k}

    assert metrics(work) and metrics(work) == metrics(runs['processes'][1])
    train_log = (work / 'vilt-clip_syn_s1' / 'train.log').read_text()
    assert 'Epoch(train) [1]' in train_log  # the tool's output is in it


@pytest.mark.slow
def test_a_dead_worker_fails_its_stage_only(tmp_path, synthetic_data,
                                            monkeypatch):
    """A worker killed mid-stage: the stage fails with the signal, the log
    says so, and the next stage gets a fresh worker that succeeds."""
    sys.path.insert(0, str(REPO / 'tools'))
    import grid_worker
    monkeypatch.setenv('MMVLP_SYNTHETIC_ROOT', str(synthetic_data['root']))
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    monkeypatch.chdir(REPO)
    worker = grid_worker.StageWorker()
    argv = [TINY, 'none', '--work-dir', str(tmp_path / 'test')]
    try:
        killed = []

        def kill(elapsed):
            if not killed:
                killed.append(worker.process.pid)
                worker.process.kill()

        first = worker.run('test', argv, str(tmp_path / 'a.log'),
                           heartbeat=0.2, on_wait=kill)
        assert killed and first == -9
        assert 'worker process died' in (tmp_path / 'a.log').read_text()
        second = worker.run('test', argv, str(tmp_path / 'b.log'))
        assert second == 0, (tmp_path / 'b.log').read_text()[-2000:]
        assert worker.process.pid != killed[0]
        assert 'acc/top1' in (tmp_path / 'b.log').read_text()
        with pytest.raises(ValueError, match="tool 'infer'"):
            worker.run('infer', [], str(tmp_path / 'c.log'))
    finally:
        worker.close()
    assert not worker.alive()


def test_tables_only_says_how_many_cells_finished(tmp_path):
    """--tables-only on a grid none of whose cells has run does not claim
    they all finished."""
    path = _spec(tmp_path, f'''
protocol = 'supervised'
work_dir = '{tmp_path}/w'
cells = [dict(method='m', dataset='d', seed=s, train_config='{TINY}')
         for s in (1, 2)]
''')
    proc = run_tool([sys.executable, 'tools/run_grid.py', path,
                     '--tables-only', '--no-plots'])
    assert proc.returncode == 0, _tail(proc)
    assert '0 of 2 cells finished so far' in proc.stdout, _tail(proc)
    assert 'all 2 cells finished' not in proc.stdout


def test_world_v2_grid_is_the_declared_design(grid, monkeypatch):
    """configs/grids/world_v2.py as declared in
    docs/en/benchmark/world_v2_grid.md before any cell ran: all seven
    methods in every setting, 3 seeds, one motion control (K=16), and each
    training's cosine ending at its last iteration (batch 8, last batch
    kept) with the declared lengths."""
    import math
    monkeypatch.chdir(REPO)
    cells = grid.load_spec('configs/grids/world_v2.py').cells
    seven = {'zero-shot', 'vificlip', 'ivlp', 'maple', 'vilt-clip',
             'vilt-clip-no-scenario', 'vilt-clip-no-mapping'}
    where = {}
    for c in cells:
        where.setdefault((c.protocol, c.dataset, c.shots), []).append(c)
    expect = {('base2novel', 'world_v2', None), ('supervised', 'world_a', None),
              ('zero_shot', 'world_b', None), ('few_shot', 'motion', 16),
              *(('few_shot', 'appearance', k) for k in (2, 4, 8, 16))}
    assert set(where) == expect
    for key, group in where.items():
        assert {c.method for c in group} == seven, key
        trained = [c for c in group if c.method != 'zero-shot']
        assert sorted(c.seed for c in trained) == sorted([1, 2, 3] * 6), key
    assert len(cells) == 8 * 19

    def option(cell, key):
        found = [o.split('=', 1)[1] for o in cell.train_cfg_options
                 if o.startswith(key + '=')]
        assert len(found) == 1, (cell.name, key)
        return found[0]

    declared = {('supervised', None): (1000, 375),
                ('base2novel', None): (400, 300),
                ('few_shot', 2): (50, 70), ('few_shot', 4): (100, 104),
                ('few_shot', 8): (200, 150), ('few_shot', 16): (400, 200)}
    for c in (c for c in cells if c.train_config):
        if c.dataset == 'motion':
            videos, iters = 8 * 16, 96
        else:
            videos, iters = declared[c.protocol, c.shots]
        epochs = int(option(c, 'train_cfg.max_epochs'))
        assert math.ceil(videos / 8) * epochs == iters, c.name
        assert int(option(c, 'param_scheduler.1.end')) == iters, c.name
        if c.protocol != 'supervised':  # its own shots file, per seed
            ann = option(c, 'train_dataloader.dataset.ann_file')
            assert ann.endswith(f'_s{c.seed}.txt'), (c.name, ann)
    sup = {(c.method, c.seed): c.train_dir
           for c in where['supervised', 'world_a', None]}
    for c in where['zero_shot', 'world_b', None]:
        if c.method != 'zero-shot':
            assert c.train_config is None
            assert c.train_dir == sup[c.method, c.seed]
