"""Frozen CLIP weights held in the compute dtype (model.frozen_dtype, set by
--amp): same step as plain autocast within bf16 tolerance, weights untouched
by training, prompt-only checkpoints that move between fp32 and bf16."""
import importlib.util

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from torch import nn

from conftest import REPO, tiny_model_cfg
from mmvlprompt.compat import CheckpointMismatchError
from mmvlprompt.engine import apply_amp

NECK = dict(type='VLPromptLearner', num_text_tokens=6, num_vision_tokens=6,
            depth_text=2, depth_vision=2)
CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def _model(clip_path, **changes):
    cfg = tiny_model_cfg(clip_path, neck=dict(NECK))
    cfg.update(changes)
    torch.manual_seed(0)  # the same prompts in every model
    return MODELS.build(cfg)


def _inputs():
    gen = torch.Generator().manual_seed(1)
    frames = torch.randn(2, 4, 3, 32, 32, generator=gen)
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 1)]
    return frames, samples


def _loss_and_grads(model):
    frames, samples = _inputs()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(frames, samples)
    loss = sum(losses.values())
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.neck.named_parameters()}
    model.zero_grad(set_to_none=True)
    return loss.detach(), grads


def test_held_weights_follow_the_rule(tiny_clip_path):
    """Matrices and embeddings of the frozen CLIP become bf16; layer norms,
    the logit scale and every trainable tensor stay fp32."""
    model = _model(tiny_clip_path, frozen_dtype='bfloat16')
    seen = set()
    for name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            key = f'{name}.{pname}'
            seen.add(param.dtype)
            if param.requires_grad or isinstance(module, nn.LayerNorm) or \
                    param.numel() == 1:
                assert param.dtype == torch.float32, key
            else:
                assert param.dtype == torch.bfloat16, key
    assert seen == {torch.float32, torch.bfloat16}
    assert model.cls_head.logit_scale.dtype == torch.float32
    assert model.backbone.visual.conv1.weight.dtype == torch.bfloat16


def test_held_step_agrees_with_autocast_step(tiny_clip_path):
    """Loss and prompt gradients of the bf16-held model match the fp32
    model under bf16 autocast within bf16 tolerance."""
    plain, held = _model(tiny_clip_path), _model(tiny_clip_path,
                                                 frozen_dtype='bfloat16')
    for a, b in zip(plain.neck.parameters(), held.neck.parameters()):
        assert torch.equal(a, b)
    loss_p, grads_p = _loss_and_grads(plain)
    loss_h, grads_h = _loss_and_grads(held)
    assert loss_h.item() == pytest.approx(loss_p.item(), rel=2e-2)
    for key, gp in grads_p.items():
        gh = grads_h[key]
        assert gh.dtype == torch.float32, key
        cos = torch.nn.functional.cosine_similarity(gp.flatten(),
                                                    gh.flatten(), dim=0)
        assert gp.abs().max() == 0 or cos > 0.98, (key, cos.item())


def test_training_leaves_held_weights_as_loaded(tiny_clip_path):
    """After optimizer steps the frozen weights are bit-identical to the
    loaded ones (cast once), and prompts stay fp32 and change."""
    loaded = _model(tiny_clip_path).clip_state()
    model = _model(tiny_clip_path, frozen_dtype='bfloat16')
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=1e-2)
    before = [p.detach().clone() for p in params]
    frames, samples = _inputs()
    for _ in range(3):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            sum(model.loss(frames, samples).values()).backward()
        optim.step()
        optim.zero_grad()
    state = model.clip_state()
    assert state.keys() == loaded.keys()
    for key, value in state.items():
        assert torch.equal(value, loaded[key].to(value.dtype)), key
    for b, p in zip(before, params):
        assert p.dtype == torch.float32
        assert not torch.equal(b, p.detach())
    for state_ in optim.state.values():
        assert all(t.dtype == torch.float32 for t in state_.values()
                   if t.dim() > 0)


