"""The commands printed in the headers of configs/demo/*_bench_world.py run
unchanged after `make demo`: the configs' default data root is where
tools/demo.sh writes the world, and the checkpoints they name are the ones
the demo's trainings write."""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
DEMO_SH = (REPO / 'tools' / 'demo.sh').read_text()
BENCH_CONFIGS = sorted((REPO / 'configs' / 'demo').glob('*_bench_world.py'))


def header_commands(path: Path):
    """The ``python ...`` commands of a config's leading comment block,
    continuation lines joined, as argument lists."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith('#'):
            break
        lines.append(line[1:].strip())
    text = re.sub(r'\\\s*\n\s*', ' ', '\n'.join(lines))
    return [shlex.split(ln) for ln in text.splitlines()
            if ln.startswith('python ')]


def demo_defaults():
    """(data root, work dir, the methods' config stems) of tools/demo.sh."""
    root = re.search(r'DATA=\$\{MMVLP_BENCH_ROOT:-([^}]+)\}', DEMO_SH)
    work = re.search(r'WORK_DIR=\$\{1:-([^}]+)\}', DEMO_SH)
    assert root and work, 'tools/demo.sh no longer sets DATA / WORK_DIR'
    methods = re.search(r'for method in ([^;]+);', DEMO_SH).group(1).split()
    return root.group(1), work.group(1), methods


@pytest.fixture
def no_env(monkeypatch):
    for key in ('MMVLP_BENCH_ROOT', 'MMVLP_BENCH_CLIP'):
        monkeypatch.delenv(key, raising=False)


def test_demo_runs_the_bench_world_configs():
    _, _, methods = demo_defaults()
    assert {f'{m}_bench_world.py' for m in methods + ['zeroshot-clip']} \
        == {p.name for p in BENCH_CONFIGS}
    assert 'configs/demo/${method}_bench_world.py' in DEMO_SH
    assert 'configs/demo/zeroshot-clip_bench_world.py' in DEMO_SH


@pytest.mark.parametrize('config', BENCH_CONFIGS, ids=lambda p: p.stem)
def test_header_paths_are_where_make_demo_writes(config, no_env):
    """Data root, checkpoint and work-dir paths of every header command
    match tools/demo.sh's defaults and the config's own epochs."""
    root, work, _ = demo_defaults()
    cfg = Config.fromfile(str(config))
    assert cfg.bench_root == root
    for spec in cfg.test_cfg.sets:  # every test set under the root
        assert spec['ann_file'].startswith(root + '/')
        assert spec['class_names'].startswith(root + '/')
    assert cfg.train_dataloader.dataset.ann_file.startswith(root + '/')
    commands = header_commands(config)
    tools = [c[1] for c in commands]
    assert tools[0] == 'tools/data/make_bench_world.py' and \
        commands[0][2] == root, commands[0]
    method = config.stem[:-len('_bench_world')]
    rel = str(config.relative_to(REPO))
    for cmd in commands[1:]:
        assert cmd[2] == rel, cmd
        if cmd[1] == 'tools/train.py':
            assert cmd[cmd.index('--work-dir') + 1] == f'{work}/{method}'
        elif cmd[3] != 'none':  # tools/test.py CONFIG CHECKPOINT
            epochs = cfg.train_cfg.max_epochs
            assert cmd[3] == f'{work}/{method}/epoch_{epochs}.pth', cmd
            assert f'$WORK_DIR/$method/epoch_{epochs}.pth' in DEMO_SH
    if method == 'zeroshot-clip':
        assert tools == ['tools/data/make_bench_world.py', 'tools/test.py']
    else:
        assert tools == ['tools/data/make_bench_world.py', 'tools/train.py',
                         'tools/test.py']


@pytest.mark.slow
def test_zero_shot_header_command_runs_unchanged(tmp_path, no_env):
    """In a checkout whose data/bench_world holds a (small) world, the
    printed zero-shot command runs as printed and scores base and novel."""
    from mmvlprompt.datasets.bench_world_files import POOLS, make_bench_world
    for name in ('configs', 'tools', 'checkpoints', 'mmvlprompt'):
        (tmp_path / name).symlink_to(REPO / name)
    root, _, _ = demo_defaults()
    make_bench_world(tmp_path / root, num_frames=8, size=32, shots=(1,),
                     b2n_shots=1, counts=dict.fromkeys(POOLS, 1))
    config = REPO / 'configs' / 'demo' / 'zeroshot-clip_bench_world.py'
    cmd = header_commands(config)[-1]
    assert cmd[:2] == ['python', 'tools/test.py']
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable] + cmd[1:], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    log = proc.stdout + proc.stderr
    assert 'base/acc/top1' in log and 'novel/acc/top1' in log
    assert 'b2n/hm' in log
