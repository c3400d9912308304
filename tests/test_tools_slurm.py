"""tools/slurm_{train,test}.sh with a fake srun, and the Slurm env mapping."""
import os
import stat
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_tool
from mmvlprompt.compat import cpu_dist

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'

FAKE_SRUN = '''#!/usr/bin/env bash
# records its arguments (one per line) and PYTHONPATH, then succeeds
printf '%s\\n' "$@" > "$FAKE_SRUN_RECORD"
printf '%s' "${PYTHONPATH:-}" > "$FAKE_SRUN_RECORD.pythonpath"
exit 0
'''


def _tail(proc, n=4000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


@pytest.fixture
def fake_srun(tmp_path):
    """A bin dir with a recording `srun`; returns (env, record path)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(srun.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP
               | stat.S_IXOTH)
    record = tmp_path / 'srun_args.txt'
    # the test's Python (it has torch) first after srun, as when activated
    env = {'PATH': os.pathsep.join([str(bin_dir),
                                    str(Path(sys.executable).parent),
                                    os.environ.get('PATH', '')]),
           'FAKE_SRUN_RECORD': str(record), 'GPUS': '4',
           'GPUS_PER_NODE': '2'}
    return env, record


def _recorded(record):
    assert record.is_file(), 'srun was not called'
    args = record.read_text().splitlines()
    pythonpath = (record.parent / (record.name + '.pythonpath')).read_text()
    return args, pythonpath


def _python_at(args):
    """Index of the interpreter srun runs: the Python that has torch (the
    test's own, first on PATH), by full path."""
    at = next(i for i, a in enumerate(args)
              if os.path.basename(a).startswith('python'))
    assert Path(args[at]).parent == Path(sys.executable).parent, args
    return at


def _check_srun_options(args):
    # srun options come before the command
    cmd_at = _python_at(args)
    opts = args[:cmd_at]
    assert opts[:2] == ['-p', 'PART'], args
    for opt in ('--job-name=JOB', '--ntasks=4', '--ntasks-per-node=2',
                '--gres=gpu:2', '--cpus-per-task=5', '--kill-on-bad-exit=1'):
        assert opt in opts, f'{opt} missing from srun options {opts}'
    assert args[cmd_at + 1] == '-u', args
    return args[cmd_at + 2:]


def _check_pythonpath(pythonpath):
    first = pythonpath.split(os.pathsep)[0]
    assert os.path.realpath(first) == os.path.realpath(REPO), pythonpath


def test_slurm_train_builds_srun_command(fake_srun, tmp_path):
    """slurm_train.sh passes partition, tasks, GPUs and train.py options."""
    env, record = fake_srun
    work = str(tmp_path / 'WORKDIR')
    proc = run_tool(['bash', 'tools/slurm_train.sh', 'PART', 'JOB', CONFIG,
                     work, '--seed', '1'], env=env)
    assert proc.returncode == 0, _tail(proc)
    args, pythonpath = _recorded(record)
    cmd = _check_srun_options(args)
    assert os.path.realpath(cmd[0]) == str(REPO / 'tools' / 'train.py'), args
    assert cmd[1] == CONFIG, args
    assert f'--work-dir={work}' in cmd, args
    assert '--launcher=slurm' in cmd, args
    i = cmd.index('--seed')
    assert cmd[i + 1] == '1', args
    assert cmd.index('--launcher=slurm') < i, \
        'extra options must come after the fixed ones'
    _check_pythonpath(pythonpath)


def test_slurm_test_builds_srun_command(fake_srun, tmp_path):
    """slurm_test.sh passes the checkpoint and test.py options to srun."""
    env, record = fake_srun
    ckpt = str(tmp_path / 'epoch_3.pth')
    proc = run_tool(['bash', 'tools/slurm_test.sh', 'PART', 'JOB', CONFIG,
                     ckpt, '--dump', 'out.pkl'], env=env)
    assert proc.returncode == 0, _tail(proc)
    args, pythonpath = _recorded(record)
    cmd = _check_srun_options(args)
    assert os.path.realpath(cmd[0]) == str(REPO / 'tools' / 'test.py'), args
    assert cmd[1:3] == [CONFIG, ckpt], args
    assert '--launcher=slurm' in cmd, args
    assert cmd[-2:] == ['--dump', 'out.pkl'], args
    assert not any(a.startswith('--work-dir') for a in cmd), args
    _check_pythonpath(pythonpath)


def test_slurm_srun_args_are_split_and_defaults_apply(fake_srun, tmp_path):
    """SRUN_ARGS adds separate srun options; GPUS defaults to 8 per node."""
    env, record = fake_srun
    # empty counts as unset for bash's ${VAR:-default}
    env = dict(env, SRUN_ARGS='--mem=4G --time=10', CPUS_PER_TASK='3',
               GPUS='', GPUS_PER_NODE='')
    proc = run_tool(['bash', 'tools/slurm_train.sh', 'P', 'J', CONFIG,
                     str(tmp_path / 'w')], env=env)
    assert proc.returncode == 0, _tail(proc)
    args, _ = _recorded(record)
    opts = args[:_python_at(args)]
    for opt in ('--ntasks=8', '--ntasks-per-node=8', '--gres=gpu:8',
                '--cpus-per-task=3', '--mem=4G', '--time=10'):
        assert opt in opts, f'{opt} missing from {opts}'


@pytest.mark.parametrize('script,args', [
    ('tools/slurm_train.sh', ['PART', 'JOB', CONFIG]),
    ('tools/slurm_test.sh', ['PART', 'JOB', CONFIG]),
])
def test_slurm_scripts_need_four_arguments(fake_srun, script, args):
    """Too few arguments: exit code 2, a usage line, and no srun call."""
    env, record = fake_srun
    proc = run_tool(['bash', script, *args], env=env)
    assert proc.returncode == 2, _tail(proc)
    assert 'usage:' in proc.stderr, _tail(proc)
    assert 'PARTITION JOB_NAME CONFIG' in proc.stderr, _tail(proc)
    assert not record.exists(), 'srun must not run on a usage error'


def _clear_torch_env(monkeypatch):
    # setenv first so monkeypatch records (and later restores) the absence
    for name in ('MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK',
                 'MASTER_ADDR', 'SLURM_LOCALID', 'SLURM_NODELIST'):
        monkeypatch.setenv(name, 'x')
        monkeypatch.delenv(name)


def test_slurm_env_maps_to_torch_env(monkeypatch):
    """SLURM_PROCID/NTASKS/LOCALID become RANK/WORLD_SIZE/LOCAL_RANK."""
    _clear_torch_env(monkeypatch)
    monkeypatch.setenv('SLURM_PROCID', '1')
    monkeypatch.setenv('SLURM_NTASKS', '4')
    monkeypatch.setenv('SLURM_LOCALID', '1')
    monkeypatch.setenv('MASTER_ADDR', 'node0')  # no scontrol call
    cpu_dist._slurm_env_to_torch_env()
    assert os.environ['RANK'] == '1'
    assert os.environ['WORLD_SIZE'] == '4'
    assert os.environ['LOCAL_RANK'] == '1'
    assert os.environ['MASTER_PORT'] == '29500'
    assert os.environ['MASTER_ADDR'] == 'node0'


def test_slurm_env_port_and_preset_master_port(monkeypatch):
    """An explicit port is used unless MASTER_PORT is already set."""
    _clear_torch_env(monkeypatch)
    monkeypatch.setenv('SLURM_PROCID', '3')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    monkeypatch.setenv('MASTER_ADDR', 'node0')
    cpu_dist._slurm_env_to_torch_env(port=23456)
    assert os.environ['MASTER_PORT'] == '23456'
    assert os.environ['RANK'] == '3' and os.environ['WORLD_SIZE'] == '8'
    assert os.environ['LOCAL_RANK'] == '0'  # SLURM_LOCALID unset
    monkeypatch.setenv('MASTER_PORT', '31000')
    cpu_dist._slurm_env_to_torch_env(port=23456)
    assert os.environ['MASTER_PORT'] == '31000'


def test_slurm_env_master_addr_from_scontrol(monkeypatch, tmp_path):
    """Without MASTER_ADDR the first host of SLURM_NODELIST is used."""
    _clear_torch_env(monkeypatch)
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    scontrol = bin_dir / 'scontrol'
    scontrol.write_text('#!/usr/bin/env bash\n'
                        '[ "$1 $2" = "show hostname" ] || exit 1\n'
                        'echo "$3" | tr "," "\\n"\n')
    scontrol.chmod(0o755)
    monkeypatch.setenv('PATH', str(bin_dir) + os.pathsep +
                       os.environ.get('PATH', ''))
    monkeypatch.setenv('SLURM_PROCID', '0')
    monkeypatch.setenv('SLURM_NTASKS', '2')
    monkeypatch.setenv('SLURM_NODELIST', 'gpu07,gpu08')
    cpu_dist._slurm_env_to_torch_env()
    assert os.environ['MASTER_ADDR'] == 'gpu07'