def test_checkpoints_stay_prompt_only_across_dtypes(tiny_clip_path):
    """A held model saves prompts and the fingerprint of the fp32 weights it
    was cast from: its state loads into an fp32 model and back; another
    CLIP is still refused."""
    plain = _model(tiny_clip_path)
    held = _model(tiny_clip_path, frozen_dtype='bfloat16')
    state = held.state_dict()
    assert all(k.startswith('neck.') or k == 'clip_fingerprint'
               for k in state), sorted(state)
    assert held.clip_fingerprint() == plain.clip_fingerprint()
    with torch.no_grad():
        for p in held.neck.parameters():
            p.add_(1.0)
    plain.load_state_dict(held.state_dict())
    for a, b in zip(plain.neck.parameters(), held.neck.parameters()):
        assert torch.equal(a, b)
    held.load_state_dict(plain.state_dict())
    # loading refills the CLIP in place; the fingerprint does not drift
    assert held.clip_fingerprint() == plain.clip_fingerprint()
    other = MODELS.build(tiny_model_cfg(None, neck=dict(NECK)))
    with pytest.raises(CheckpointMismatchError, match='fingerprint'):
        other.load_state_dict(held.state_dict())


def test_held_model_computes_without_an_outer_autocast(tiny_clip_path):
    """Validation and test loops call predict without autocast: a held model
    opens its own and scores like the fp32 model."""
    plain = _model(tiny_clip_path).eval()
    held = _model(tiny_clip_path, frozen_dtype='bfloat16').eval()
    frames, samples = _inputs()
    with torch.no_grad():
        out_p = plain.predict(frames, [s.clone() for s in samples])
        out_h = held.predict(frames, [s.clone() for s in samples])
    for a, b in zip(out_p, out_h):
        assert torch.allclose(a.pred_score, b.pred_score, atol=2e-2)
        assert b.pred_score.dtype == torch.float32


@pytest.mark.parametrize('changes, match', [
    (dict(frozen_dtype='float64'), 'model.frozen_dtype'),
    (dict(frozen_dtype=True), 'model.frozen_dtype'),
    (dict(frozen_dtype='bfloat16', freeze_backbone=False),
     'freeze_backbone=True'),
    (dict(frozen_dtype='bfloat16', prompt_only_checkpoint=False),
     'prompt-only'),
])
def test_frozen_dtype_is_validated(tiny_clip_path, changes, match):
    with pytest.raises(ValueError, match=match):
        _model(tiny_clip_path, **changes)


def test_amp_sets_frozen_dtype_only_for_a_frozen_clip():
    """--amp holds a frozen CLIP in the autocast dtype; full fine-tuning and
    a config's own choice are left alone."""
    cfg = Config.fromfile(str(REPO / CONFIG))
    messages = apply_amp(cfg)
    assert cfg.model.frozen_dtype == 'bfloat16'  # CPU: bf16 autocast
    assert any('frozen_dtype' in m for m in messages)
    full = Config.fromfile(str(REPO / CONFIG))
    full.model.freeze_backbone = False
    full.model.neck = None
    apply_amp(full)
    assert 'frozen_dtype' not in full.model
    own = Config.fromfile(str(REPO / CONFIG))
    own.model.frozen_dtype = None
    apply_amp(own)
    assert own.model.frozen_dtype is None


def _tool(path, name):
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_amp_training_holds_weights_and_resumes(tmp_path, monkeypatch,
                                                synthetic_data):
    """tools/train.py --amp trains with the CLIP held in bf16, saves
    prompt-only checkpoints, and --resume continues from them; the frozen
    weights never change."""
    monkeypatch.setenv('MMVLP_SYNTHETIC_ROOT', str(synthetic_data['root']))
    tool = _tool('tools/train.py', 'train_tool_frozen')
    work = tmp_path / 'amp'

    def run(epochs, *extra):
        args = tool.parse_args([str(REPO / CONFIG), '--work-dir', str(work),
                                '--amp', '--no-validate', *extra,
                                '--cfg-options',
                                f'train_cfg.max_epochs={epochs}'])
        cfg = tool.merge_args(tool.load_config(args), args)
        runner = tool.build_runner(cfg)
        frozen = {k: v.clone() for k, v in
                  runner.model.backbone.state_dict().items()}
        runner.train()
        return runner, frozen

    runner, frozen = run(1)
    assert runner.model.backbone.visual.conv1.weight.dtype == torch.bfloat16
    for key, value in runner.model.backbone.state_dict().items():
        assert torch.equal(value, frozen[key]), key
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu',
                      weights_only=False)
    assert all(k.startswith('neck.') or k == 'clip_fingerprint'
               for k in ckpt['state_dict'])
    prompts = runner.model.neck.text_prompts.detach().clone()
    resumed, _ = run(2, '--resume')
    assert resumed.train_loop.epoch == 2
    assert not torch.equal(resumed.model.neck.text_prompts.detach(), prompts)
