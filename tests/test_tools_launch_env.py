"""The launch scripts in a shell whose PATH has no virtual environment.

They run torchrun as ``<python> -m torch.distributed.run`` (and srun tasks
with the same ``<python>``), where ``<python>`` is ``$PYTHON``, the
``python`` on PATH, or the repository's ``.venv``, whichever can import
torch; with none, they stop with a message saying what to do. Each test
copies the scripts into a scratch "repository" so that the presence of
``.venv`` is under the test's control.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

BARE_PATH = os.pathsep.join(p for p in ('/usr/local/bin', '/usr/bin', '/bin')
                            if os.path.isdir(p))
SCRIPTS = {
    'dist_train.sh': ['CONFIG', '2'],
    'dist_test.sh': ['CONFIG', 'CKPT', '2'],
    'slurm_train.sh': ['PART', 'JOB', 'CONFIG', 'WORK'],
    'slurm_test.sh': ['PART', 'JOB', 'CONFIG', 'CKPT'],
}


def _bare_python_has_torch() -> bool:
    for name in ('python', 'python3'):
        exe = shutil.which(name, path=BARE_PATH)
        if exe and subprocess.run([exe, '-c', 'import torch'],
                                  capture_output=True).returncode == 0:
            return True
    return False


pytestmark = pytest.mark.skipif(
    _bare_python_has_torch(),
    reason='the system Python has torch: no torch-less shell to test')


def _scratch_repo(tmp_path, with_venv=False):
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    for script in (REPO / 'tools').glob('*.sh'):
        shutil.copy(script, repo / 'tools' / script.name)
    if with_venv:  # stands in for the .venv that `make test` creates
        venv_python = repo / '.venv' / 'bin' / 'python'
        venv_python.parent.mkdir(parents=True)
        venv_python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        venv_python.chmod(0o755)
    return repo


def _bare_run(args, cwd, **extra):
    """Run with a PATH that has no virtual environment in it."""
    env = {'PATH': BARE_PATH, 'HOME': str(cwd), 'PYTHONNOUSERSITE': '1',
           'OMP_NUM_THREADS': '1', **extra}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize('script', sorted(SCRIPTS))
def test_without_torch_the_scripts_say_what_to_do(tmp_path, script):
    repo = _scratch_repo(tmp_path)
    proc = _bare_run(['bash', f'tools/{script}', *SCRIPTS[script]], repo)
    assert proc.returncode != 0
    assert 'error: no Python that can import torch' in proc.stderr, \
        proc.stderr
    assert f'source {repo}/.venv/bin/activate' in proc.stderr, proc.stderr
    assert "'make test' or 'make demo'" in proc.stderr
    assert 'command not found' not in proc.stderr, proc.stderr


def test_an_explicit_python_without_torch_is_named(tmp_path):
    repo = _scratch_repo(tmp_path, with_venv=True)
    proc = _bare_run(['bash', 'tools/dist_train.sh', 'CONFIG', '1'], repo,
                     PYTHON='/bin/false')
    assert proc.returncode != 0
    assert 'tried: /bin/false' in proc.stderr, proc.stderr


@pytest.mark.parametrize('how', ['repo .venv', 'PYTHON', 'PATH'])
def test_find_python_picks_the_python_with_torch(tmp_path, how):
    """$PYTHON first, then `python` on PATH, then the repo's .venv."""
    repo = _scratch_repo(tmp_path, with_venv=how == 'repo .venv')
    extra = {'PYTHON': sys.executable} if how == 'PYTHON' else {}
    if how == 'PATH':  # an activated environment
        extra['PATH'] = f'{Path(sys.executable).parent}{os.pathsep}{BARE_PATH}'
    proc = _bare_run(['bash', '-c', 'source tools/find_python.sh && '
                      'find_python . && echo "PY=$PY"'], repo, **extra)
    assert proc.returncode == 0, proc.stderr
    expected = {'repo .venv': f'{repo}/.venv/bin/python',
                'PYTHON': sys.executable,
                'PATH': str(Path(sys.executable).parent / 'python')}[how]
    assert proc.stdout.strip() == f'PY={expected}'


# each rank writes its own file: lines printed by two processes at once
# can interleave on the shared stdout
HELLO = """import os, sys
with open(f"rank_{os.environ['RANK']}.txt", 'w') as f:
    f.write(f"rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']} "
            f"args {sys.argv[1:]}")
"""


@pytest.mark.slow
def test_torchrun_runs_through_the_repo_venv(tmp_path):
    """No torchrun on PATH: torch.distributed.run of the repo's .venv
    starts the processes."""
    repo = _scratch_repo(tmp_path, with_venv=True)
    (repo / 'hello.py').write_text(HELLO)
    proc = _bare_run(['bash', 'tools/torchrun_launch.sh', '2', 'hello.py',
                      '--launcher', 'pytorch'], repo,
                     PORT=str(_free_port()))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for rank in (0, 1):
        written = (repo / f'rank_{rank}.txt').read_text()
        assert written == f"rank {rank} of 2 args ['--launcher', 'pytorch']", \
            proc.stdout + proc.stderr


def _free_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_scripts_use_no_bare_torchrun_or_python():
    """The scripts reach torch only through the interpreter they found."""
    for name in ('torchrun_launch.sh', 'srun_launch.sh'):
        text = (REPO / 'tools' / name).read_text()
        code = [ln for ln in text.splitlines()
                if not ln.lstrip().startswith('#')]
        assert not any(ln.split()[:1] == ['torchrun'] for ln in code)
        assert not any(ln.split()[:1] == ['python'] for ln in code)
        assert 'find_python' in text
