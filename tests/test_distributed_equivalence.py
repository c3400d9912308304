"""Distributed runs compute what a single process computes (CPU, gloo).

Training: 2 processes at batch 2 end with the same prompts as 1 process at
batch 4, with the same seed and data order. DefaultSampler gives rank r the
indices ``perm[r::2]`` of the same seeded permutation, so each 2-rank step
sees exactly the clips of the matching 1-process step, and DDP's gradient
average equals the gradient of the mean loss over the union. The pipeline
is deterministic (no flip, fixed frame positions).

Evaluation: 2 processes and 1 process evaluate the same checkpoint on an
odd number of clips (7). DefaultSampler pads rank 1 with a repeated sample;
the dumped predictions must still be 7, in annotation order, and the
metrics must be equal.

Four tool runs in all, shared by the tests of this module.
"""
import json
import socket
import sys

import mmengine
import numpy as np
import pytest
import torch

from conftest import REPO, run_tool

BASE = REPO / 'configs/demo/vlprompt_tiny_synthetic.py'
SEED = '0'
EPOCHS = 2
# a fixed non-sorted order of 7 of the 8 val clips, so that a shuffled,
# duplicated or dropped prediction shows in the label sequence
ODD_ORDER = (3, 0, 6, 1, 5, 2, 7)

pytestmark = pytest.mark.slow

_CONFIG = f"""
_base_ = [{str(BASE)!r}]
# deterministic training pipeline: no flip, fixed frame positions
train_pipeline = [
    dict(type='CheckedDecordInit', on_error='skip'),
    dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
"""


def _tail(proc, n=3000):
    return (f'\n--- rc {proc.returncode}\n--- stdout:\n{proc.stdout[-n:]}'
            f'\n--- stderr:\n{proc.stderr[-n:]}')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def runs(tmp_path_factory, synthetic_data):
    """Train on 1 and 2 processes; test the 1-process checkpoint on both."""
    tmp = tmp_path_factory.mktemp('ddp_equiv')
    config = tmp / 'deterministic.py'
    config.write_text(_CONFIG)
    val_lines = synthetic_data['val'].read_text().split('\n')
    odd = tmp / 'val_odd.txt'
    odd.write_text('\n'.join(val_lines[i] for i in ODD_ORDER) + '\n')
    env = {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root']),
           'OMP_NUM_THREADS': '1'}
    common = ['--seed', SEED, '--no-validate', '--cfg-options',
              f'train_cfg.max_epochs={EPOCHS}']
    out = dict(tmp=tmp, odd=odd)
    for name, cmd in (
            ('train1', [sys.executable, 'tools/train.py', str(config),
                        '--work-dir', str(tmp / 'train1'), *common,
                        'train_dataloader.batch_size=4']),
            ('train2', ['bash', 'tools/dist_train.sh', str(config), '2',
                        '--work-dir', str(tmp / 'train2'), *common,
                        'train_dataloader.batch_size=2'])):
        proc = run_tool(cmd, env={**env, 'PORT': str(_free_port())})
        assert proc.returncode == 0, name + _tail(proc)
        out[name] = proc
    ckpt = tmp / 'train1' / f'epoch_{EPOCHS}.pth'
    test_opts = ['--cfg-options', f'test_dataloader.dataset.ann_file={odd}',
                 'test_dataloader.batch_size=2']
    for name, cmd in (
            ('test1', [sys.executable, 'tools/test.py', str(config),
                       str(ckpt)]),
            ('test2', ['bash', 'tools/dist_test.sh', str(config), str(ckpt),
                       '2'])):
        work = tmp / name
        proc = run_tool([*cmd, '--work-dir', str(work), '--dump',
                         str(work / 'preds.pkl'), *test_opts],
                        env={**env, 'PORT': str(_free_port())})
        assert proc.returncode == 0, name + _tail(proc)
        out[name] = proc
    return out


def _state(path):
    return torch.load(str(path), map_location='cpu')['state_dict']


def test_two_ranks_train_like_one_rank_with_double_batch(runs):
    """Prompts and mappings after 2 epochs agree within 1e-5."""
    tmp = runs['tmp']
    one = _state(tmp / 'train1' / f'epoch_{EPOCHS}.pth')
    two = _state(tmp / 'train2' / f'epoch_{EPOCHS}.pth')
    first = _state(tmp / 'train1' / 'epoch_1.pth')
    log = runs['train2'].stdout + runs['train2'].stderr
    assert 'rank=1 world_size=2' in runs['train2'].stdout, log[-2000:]
    assert f'Epoch(train) [{EPOCHS}][3/3]' in log, log[-2000:]
    trained = [k for k in one if k.startswith('neck.')]
    assert 'neck.text_prompts' in trained and len(trained) > 2, trained
    for key in trained:
        # training did move them, so equality is not trivial
        assert not torch.equal(first[key], one[key]), key
        torch.testing.assert_close(two[key], one[key], atol=1e-5, rtol=0,
                                   msg=lambda m, k=key: f'{k}: {m}')
    for key in one:
        if not key.startswith('neck.'):  # frozen CLIP: bit-equal
            assert torch.equal(one[key], two[key]), key


def _dump(runs, name):
    return mmengine.load(str(runs['tmp'] / name / 'preds.pkl'))


def _metrics(runs, name):
    work = runs['tmp'] / name
    jsons = [p for p in work.glob('*/*.json') if p.stem == p.parent.name]
    assert len(jsons) == 1, sorted(work.rglob('*'))
    return json.loads(jsons[0].read_text().strip().splitlines()[-1])


def _labels(preds, key):
    return [int(torch.as_tensor(p[key]).reshape(-1)[0]) for p in preds]


def test_two_rank_eval_matches_one_rank_on_odd_size(runs):
    """7 clips: no duplicate or dropped prediction, same order, same
    metrics, scores equal within 1e-5."""
    expected = [int(line.split()[-1]) for line in
                runs['odd'].read_text().splitlines() if line.strip()]
    assert len(expected) == 7
    one, two = _dump(runs, 'test1'), _dump(runs, 'test2')
    assert len(one) == len(two) == 7, (len(one), len(two))
    assert _labels(one, 'gt_label') == expected
    assert _labels(two, 'gt_label') == expected
    assert _labels(two, 'pred_label') == _labels(one, 'pred_label')
    scores = [np.stack([torch.as_tensor(p['pred_score']).numpy()
                        for p in preds]) for preds in (one, two)]
    np.testing.assert_allclose(scores[1], scores[0], atol=1e-5, rtol=0)
    # each prediction belongs to a different clip (no duplicates)
    assert len({s.tobytes() for s in scores[0]}) == 7
    m1, m2 = _metrics(runs, 'test1'), _metrics(runs, 'test2')
    for key in ('acc/top1', 'acc/top2', 'acc/mean1'):
        assert m2[key] == pytest.approx(m1[key], abs=1e-9), (key, m1, m2)
        # accuracies over 7 clips are multiples of 1/7
        if key != 'acc/mean1':
            assert abs(m1[key] * 7 - round(m1[key] * 7)) < 1e-6, m1
