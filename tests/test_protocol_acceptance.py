"""Base-to-novel end to end: tools/train.py, tools/test.py and
tools/dist_test.sh on generated videos with the tiny CLIP.

A tiny world v2's base-to-novel split: two base classes (trained and scored
against the base names), three novel classes (scored against the novel
names only). Labels in b2n_novel_test.txt index the novel list, as in the
published split files. The novel set has an odd number of clips (9) so that
2-process testing has to pad one rank; the gathered results must still hold
each clip exactly once.
"""
import json
import pickle
import re
import socket
import sys

import numpy as np
import pytest

from conftest import run_tool
from mmvlprompt.worlds import scene as bw
from mmvlprompt.evaluation import harmonic_mean
from mmvlprompt.worlds import make_world_v2

CONFIG = 'configs/demo/vlprompt_tiny_base2novel.py'
# two base and three novel classes of world v2's base-to-novel split
BASE = [bw.class_name(t) for t in bw.class_sets()['b2n_base'][:2]]
NOVEL = [bw.class_name(t) for t in bw.class_sets()['b2n_novel'][:3]]
VAL_PER_CLASS = 3  # base test: 6 clips, novel test: 9 clips (odd)

pytestmark = pytest.mark.slow


def _tail(proc, n=4000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def b2n_data(tmp_path_factory):
    paths = make_world_v2(
        tmp_path_factory.mktemp('b2n') / 'world', num_frames=8, size=32,
        pools=('b2n_train', 'b2n_base_test', 'b2n_novel_test'),
        classes={'b2n_base': 2, 'b2n_novel': 3}, b2n_shots=2,
        counts={'b2n_train': 2, 'b2n_base_test': VAL_PER_CLASS,
                'b2n_novel_test': VAL_PER_CLASS})
    root = paths['root']
    assert (root / 'classes_b2n_base.txt').read_text().splitlines() == BASE
    assert (root / 'classes_b2n_novel.txt').read_text().splitlines() == NOVEL
    counts = {key: len(paths[name].read_text().splitlines()) for key, name
              in (('train', 'b2n_base_k16_s1'), ('base', 'b2n_base_test'),
                  ('novel', 'b2n_novel_test'))}
    assert counts == dict(train=4, base=6, novel=9)
    return dict(root=root, env={'MMVLP_SYNTHETIC_ROOT': str(root),
                                'OMP_NUM_THREADS': '1'})


@pytest.fixture(scope='module')
def trained(b2n_data, tmp_path_factory):
    """One epoch on the base classes; validation on both sets."""
    work = tmp_path_factory.mktemp('b2n_train')
    proc = run_tool([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                     str(work), '--cfg-options', 'train_cfg.max_epochs=1'],
                    env=b2n_data['env'])
    assert proc.returncode == 0, 'tools/train.py failed' + _tail(proc)
    return dict(work=work, proc=proc,
                ckpt=work / 'best_b2n_hm_epoch_1.pth')


def _metrics(work):
    jsons = [p for p in work.glob('*/*.json') if p.stem == p.parent.name]
    assert len(jsons) == 1, sorted(work.rglob('*'))
    return json.loads(jsons[0].read_text().strip().splitlines()[-1])


def _dumps(work):
    out = {}
    for prefix in ('base', 'novel'):
        with open(work / f'preds_{prefix}.pkl', 'rb') as f:
            out[prefix] = pickle.load(f)
    return out


@pytest.fixture(scope='module')
def tested(trained, b2n_data, tmp_path_factory):
    """tools/test.py with 1 process and tools/dist_test.sh with 2, both
    dumping predictions."""
    assert trained['ckpt'].is_file(), \
        sorted(p.name for p in trained['work'].iterdir())
    runs = {}
    for procs in (1, 2):
        work = tmp_path_factory.mktemp(f'b2n_test{procs}')
        options = ['--work-dir', str(work), '--dump', str(work / 'preds.pkl')]
        if procs == 1:
            cmd = [sys.executable, 'tools/test.py', CONFIG,
                   str(trained['ckpt']), *options]
        else:
            cmd = ['bash', 'tools/dist_test.sh', CONFIG, str(trained['ckpt']),
                   '2', *options]
        proc = run_tool(cmd, env={**b2n_data['env'],
                                  'PORT': str(_free_port())})
        assert proc.returncode == 0, f'{cmd[1]} failed' + _tail(proc)
        runs[procs] = dict(work=work, proc=proc, metrics=_metrics(work),
                           dumps=_dumps(work))
    return runs


def test_training_validates_both_sets_and_keeps_best_hm(trained):
    """tools/train.py logs base/..., novel/... and b2n/hm after the epoch and
    CheckpointHook keeps best_b2n_hm_epoch_1.pth."""
    log = trained['proc'].stdout
    match = re.search(r'Epoch\(val\) \[1\]\S*\s+(base/acc/top1.*)', log)
    assert match, _tail(trained['proc'])
    values = dict(re.findall(r'(\S+): ([0-9.]+)', match.group(1)))
    for key in ('base/acc/top1', 'base/acc/mean1', 'novel/acc/top1',
                'novel/acc/top2', 'b2n/hm'):
        assert key in values, match.group(0)
    assert float(values['b2n/hm']) == pytest.approx(harmonic_mean(
        float(values['base/acc/top1']), float(values['novel/acc/top1'])),
        abs=1e-4)
    assert trained['ckpt'].is_file()
    assert "set 'novel' (2/2): 9 samples, 3 classes" in log


def test_sets_are_scored_against_their_own_class_names(tested):
    """One dump per set: base scores have 2 columns, novel scores 3, and the
    logged metrics are those of the dumped predictions."""
    run = tested[1]
    dumps, metrics = run['dumps'], run['metrics']
    assert not (run['work'] / 'preds.pkl').exists()
    for prefix, names, size in (('base', BASE, 6), ('novel', NOVEL, 9)):
        rows = dumps[prefix]
        assert len(rows) == size
        assert {len(r['pred_score']) for r in rows} == {len(names)}
        scores = np.stack([np.asarray(r['pred_score']) for r in rows])
        labels = np.array([int(r['gt_label']) for r in rows])
        top1 = float((scores.argmax(1) == labels).mean())
        assert metrics[f'{prefix}/acc/top1'] == pytest.approx(top1,
                                                              abs=1e-4)
    assert metrics['b2n/hm'] == pytest.approx(harmonic_mean(
        metrics['base/acc/top1'], metrics['novel/acc/top1']), abs=1e-4)
    # labels 0..2 of b2n_novel_test index the novel list: 3 clips of each
    assert sorted(int(r['gt_label']) for r in dumps['novel']) == \
        [0] * 3 + [1] * 3 + [2] * 3


def test_two_processes_give_the_same_numbers(tested):
    """dist_test.sh with 2 ranks: same metrics and, per set, the same clips
    once each (the odd novel set is padded on one rank, then truncated)."""
    one, two = tested[1], tested[2]
    keys = [k for k in one['metrics'] if '/' in k and 'time' not in k]
    assert 'novel/acc/mean1' in keys and 'b2n/hm' in keys
    for key in keys:
        assert two['metrics'][key] == pytest.approx(one['metrics'][key],
                                                    abs=1e-4), key
    for prefix in ('base', 'novel'):
        a, b = one['dumps'][prefix], two['dumps'][prefix]
        # gathered back in dataset order
        assert [r['gt_label'].item() for r in a] == \
            [r['gt_label'].item() for r in b]
        assert np.allclose(np.stack([np.asarray(r['pred_score']) for r in a]),
                           np.stack([np.asarray(r['pred_score']) for r in b]),
                           atol=1e-4)
