"""tools/dist_train.sh and tools/dist_test.sh: 2 CPU processes (gloo)."""
import json
import re
import socket

import pytest
import torch

from conftest import run_tool

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'
NUM_VAL = 8  # 4 classes x 2 val clips


def _tail(proc, n=4000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(synthetic_data):
    return {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root']),
            'PORT': str(_free_port()), 'OMP_NUM_THREADS': '1'}


@pytest.fixture(scope='module')
def dist_trained(tmp_path_factory, synthetic_data):
    """One epoch of 2-process training through tools/dist_train.sh."""
    work = tmp_path_factory.mktemp('dist') / 'work'
    proc = run_tool(['bash', 'tools/dist_train.sh', CONFIG, '2',
                     '--work-dir', str(work),
                     '--cfg-options', 'train_cfg.max_epochs=1'],
                    env=_env(synthetic_data))
    return dict(work=work, proc=proc)


def test_dist_train_runs_two_ranks(dist_trained):
    """dist_train.sh starts ranks 0 and 1 of 2 and writes epoch_1.pth."""
    proc = dist_trained['proc']
    assert proc.returncode == 0, 'dist_train.sh failed' + _tail(proc)
    for rank in (0, 1):
        assert f'rank={rank} world_size=2' in proc.stdout, _tail(proc)
    assert (dist_trained['work'] / 'epoch_1.pth').is_file(), _tail(proc)


def test_dist_train_shards_the_data(dist_trained):
    """With 2 ranks each epoch has 2 iterations (12 clips / 2 / batch 4)."""
    proc = dist_trained['proc']
    assert proc.returncode == 0, _tail(proc)
    log = proc.stdout + proc.stderr
    assert 'Epoch(train) [1][2/2]' in log, _tail(proc)
    assert 'Epoch(train) [1][3/' not in log, _tail(proc)
    ckpt = torch.load(str(dist_trained['work'] / 'epoch_1.pth'),
                      map_location='cpu')
    assert ckpt['meta']['epoch'] == 1
    assert ckpt['meta']['iter'] == 2
    # the checkpoint holds the bare model, not the DDP wrapper's 'module.'
    keys = list(ckpt['state_dict'])
    assert 'neck.text_prompts' in keys, keys[:10]
    assert not any(k.startswith('module.') for k in keys), keys[:10]


def test_dist_test_reports_accuracy(dist_trained, tmp_path, synthetic_data):
    """dist_test.sh on 2 ranks evaluates all 8 val clips and prints acc."""
    assert dist_trained['proc'].returncode == 0, _tail(dist_trained['proc'])
    work = tmp_path / 'test'
    proc = run_tool(['bash', 'tools/dist_test.sh', CONFIG,
                     str(dist_trained['work'] / 'epoch_1.pth'), '2',
                     '--work-dir', str(work)],
                    env=_env(synthetic_data))
    assert proc.returncode == 0, 'dist_test.sh failed' + _tail(proc)
    assert 'acc/top1' in proc.stdout, _tail(proc)
    match = re.search(r'Epoch\(test\) \[(\d+)/(\d+)\]\s+acc/top1: ([0-9.]+)',
                      proc.stdout)
    assert match, _tail(proc)
    # 8 clips over 2 ranks with batch 4: one iteration per rank
    assert match.group(2) == '1', _tail(proc)
    jsons = [p for p in work.glob('*/*.json') if p.stem == p.parent.name]
    assert len(jsons) == 1, sorted(work.rglob('*'))
    metrics = json.loads(jsons[0].read_text().strip().splitlines()[-1])
    assert metrics['acc/top1'] == pytest.approx(float(match.group(3)),
                                                abs=1e-4)
    for key in ('acc/top1', 'acc/top2'):
        value = metrics[key]
        assert 0.0 <= value <= 1.0, metrics
        # results are gathered from both ranks: multiples of 1/8
        assert abs(value * NUM_VAL - round(value * NUM_VAL)) < 1e-6, metrics


def test_dist_scripts_print_usage_without_arguments():
    """dist_train.sh / dist_test.sh with too few arguments exit 2 + usage."""
    for script, args in (('tools/dist_train.sh', [CONFIG]),
                         ('tools/dist_test.sh', [CONFIG, 'ckpt.pth'])):
        proc = run_tool(['bash', script, *args])
        assert proc.returncode == 2, script + _tail(proc)
        assert 'usage:' in proc.stderr and 'NUM_PROCS' in proc.stderr, \
            script + _tail(proc)
