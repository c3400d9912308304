"""End-to-end checks of tools/train.py and tools/test.py on synthetic videos.

The demo config (tiny random-init CLIP, 12 training clips, batch 4, so 3
iterations per epoch) is trained for 2 epochs once per module, resumed to a
third epoch and evaluated; the tests then check what those runs wrote.
"""
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from conftest import run_tool

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'
ITERS_PER_EPOCH = 3  # 4 classes x 3 train clips, batch 4
NUM_CLASSES = 4
NUM_VAL = NUM_CLASSES * 2


def _tail(proc, n=4000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


def _env(synthetic_data):
    return {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])}


def _python(*args):
    return [sys.executable, *map(str, args)]


@pytest.fixture(scope='module')
def trained(tmp_path_factory, synthetic_data):
    """Train 2 epochs, then resume the same work dir up to epoch 3."""
    work = tmp_path_factory.mktemp('train') / 'work'
    first = run_tool(_python('tools/train.py', CONFIG, '--work-dir', work),
                     env=_env(synthetic_data))
    assert first.returncode == 0, 'first training run failed' + _tail(first)
    after_first = sorted(p.name for p in work.glob('*.pth'))
    resumed = run_tool(
        _python('tools/train.py', CONFIG, '--work-dir', work, '--resume',
                '--cfg-options', 'train_cfg.max_epochs=3'),
        env=_env(synthetic_data))
    assert resumed.returncode == 0, 'resumed run failed' + _tail(resumed)
    return dict(work=work, first=first, resumed=resumed,
                after_first=after_first)


@pytest.fixture(scope='module')
def tested(tmp_path_factory, trained, synthetic_data):
    """Evaluate epoch_3.pth with tools/test.py and dump the predictions."""
    work = tmp_path_factory.mktemp('test') / 'work'
    dump = work / 'preds.pkl'
    proc = run_tool(
        _python('tools/test.py', CONFIG, trained['work'] / 'epoch_3.pth',
                '--work-dir', work, '--dump', dump),
        env=_env(synthetic_data))
    assert proc.returncode == 0, 'tools/test.py failed' + _tail(proc)
    # the prompt-only checkpoint fills the CLIP in: no missing-key warning
    assert 'missing keys' not in proc.stdout + proc.stderr, _tail(proc)
    return dict(work=work, dump=dump, proc=proc)


def _safe_load(path):
    # no weights_only argument: torch >= 2.6 loads safely by default, which
    # works only because mmvlprompt.compat allow-lists MMEngine's globals
    return torch.load(str(path), map_location='cpu')


def test_train_writes_one_checkpoint_per_epoch(trained):
    """A 2-epoch run writes epoch_1.pth and epoch_2.pth (and no epoch_3)."""
    names = trained['after_first']
    assert 'epoch_1.pth' in names and 'epoch_2.pth' in names, \
        f'checkpoints after 2 epochs: {names}' + _tail(trained['first'])
    assert 'epoch_3.pth' not in names, names
    log = trained['first'].stdout + trained['first'].stderr
    assert f'Epoch(train) [2][{ITERS_PER_EPOCH}/{ITERS_PER_EPOCH}]' in log, \
        'expected 3 iterations per epoch' + _tail(trained['first'])


def test_resume_continues_from_latest_checkpoint(trained):
    """--resume picks epoch_2.pth from the work dir and trains epoch 3 only."""
    proc = trained['resumed']
    log = proc.stdout + proc.stderr
    assert re.search(r'resuming from the latest checkpoint \S*epoch_2\.pth',
                     log), 'no "resumed from epoch_2" message' + _tail(proc)
    assert re.search(rf'resumed epoch: 2, iter: {2 * ITERS_PER_EPOCH}\b',
                     log), _tail(proc)
    assert 'Epoch(train) [3][1/' in log, _tail(proc)
    assert 'Epoch(train) [1][' not in log and \
        'Epoch(train) [2][' not in log, \
        'epochs 1-2 were trained again after resuming' + _tail(proc)
    assert (trained['work'] / 'epoch_3.pth').is_file(), _tail(proc)


