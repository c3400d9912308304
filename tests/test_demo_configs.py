"""The commands printed in the headers of configs/demo/*_world_v2.py run
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
DEMO_CONFIGS = sorted((REPO / 'configs' / 'demo').glob('*_world_v2.py'))


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
    root = re.search(r'DATA=\$\{MMVLP_WORLD_V2_ROOT:-([^}]+)\}', DEMO_SH)
    work = re.search(r'WORK_DIR=\$\{1:-([^}]+)\}', DEMO_SH)
    assert root and work, 'tools/demo.sh no longer sets DATA / WORK_DIR'
    methods = re.search(r'for method in ([^;]+);', DEMO_SH).group(1).split()
    return root.group(1), work.group(1), methods


@pytest.fixture
def no_env(monkeypatch):
    for key in ('MMVLP_WORLD_V2_ROOT', 'MMVLP_BENCH_CLIP'):
        monkeypatch.delenv(key, raising=False)


def demo_pools():
    """The pools tools/demo.sh asks tools/data/make_world_v2.py for."""
    text = re.sub(r'\\\s*\n\s*', ' ', DEMO_SH)
    match = re.search(
        r'make_world_v2\.py "\$DATA" --seed 0\s+--pools ([^\n]+)', text)
    assert match, 'tools/demo.sh no longer generates pools of world v2'
    return match.group(1).split()


def test_demo_runs_the_world_v2_configs():
    _, _, methods = demo_defaults()
    assert {f'{m}_world_v2.py' for m in methods + ['zeroshot-clip']} \
        == {p.name for p in DEMO_CONFIGS}
    assert 'configs/demo/${method}_world_v2.py' in DEMO_SH
    assert 'configs/demo/zeroshot-clip_world_v2.py' in DEMO_SH


def test_demo_recipe_is_the_declared_one(no_env):
    """docs/en/benchmark/world_v2.md, G1c: the demo's recipe, unchanged from
    the first world's demo: 100 iterations (2 epochs of 16 shots x 25
    classes / batch 8), AdamW lr 5e-3, warm-up over 10 iterations then
    constant, seed 0, shots seed 1, the committed tiny CLIP."""
    root, _, _ = demo_defaults()
    cfg = Config.fromfile(str(REPO / 'configs/demo/vilt-clip_world_v2.py'))
    assert cfg.train_cfg.max_epochs == 2
    assert cfg.train_dataloader.batch_size == 8
    assert cfg.train_dataloader.dataset.ann_file == \
        f'{root}/b2n_base_k16_s1.txt'
    assert cfg.optim_wrapper.optimizer.lr == 5e-3
    assert [dict(s) for s in cfg.param_scheduler] == [dict(
        type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10)]
    assert cfg.randomness.seed == 0
    assert cfg.model.clip.pretrained == 'checkpoints/vlp-bench/vlp-bench.pt'
    ivlp = Config.fromfile(str(REPO / 'configs/demo/ivlp_world_v2.py'))
    assert ivlp.model.neck.mapping == 'none'
    assert ivlp.model.cls_head.loss_scenario is None
    for key in ('train_cfg', 'param_scheduler', 'randomness',
                'optim_wrapper', 'train_dataloader'):
        assert ivlp[key] == cfg[key], key


def test_demo_generates_exactly_the_pools_its_configs_read(no_env):
    """The pools of tools/demo.sh write every file the demo configs read."""
    from mmvlprompt.worlds.world_v2 import POOLS
    pools = demo_pools()
    assert set(pools) <= set(POOLS)
    sets = {POOLS[p][0] for p in pools}
    cfg = Config.fromfile(str(REPO / 'configs/demo/vilt-clip_world_v2.py'))
    names = [Path(cfg.train_dataloader.dataset.ann_file).name,
             Path(cfg.model.cls_head.class_names).name]
    names += [Path(s[k]).name for s in cfg.test_cfg.sets
              for k in ('ann_file', 'class_names')]
    assert 'b2n_train' in pools  # the shots files are drawn from it
    for name in names:
        if name.startswith('classes_'):
            assert name[len('classes_'):-len('.txt')] in sets, name
        elif not name.startswith('b2n_base_k16'):
            assert name[:-len('.txt')] in pools, name


@pytest.mark.parametrize('config', DEMO_CONFIGS, ids=lambda p: p.stem)
def test_header_paths_are_where_make_demo_writes(config, no_env):
    """Data root, checkpoint and work-dir paths of every header command
    match tools/demo.sh's defaults and the config's own epochs."""
    root, work, _ = demo_defaults()
    cfg = Config.fromfile(str(config))
    assert cfg.world_root == root
    for spec in cfg.test_cfg.sets:  # every test set under the root
        assert spec['ann_file'].startswith(root + '/')
        assert spec['class_names'].startswith(root + '/')
    assert cfg.train_dataloader.dataset.ann_file.startswith(root + '/')
    commands = header_commands(config)
    tools = [c[1] for c in commands]
    assert tools[0] == 'tools/data/make_world_v2.py' and \
        commands[0][2] == root, commands[0]
    assert commands[0][commands[0].index('--pools') + 1:] == demo_pools()
    method = config.stem[:-len('_world_v2')]
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
        assert tools == ['tools/data/make_world_v2.py', 'tools/test.py']
    else:
        assert tools == ['tools/data/make_world_v2.py', 'tools/train.py',
                         'tools/test.py']


@pytest.mark.slow
def test_zero_shot_header_command_runs_unchanged(tmp_path, no_env):
    """In a checkout whose data/world_v2 holds a (small) world, the
    printed zero-shot command runs as printed and scores base and novel."""
    from mmvlprompt.worlds import make_world_v2
    for name in ('configs', 'tools', 'checkpoints', 'mmvlprompt'):
        (tmp_path / name).symlink_to(REPO / name)
    root, _, _ = demo_defaults()
    pools = demo_pools()
    make_world_v2(tmp_path / root, num_frames=8, size=32, b2n_shots=1,
                  pools=pools, counts=dict.fromkeys(pools, 1))
    config = REPO / 'configs' / 'demo' / 'zeroshot-clip_world_v2.py'
    cmd = header_commands(config)[-1]
    assert cmd[:2] == ['python', 'tools/test.py']
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable] + cmd[1:], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    log = proc.stdout + proc.stderr
    assert 'base/acc/top1' in log and 'novel/acc/top1' in log
    assert 'b2n/hm' in log
