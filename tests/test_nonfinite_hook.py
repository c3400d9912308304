"""NonFiniteCheckHook: NaN/inf steps are stopped or skipped, never saved.

The unit tests drive a real MMEngine Runner on a one-parameter toy model
whose loss is NaN at chosen samples, so the expected weights after training
are known in closed form (SGD, lr 0.1, loss = w * x summed over 2 entries).
"""
import itertools
import re
import sys

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from conftest import run_tool
from mmvlprompt.engine import NonFiniteCheckHook, NonFiniteLossError

LR = 0.1
NUM_SAMPLES = 6  # sample i has x = i; batch 1, so iteration i+1 sees x = i
_names = itertools.count()


class _ToyModel(BaseModel):
    """loss = sum(w * x) with w of shape (2,); NaN (or inf) for chosen x."""

    def __init__(self, bad=(), bad_value=float('nan')):
        super().__init__()
        self.w = nn.Parameter(torch.ones(2))
        self.frozen = nn.Parameter(torch.ones(1), requires_grad=False)
        self.bad, self.bad_value = set(bad), bad_value

    def forward(self, x, mode='loss'):
        x = torch.stack(x)  # (B, 1)
        loss = (self.w * x).sum()
        if int(x[0]) in self.bad:
            loss = loss * self.bad_value
        return dict(loss=loss, loss_aux=0.0 * loss.detach())


def _runner(tmp_path, model, hook=None):
    hooks = [] if hook is None else [hook]
    return Runner(
        model=model,
        work_dir=str(tmp_path),
        experiment_name=f'nonfinite_{next(_names)}',
        train_dataloader=dict(
            dataset=[dict(x=torch.tensor([float(i)]))
                     for i in range(NUM_SAMPLES)],
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1, num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=LR)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        custom_hooks=hooks,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        default_scope='mmaction')


def _expected_w(applied_xs):
    """SGD from w = 1: each applied step subtracts lr * x from both entries."""
    return torch.full((2,), 1.0 - LR * sum(applied_xs))


def test_skip_mode_skips_bad_steps_and_finishes(tmp_path):
    """skip_nonfinite=2 skips samples 2 and 4 exactly; others are applied."""
    model = _ToyModel(bad={2, 4})
    runner = _runner(tmp_path, model, dict(type='NonFiniteCheckHook',
                                           skip_nonfinite=2))
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, NonFiniteCheckHook))
    assert hook.num_skipped == 2
    torch.testing.assert_close(model.w.detach(), _expected_w([0, 1, 3, 5]))
    # gradients were dropped, nothing NaN is left behind
    assert model.w.grad is None or torch.isfinite(model.w.grad).all()
    ckpt = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu')
    torch.testing.assert_close(ckpt['state_dict']['w'],
                               _expected_w([0, 1, 3, 5]))


def test_skip_mode_stops_after_limit(tmp_path):
    """With skip_nonfinite=1 the second bad step stops the run, unapplied."""
    model = _ToyModel(bad={2, 4})
    runner = _runner(tmp_path, model, dict(type='NonFiniteCheckHook',
                                           skip_nonfinite=1))
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    # sample 4 is iteration 5; the message names loss terms and the lr
    assert 'iteration 5 ' in msg, msg
    assert 'loss=nan' in msg and 'loss_aux=nan' in msg, msg
    assert 'lr=0.1' in msg, msg
    assert '1 earlier bad step' in msg and 'skip_nonfinite=1' in msg, msg
    torch.testing.assert_close(model.w.detach(), _expected_w([0, 1, 3]))
    assert not (tmp_path / 'epoch_1.pth').exists()


@pytest.mark.parametrize('bad_value', [float('nan'), float('inf')])
def test_default_stops_at_first_bad_step(tmp_path, bad_value):
    """The default (skip_nonfinite=0) stops at the first NaN or inf loss."""
    model = _ToyModel(bad={3}, bad_value=bad_value)
    runner = _runner(tmp_path, model, dict(type='NonFiniteCheckHook'))
    with pytest.raises(NonFiniteLossError, match='iteration 4 ') as info:
        runner.train()
    assert 'Non-finite loss' in str(info.value)
    torch.testing.assert_close(model.w.detach(), _expected_w([0, 1, 2]))


def test_without_hook_nan_is_applied(tmp_path):
    """Control: without the hook the NaN step corrupts the weights."""
    model = _ToyModel(bad={2})
    _runner(tmp_path, model).train()
    assert torch.isnan(model.w).all()


class _NaNGradModel(_ToyModel):
    """Finite loss, NaN gradient (through a masked sqrt at 0)."""

    def forward(self, x, mode='loss'):
        x = torch.stack(x)
        loss = (self.w * x).sum()
        if int(x[0]) in self.bad:
            # adds 0 to the loss; d/dw sqrt(|0|) = inf * 0 = NaN
            loss = loss + (self.w - self.w.detach()).abs().sqrt().sum()
        return dict(loss=loss)