def test_checkpoint_safe_loads_with_expected_contents(trained):
    """epoch_3.pth loads with safe torch.load; it is prompt-only (the demo
    freezes CLIP): meta, the prompt learner, the CLIP fingerprint, optim."""
    ckpt = _safe_load(trained['work'] / 'epoch_3.pth')
    assert ckpt['meta']['epoch'] == 3
    assert ckpt['meta']['iter'] == 3 * ITERS_PER_EPOCH
    keys = list(ckpt['state_dict'])
    for prefix in ('neck.text_prompts', 'neck.vision_prompts',
                   'neck.text_to_vision.weight', 'clip_fingerprint'):
        assert any(k.startswith(prefix) for k in keys), \
            f'no state_dict key starts with {prefix!r}: {keys[:20]}...'
    assert not [k for k in keys if k.startswith(('backbone.', 'cls_head.'))]
    assert 'optimizer' in ckpt and 'message_hub' in ckpt, list(ckpt)
    # demo neck: 2 prompted layers x 6 tokens in each branch
    assert tuple(ckpt['state_dict']['neck.text_prompts'].shape[:2]) == (2, 6)
    assert tuple(ckpt['state_dict']['neck.vision_prompts'].shape[:2]) == \
        (2, 6)
    # AdamW state exists only for the trainable (prompt learner) params
    n_trainable = sum(k.startswith('neck.') for k in keys)
    assert len(ckpt['optimizer']['state']) == n_trainable


def test_resume_trains_prompts_and_keeps_clip_frozen(trained):
    """Epoch 3 changes the neck prompts; the CLIP fingerprint is the same
    in every checkpoint and equals that of the CLIP the config builds."""
    from mmaction.registry import MODELS
    from mmvlprompt.models.utils.clip_state import digest_from_tensor
    ep2 = _safe_load(trained['work'] / 'epoch_2.pth')['state_dict']
    ep3 = _safe_load(trained['work'] / 'epoch_3.pth')['state_dict']
    for key in ('neck.text_prompts', 'neck.vision_prompts',
                'neck.text_to_vision.weight'):
        assert not torch.equal(ep2[key], ep3[key]), \
            f'{key} did not change during epoch 3'
        assert torch.isfinite(ep3[key]).all(), key
    assert torch.equal(ep2['clip_fingerprint'], ep3['clip_fingerprint'])
    cfg = Config.fromfile(str(trained['work'] / Path(CONFIG).name))
    model = MODELS.build(cfg.model)
    assert digest_from_tensor(ep3['clip_fingerprint']) == \
        model.clip_fingerprint()


def test_test_tool_writes_metrics_json(tested):
    """tools/test.py stores acc/top1 and acc/top2 in <ts>/<ts>.json."""
    jsons = [p for p in tested['work'].glob('*/*.json')
             if p.stem == p.parent.name]
    assert len(jsons) == 1, \
        f'metrics json files: {list(tested["work"].rglob("*"))}' + \
        _tail(tested['proc'])
    metrics = json.loads(jsons[0].read_text().strip().splitlines()[-1])
    for key in ('acc/top1', 'acc/top2'):
        assert key in metrics, metrics
        assert 0.0 <= metrics[key] <= 1.0, metrics
        # 8 val videos: every accuracy is a multiple of 1/8
        assert abs(metrics[key] * NUM_VAL - round(metrics[key] * NUM_VAL)) \
            < 1e-6, metrics
    assert metrics['acc/top2'] >= metrics['acc/top1'], metrics


def test_test_tool_dumps_one_prediction_per_video(tested, synthetic_data):
    """--dump writes 8 predictions with 4-way scores that match the metrics."""
    import mmengine
    assert tested['dump'].is_file(), _tail(tested['proc'])
    preds = mmengine.load(str(tested['dump']))
    assert len(preds) == NUM_VAL, len(preds)
    scores, labels = [], []
    for pred in preds:
        score = torch.as_tensor(pred['pred_score']).float()
        assert score.shape == (NUM_CLASSES,), score.shape
        assert abs(score.sum().item() - 1.0) < 1e-4, score
        assert (score >= 0).all(), score
        scores.append(score.numpy())
        labels.append(int(torch.as_tensor(pred['gt_label']).reshape(-1)[0]))
    expected = sorted(int(line.split()[-1]) for line in
                      Path(synthetic_data['val']).read_text().splitlines()
                      if line.strip())
    assert sorted(labels) == expected
    # the dumped scores reproduce the logged top-1 / top-2 accuracy
    scores, labels = np.stack(scores), np.array(labels)
    top2 = np.argsort(-scores, axis=1)[:, :2]
    acc1 = float(np.mean(top2[:, 0] == labels))
    acc2 = float(np.mean((top2 == labels[:, None]).any(1)))
    jsons = [p for p in tested['work'].glob('*/*.json')
             if p.stem == p.parent.name]
    metrics = json.loads(jsons[0].read_text().strip().splitlines()[-1])
    assert metrics['acc/top1'] == pytest.approx(acc1, abs=1e-6)
    assert metrics['acc/top2'] == pytest.approx(acc2, abs=1e-6)


