"""Prompt-only checkpoints: small, fingerprint-checked, exact round trip."""
import logging
import sys

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint, save_checkpoint

from conftest import REPO, TINY_ARCH, run_tool, tiny_model_cfg
from mmvlprompt.models.utils.clip_state import (FINGERPRINT_KEY,
                                                digest_from_tensor,
                                                fingerprint)

NECK = dict(type='VLPromptLearner', num_text_tokens=6, num_vision_tokens=6,
            depth_text=2, depth_vision=2)


def _model(clip_path, **kwargs):
    cfg = tiny_model_cfg(clip_path, neck=dict(NECK))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _trained_like(model, seed=0):
    """Give every trainable parameter non-trivial values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.05)
    return model


def _predict(model):
    model.eval()
    inputs = torch.randn(2, 2 * 4, 3, 32, 32,
                         generator=torch.Generator().manual_seed(1))
    samples = [ActionDataSample() for _ in range(2)]
    with torch.no_grad():
        out = model.predict(inputs, samples)
    return torch.stack([s.pred_score for s in out])


def test_state_dict_holds_trainables_and_fingerprint(tiny_clip_path):
    """Frozen configs save the neck and a 32-byte digest, nothing of CLIP."""
    model = _model(tiny_clip_path)
    state = model.state_dict()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert set(state) == trainable | {FINGERPRINT_KEY}
    assert state[FINGERPRINT_KEY].dtype == torch.uint8
    assert state[FINGERPRINT_KEY].numel() == 32
    assert digest_from_tensor(state[FINGERPRINT_KEY]) == \
        fingerprint(model.clip_state())
    full = _model(tiny_clip_path, prompt_only_checkpoint=False).state_dict()
    assert FINGERPRINT_KEY not in full
    assert 'backbone.visual.conv1.weight' in full
    assert set(model.clip_state()) == {k for k in full
                                       if not k.startswith('neck.')}


def test_save_load_round_trip_predicts_identically(tiny_clip_path, tmp_path):
    """Save prompt-only, rebuild from config, load strictly: equal scores,
    no missing-key warning."""
    trained = _trained_like(_model(tiny_clip_path))
    expected = _predict(trained)
    path = str(tmp_path / 'ckpt.pth')
    save_checkpoint(dict(meta=dict(epoch=1), state_dict=trained.state_dict()),
                    path)
    fresh = _model(tiny_clip_path)
    assert not torch.allclose(_predict(fresh), expected)
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        load_checkpoint(fresh, path, strict=True, logger='current')
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if 'missing' in r.getMessage()], \
        [r.getMessage() for r in records]
    assert torch.equal(_predict(fresh), expected)


def test_full_and_prompt_only_checkpoints_load_both_ways(tiny_clip_path):
    """A full state dict loads into a prompt-only model and vice versa."""
    trained = _trained_like(
        _model(tiny_clip_path, prompt_only_checkpoint=False))
    prompt_only = _model(tiny_clip_path)
    prompt_only.load_state_dict(trained.state_dict())
    assert torch.equal(_predict(prompt_only), _predict(trained))
    full = _model(tiny_clip_path, prompt_only_checkpoint=False)
    full.load_state_dict(_trained_like(prompt_only, 3).state_dict())
    assert torch.equal(_predict(full), _predict(prompt_only))


def test_other_clip_is_refused(tiny_clip_path, tmp_path):
    """Loading into a model with other CLIP weights fails clearly."""
    state = _trained_like(_model(tiny_clip_path)).state_dict()
    other = MODELS.build(dict(
        tiny_model_cfg(tiny_clip_path, neck=dict(NECK)),
        clip=dict(arch=TINY_ARCH, pretrained=None, seed=7)))
    before = other.neck.text_prompts.detach().clone()
    from mmvlprompt.compat import CheckpointMismatchError
    path = str(tmp_path / 'ckpt.pth')
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointMismatchError) as info:
        load_checkpoint(other, path)
    message = str(info.value)
    assert f"Checkpoint '{path}' does not fit the model" in message
    assert 'holds prompts only' in message
    assert digest_from_tensor(state[FINGERPRINT_KEY])[:16] in message
    assert other.clip_fingerprint()[:16] in message
    assert "pretrained=None, seed=7" in message
    assert "model.clip.pretrained" in message
    assert torch.equal(other.neck.text_prompts, before)


def test_fingerprint_sees_any_change(tiny_clip_path):
    """One changed weight, dtype or key name gives another digest; the
    cached digest follows in-place edits."""
    model = _model(tiny_clip_path)
    state = model.clip_state()
    base = fingerprint(state)
    assert base == model.clip_fingerprint() == fingerprint(dict(state))
    changed = dict(state)
    key = 'backbone.visual.conv1.weight'
    changed[key] = state[key].clone()
    changed[key].view(-1)[5] += 1e-6
    assert fingerprint(changed) != base
    assert fingerprint({**state, key: state[key].double()}) != base
    renamed = dict(state)
    renamed['x' + key] = renamed.pop(key)
    assert fingerprint(renamed) != base
    with torch.no_grad():
        model.backbone.visual.conv1.weight.view(-1)[5] += 1e-3
    assert model.clip_fingerprint() != base


@pytest.mark.parametrize('kwargs, message', [
    (dict(prompt_only_checkpoint='yes'),
     "model.prompt_only_checkpoint must be None, True or False, got 'yes'"),
    (dict(prompt_only_checkpoint=True, freeze_backbone=False),
     'model.prompt_only_checkpoint=True needs model.freeze_backbone=True'),
])
def test_switch_is_validated(tiny_clip_path, kwargs, message):
    with pytest.raises(ValueError, match=message.replace('(', r'\(')):
        _model(tiny_clip_path, **kwargs)


def test_switch_follows_freeze_backbone(tiny_clip_path):
    assert _model(tiny_clip_path).prompt_only_checkpoint is True
    unfrozen = _model(tiny_clip_path, freeze_backbone=False)
    assert unfrozen.prompt_only_checkpoint is False
    assert 'backbone.visual.conv1.weight' in unfrozen.state_dict()


@pytest.mark.slow
def test_export_prompts_tool(tiny_clip_path, tmp_path):
    """tools/export_prompts.py writes exactly the trainable tensors and
    embeds a config that parses back."""
    from safetensors import safe_open
    cfg_path = tmp_path / 'tiny.py'
    cfg_path.write_text(
        "_base_ = ['{}']\n".format(REPO / 'configs' / 'demo' /
                                   'vlprompt_tiny_synthetic.py') +
        f"model = dict(clip=dict(pretrained={tiny_clip_path!r}), "
        "cls_head=dict(class_names=['a', 'b', 'c']))\n")
    cfg = Config.fromfile(str(cfg_path))
    model = _trained_like(MODELS.build(cfg.model))
    ckpt = tmp_path / 'epoch_1.pth'
    save_checkpoint(dict(meta=dict(epoch=1), state_dict=model.state_dict()),
                    str(ckpt))
    out = tmp_path / 'prompts.safetensors'
    proc = run_tool([sys.executable, 'tools/export_prompts.py',
                     str(cfg_path), str(ckpt), str(out)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    with safe_open(str(out), framework='pt') as f:
        assert set(f.keys()) == set(trainable)
        for name, param in trainable.items():
            assert torch.equal(f.get_tensor(name), param.detach())
        meta = f.metadata()
    assert meta['clip_fingerprint'] == model.clip_fingerprint()
    assert meta['clip_pretrained'] == tiny_clip_path
    assert meta['source_checkpoint'] == 'epoch_1.pth'
    embedded = Config.fromstring(meta['config'], file_format='.py')
    assert embedded.model.neck.depth_text == cfg.model.neck.depth_text
    assert embedded.model.cls_head.class_names == ['a', 'b', 'c']
    assert f'wrote {len(trainable)} tensors' in proc.stdout


def test_checkpoint_size_tool_table(capsys):
    """tools/analysis/checkpoint_size.py: the prompt-only state dict is the
    trainable parameters' bytes (+ digest), far below the full one."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'checkpoint_size', REPO / 'tools' / 'analysis' / 'checkpoint_size.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = REPO / 'configs' / 'demo' / 'vlprompt_tiny_synthetic.py'
    sizes = tool.main([str(config), '--cfg-options',
                       'model.cls_head.class_names=[a,b]'])
    cfg = Config.fromfile(str(config))
    cfg.model.clip.pretrained = None
    cfg.model.cls_head.class_names = ['a', 'b']
    model = MODELS.build(cfg.model)
    trainable = sum(p.numel() * 4 for p in model.parameters()
                    if p.requires_grad)
    frozen = sum(p.numel() * 4 for p in model.parameters()
                 if not p.requires_grad)
    prompt_state, prompt_file = sizes['prompt-only']
    full_state, full_file = sizes['full']
    assert trainable < prompt_state < trainable + 20_000  # + pickle overhead
    assert full_state - prompt_state > 0.95 * frozen
    # AdamW keeps 2 moments per trainable parameter in both files
    assert prompt_file - prompt_state > 2 * trainable
    table = capsys.readouterr().out
    assert '| prompt-only |' in table and '| full |' in table