def test_nonfinite_gradient_with_finite_loss_is_caught(tmp_path):
    """A NaN gradient is caught although the loss itself is finite."""
    model = _NaNGradModel(bad={1})
    runner = _runner(tmp_path, model, dict(type='NonFiniteCheckHook'))
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    assert 'Non-finite gradient at iteration 2 ' in msg, msg
    assert 'non-finite gradients in w' in msg, msg
    torch.testing.assert_close(model.w.detach(), _expected_w([0]))


class _StubRunner:
    def __init__(self, model):
        self.model, self.iter = model, 7


def test_checkpoint_with_nonfinite_trainable_weights_is_refused():
    """before_save_checkpoint raises for NaN trainable weights only."""
    model = _ToyModel()
    hook = NonFiniteCheckHook()
    ok = dict(state_dict=dict(w=torch.ones(2),
                              frozen=torch.tensor([float('nan')])))
    hook.before_save_checkpoint(_StubRunner(model), ok)  # frozen: not checked
    bad = dict(state_dict=dict(w=torch.tensor([1.0, float('inf')]),
                               frozen=torch.ones(1)))
    with pytest.raises(NonFiniteLossError, match=r'Refusing.*\bw\b'):
        hook.before_save_checkpoint(_StubRunner(model), bad)


@pytest.mark.parametrize('kwargs, key', [
    (dict(skip_nonfinite=-1), 'skip_nonfinite=-1'),
    (dict(skip_nonfinite=1.5), 'skip_nonfinite=1.5'),
    (dict(skip_nonfinite=True), 'skip_nonfinite=True'),
    (dict(skip_nonfinite='2'), "skip_nonfinite='2'"),
    (dict(check_grad='yes'), "check_grad='yes'"),
])
def test_bad_config_values_are_rejected(kwargs, key):
    """Invalid options fail at build time, naming the key and the value."""
    from mmaction.registry import HOOKS
    with pytest.raises(ValueError, match=re.escape(key)):
        HOOKS.build(dict(type='NonFiniteCheckHook', **kwargs))


def test_default_runtime_enables_the_hook():
    """Every config built on _base_/default_runtime.py has the hook on."""
    from mmengine.config import Config
    from conftest import REPO
    cfg = Config.fromfile(str(REPO / 'configs/vlprompt_k400.py'))
    hooks = [h for h in cfg.custom_hooks
             if h['type'] == 'NonFiniteCheckHook']
    assert hooks == [dict(type='NonFiniteCheckHook', skip_nonfinite=0)]


@pytest.mark.slow
def test_diverging_training_run_stops_and_saves_no_nan(tmp_path,
                                                       synthetic_data):
    """The issue's repro: lr=1e12 without clipping exits non-zero with the
    message, and no checkpoint with NaN prompts is left."""
    work = tmp_path / 'work'
    proc = run_tool(
        [sys.executable, 'tools/train.py',
         'configs/demo/vlprompt_tiny_synthetic.py', '--work-dir', str(work),
         '--cfg-options', 'optim_wrapper.optimizer.lr=1e12',
         'optim_wrapper.clip_grad=None'],
        env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])})
    err = proc.stderr
    assert proc.returncode != 0, proc.stdout[-3000:] + err[-3000:]
    assert 'NonFiniteLossError: Training stopped. Non-finite' in err, \
        err[-3000:]
    assert re.search(r'at iteration \d+ \(epoch \d+, batch \d+\): '
                     r'loss=nan, loss_cls=\S+, loss_scenario=\S+; lr=\S+e\+11',
                     err), err[-3000:]
    for ckpt in work.rglob('*.pth'):
        state = torch.load(ckpt, map_location='cpu')['state_dict']
        for key in ('neck.text_prompts', 'neck.vision_prompts'):
            assert torch.isfinite(state[key]).all(), (ckpt, key)


@pytest.mark.slow
def test_diverging_distributed_run_stops_on_every_rank(tmp_path,
                                                       synthetic_data):
    """With 2 processes both ranks agree, stop at the same iteration with
    the message (no rank hangs in a collective), and nothing is saved."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    work = tmp_path / 'work'
    proc = run_tool(
        ['bash', 'tools/dist_train.sh',
         'configs/demo/vlprompt_tiny_synthetic.py', '2', '--work-dir',
         str(work), '--cfg-options', 'optim_wrapper.optimizer.lr=1e12',
         'optim_wrapper.clip_grad=None'],
        env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root']),
             'PORT': str(port), 'OMP_NUM_THREADS': '1'}, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    stops = re.findall(r'\[rank(\d)\]: \S*NonFiniteLossError: Training '
                       r'stopped\. Non-finite loss at iteration (\d+) ', log)
    assert sorted(rank for rank, _ in stops) == ['0', '1'], log[-3000:]
    assert len({it for _, it in stops}) == 1, stops  # same iteration
    assert not list(work.rglob('*.pth'))