def test_amp_on_cpu_uses_autocast_wrapper(tmp_path, synthetic_data):
    """--amp on CPU trains one epoch with CPUAutocastOptimWrapper."""
    work = tmp_path / 'amp'
    proc = run_tool(
        _python('tools/train.py', CONFIG, '--work-dir', work, '--amp',
                '--cfg-options', 'train_cfg.max_epochs=1'),
        env=_env(synthetic_data))
    dumped = work / Path(CONFIG).name
    assert dumped.is_file(), \
        f'no dumped config in {sorted(work.glob("*"))}' + _tail(proc)
    cfg = Config.fromfile(str(dumped))
    assert cfg.optim_wrapper.type == 'CPUAutocastOptimWrapper', \
        cfg.optim_wrapper
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert proc.returncode == 0, '--amp training failed' + _tail(proc)
    assert (work / 'epoch_1.pth').is_file(), _tail(proc)
    losses = [float(x) for x in
              re.findall(r'Epoch\(train\).*?\bloss: ([0-9.eE+-]+|nan|inf)',
                         proc.stdout + proc.stderr)]
    assert len(losses) == ITERS_PER_EPOCH, _tail(proc)
    assert all(np.isfinite(losses)), losses
    ckpt = _safe_load(work / 'epoch_1.pth')
    assert ckpt['meta']['epoch'] == 1
    # parameters stay fp32; only the forward pass is autocast
    assert ckpt['state_dict']['neck.text_prompts'].dtype == torch.float32


def test_train_missing_config_is_a_clear_error(tmp_path):
    """A non-existent config path exits non-zero and names the path."""
    missing = tmp_path / 'no_such_config.py'
    proc = run_tool(_python('tools/train.py', missing, '--work-dir',
                            tmp_path / 'w'))
    assert proc.returncode != 0, _tail(proc)
    assert str(missing) in proc.stderr, _tail(proc)
    assert 'not found' in proc.stderr, _tail(proc)
    assert not (tmp_path / 'w').exists()


def test_resume_falls_back_when_the_latest_is_truncated(trained, tmp_path,
                                                        synthetic_data):
    """--resume without a path: epoch_3.pth cut short, so the run says so
    and resumes from epoch_2.pth, training epoch 3 again."""
    work = tmp_path / 'work'
    work.mkdir()
    for name in ('epoch_2.pth', 'epoch_3.pth'):
        shutil.copy(trained['work'] / name, work / name)
    latest = work / 'epoch_3.pth'
    latest.write_bytes(latest.read_bytes()[:4096])
    (work / 'last_checkpoint').write_text(str(latest))
    proc = run_tool(
        _python('tools/train.py', CONFIG, '--work-dir', work, '--resume',
                '--cfg-options', 'train_cfg.max_epochs=3'),
        env=_env(synthetic_data))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, _tail(proc)
    assert f"--resume: cannot resume from {latest}: Cannot read checkpoint " \
        f"'{latest}': it is truncated" in log, _tail(proc)
    assert '--resume: falling back to the previous readable checkpoint ' \
        f'{work / "epoch_2.pth"}.' in log, _tail(proc)
    assert re.search(rf'resumed epoch: 2, iter: {2 * ITERS_PER_EPOCH}\b',
                     log), _tail(proc)
    assert torch.load(latest, map_location='cpu')['meta']['epoch'] == 3


def test_resume_missing_checkpoint_is_a_clear_error(tmp_path, synthetic_data):
    """--resume with a missing file exits non-zero and names the file."""
    proc = run_tool(
        _python('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                '--resume', '/nonexistent.pth'),
        env=_env(synthetic_data))
    assert proc.returncode != 0, _tail(proc)
    assert '/nonexistent.pth' in proc.stderr, _tail(proc)
    assert 'not found' in proc.stderr, _tail(proc)
    assert not list((tmp_path).rglob('*.pth'))
