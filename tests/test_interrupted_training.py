"""Killed runs: atomic checkpoint writes and exact resumes.

Subprocesses are synchronised on what they print (a log line, or a marker
printed by a stalled save), never on sleeps: the test kills a process only
once it is known to be at the point under test.
"""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner.checkpoint import find_latest_checkpoint

from conftest import REPO, run_tool

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def _env(extra=None):
    env = dict(os.environ)
    env['PATH'] = str(Path(sys.executable).parent) + os.pathsep + \
        env.get('PATH', '')
    env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED='1')
    env.update(extra or {})
    return env


def _popen(args, env=None):
    return subprocess.Popen([sys.executable, *map(str, args)], cwd=REPO,
                            env=_env(env), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _kill_when(proc, pattern: str):
    """Read the output until a line matches, then SIGKILL; return the log."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if re.search(pattern, line):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    lines += proc.stdout.readlines()
    log = ''.join(lines)
    assert proc.returncode == -signal.SIGKILL, \
        f'never saw {pattern!r} (rc {proc.returncode}):\n{log[-4000:]}'
    return log


STALLED_SAVE = r'''
import os, sys
import torch
import mmvlprompt  # applies the atomic-write patch
from mmengine.hooks import checkpoint_hook
from mmengine.runner.checkpoint import save_checkpoint

work, target = sys.argv[1], sys.argv[2]


def write_pointer(name):
    with checkpoint_hook.open(os.path.join(work, 'last_checkpoint'), 'w') as f:
        f.write(os.path.join(work, name))


save_checkpoint({'state_dict': {'w': torch.ones(3)}},
                os.path.join(work, 'epoch_1.pth'))
write_pointer('epoch_1.pth')


def stalled_replace(src, dst):  # the bytes are on disk, not yet renamed
    print('STALLED', src, flush=True)
    sys.stdin.read()  # until killed


os.replace = stalled_replace
if target == 'checkpoint':
    save_checkpoint({'state_dict': {'w': torch.zeros(10**6)}},
                    os.path.join(work, 'epoch_2.pth'))
else:
    write_pointer('epoch_2.pth')
'''


@pytest.mark.slow
@pytest.mark.parametrize('target', ['checkpoint', 'pointer'])
def test_sigkill_during_save_leaves_the_previous_state(tmp_path, target):
    """SIGKILL in the middle of writing epoch_2.pth (or the last_checkpoint
    pointer): the previous checkpoint stays the latest and loads."""
    script = tmp_path / 'stalled_save.py'
    script.write_text(STALLED_SAVE)
    work = tmp_path / 'work'
    work.mkdir()
    log = _kill_when(_popen([script, work, target]), r'^STALLED ')
    tmp_file = Path(re.search(r'STALLED (\S+)', log).group(1))
    assert tmp_file.parent == work and tmp_file.name.startswith('.')
    assert tmp_file.is_file()  # the half-done save is a hidden temp file
    assert not (work / 'epoch_2.pth').exists()
    latest = find_latest_checkpoint(str(work))
    assert latest == str(work / 'epoch_1.pth')
    ckpt = torch.load(latest, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(3))


def _prompts(path):
    state = torch.load(str(path), map_location='cpu')['state_dict']
    return {k: v for k, v in state.items() if k.startswith('neck.')}


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(
        synthetic_data, tmp_path):
    """Kill with SIGKILL in epoch 2 of 3, resume with --resume: the run
    finishes the schedule and its prompts equal an uninterrupted run's."""
    env = {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])}
    args = ['tools/train.py', CONFIG, '--seed', '0', '--cfg-options',
            'train_cfg.max_epochs=3']
    plain = run_tool([sys.executable, *args, '--work-dir',
                      str(tmp_path / 'plain')], env=env)
    assert plain.returncode == 0, plain.stderr[-3000:]

    work = tmp_path / 'killed'
    log = _kill_when(_popen([*args, '--work-dir', work], env),
                     r'Epoch\(train\) \[2\]\[1/')
    assert not (work / 'epoch_3.pth').exists(), log[-3000:]
    resumed_from = Path((work / 'last_checkpoint').read_text()).name
    assert resumed_from in ('epoch_1.pth', 'epoch_2.pth')

    resumed = run_tool([sys.executable, *args, '--work-dir', str(work),
                        '--resume'], env=env)
    out = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, out[-3000:]
    epoch = int(resumed_from[len('epoch_'):-len('.pth')])
    assert f'resumed epoch: {epoch},' in out, out[-3000:]
    assert f'Epoch(train) [{epoch + 1}][1/' in out
    assert f'Epoch(train) [{epoch}][' not in out

    expected = _prompts(tmp_path / 'plain' / 'epoch_3.pth')
    got = _prompts(work / 'epoch_3.pth')
    assert set(got) == set(expected) and len(got) >= 4
    for key, value in expected.items():
        assert (got[key] - value).abs().max().item() <= 1e-6, key
    # and the prompts did train after the resume
    first = _prompts(tmp_path / 'plain' / 'epoch_1.pth')
    assert not torch.equal(first['neck.text_prompts'],
                           got['neck.text_prompts'])


@pytest.mark.parametrize('workers, persistent, warns', [
    (2, True, True), (2, False, False), (0, False, False)])
def test_epoch_seed_hook_warns_about_persistent_workers(workers, persistent,
                                                         warns):
    """Resumes are exact only without persistent workers: say so."""
    from types import SimpleNamespace

    from mmaction.registry import HOOKS
    messages = []
    loader = SimpleNamespace(num_workers=workers,
                             persistent_workers=persistent)
    runner = SimpleNamespace(train_dataloader=loader, logger=SimpleNamespace(
        warning=messages.append))
    HOOKS.build(dict(type='EpochSeedHook')).before_train(runner)
    assert bool(messages) == warns
    if warns:
        assert 'persistent_workers=False for exact resumes' in messages[0]
