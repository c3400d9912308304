"""Shipped configs: the K400 recipe builds ViT-B/16, peers differ by config."""
from pathlib import Path

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
K400 = REPO / 'configs' / 'vlprompt_k400.py'
NAMES_400 = [f'class {i}' for i in range(400)]
# prompts: 9 layers x 8 tokens x (512 + 768); mappings: 9 x (512*768 + 768)
# + 9 x (768*512 + 512)
K400_TRAINABLE = 9 * 8 * (512 + 768) + 9 * (512 * 768 + 768) + \
    9 * (768 * 512 + 512)


def build(path, **model_overrides):
    cfg = Config.fromfile(str(path))
    cfg.model.clip.pretrained = None  # random init, nothing downloaded
    cfg.model.cls_head.class_names = NAMES_400
    for key, value in model_overrides.items():
        cfg.model[key] = value
    return cfg, MODELS.build(cfg.model)


def count(model, trainable=True):
    return sum(p.numel() for p in model.parameters()
               if p.requires_grad == trainable)


def test_k400_recipe_builds_vit_b16():
    """configs/vlprompt_k400.py builds ViT-B/16 with 7,181,568 trainable
    parameters, all in the prompt learner, and a frozen 149.6M CLIP."""
    cfg, model = build(K400)
    assert K400_TRAINABLE == 7_181_568
    assert count(model) == K400_TRAINABLE
    assert all(n.startswith('neck.') for n, p in model.named_parameters()
               if p.requires_grad)
    assert 149_000_000 < count(model, trainable=False) < 150_000_000
    assert model.backbone.width == 768 and model.backbone.num_layers == 12
    assert model.cls_head.text_width == 512
    assert model.neck.text_prompts.shape == (9, 8, 512)
    assert model.neck.vision_prompts.shape == (9, 8, 768)
    # P_t^0 ends with the ctx_init phrase next to the class name
    phrase = model.cls_head.embed_context('a video of a person doing')
    assert torch.equal(model.neck.text_prompts[0, 2:], phrase)
    # recipe (DESIGN 1.7)
    assert cfg.model.backbone.num_frames == 8
    assert cfg.optim_wrapper.optimizer == dict(
        type='AdamW', lr=2e-3, betas=(0.9, 0.98), weight_decay=1e-3,
        fused=True)  # one kernel for the whole step (issue 21)
    assert cfg.auto_scale_lr.base_batch_size == 64
    assert cfg.train_dataloader.batch_size * 8 == 64
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 2)
    assert (cosine.type, cosine.begin, cosine.end, cosine.eta_min) == \
        ('CosineAnnealingLR', 2, 30, 0)
    assert cfg.train_cfg.max_epochs == 30
    test_types = [t['type'] for t in cfg.test_pipeline]
    sample = cfg.test_pipeline[test_types.index('UniformSample')]
    assert (sample.clip_len, sample.num_clips) == (8, 2)
    assert 'ThreeCrop' in test_types
    assert cfg.model.cls_head.average_clips == 'prob'


def test_k400_forward_on_random_weights():
    """The ViT-B/16 model runs a 2-clip x 8-frame 224px batch end to end."""
    cfg, model = build(K400)
    model.cls_head.train_names = NAMES_400[:5]
    model.cls_head.test_names = NAMES_400[:5]
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 2 * 8, 3, 224, 224), mode='tensor',
                       stage='head')
    assert logits.shape == (2, 5)
    assert torch.isfinite(logits).all()


TINY = dict(arch='vlp-tiny', pretrained=None)


@pytest.mark.parametrize('name, check', [
    ('zeroshot-clip_k400.py',
     lambda m: count(m) == 0 and not m.with_neck
     and m.cls_head.loss_scenario is None
     and m.cls_head.template == 'a photo of a {}.'),
    ('vificlip_k400.py',
     lambda m: not m.with_neck and m.cls_head.loss_scenario is None
     and count(m) == count(m, trainable=True) > 0
     and m.backbone.visual.conv1.weight.requires_grad
     and m.backbone.num_frames == 16
     and m.data_preprocessor.blending is not None),
    ('vificlip-shared_k400.py',
     lambda m: not m.with_neck and m.cls_head.loss_scenario is None
     and m.backbone.visual.conv1.weight.requires_grad
     and m.data_preprocessor.blending is None),
    ('ivlp-shared_k400.py',
     lambda m: m.neck.mapping == 'none' and len(m.neck.text_to_vision) == 0
     and m.cls_head.loss_scenario is None),
    ('ivlp-t2v-residual_k400.py',
     lambda m: m.neck.mapping == 'text_to_vision'
     and m.neck.vision_prompts is not None
     and len(m.neck.text_to_vision) == 3 and len(m.neck.vision_to_text) == 0
     and not any(lin.weight.any() for lin in m.neck.text_to_vision)
     and m.cls_head.loss_scenario is None),
    ('maple-shared_k400.py',
     lambda m: m.neck.vision_prompts is None
     and len(m.neck.text_to_vision) == 3
     and all(lin.weight.any() for lin in m.neck.text_to_vision)
     and m.cls_head.context_words == 'a photo of a'
     and m.cls_head.loss_scenario is None),
])
def test_peer_baselines_are_configs(name, check):
    """Each peer baseline config builds the variant it describes."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'baselines' / name))
    assert cfg.model.clip.arch == 'ViT-B-16'
    cfg.model.clip = TINY  # 3-layer CLIP keeps the test fast
    cfg.model.cls_head.class_names = NAMES_400[:4]
    if cfg.model.get('neck'):
        cfg.model.neck.update(depth_text=3, depth_vision=3)
    assert check(MODELS.build(cfg.model))


def test_vilt_clip_is_both_mappings_with_scenario_loss():
    """The headline recipe uses both mappings and the L1 scenario loss, 25."""
    cfg = Config.fromfile(str(K400))
    assert cfg.model.neck.mapping == 'both'
    assert cfg.model.cls_head.loss_scenario == dict(
        type='ScenarioGuidedLoss', distance='l1', loss_weight=25.0)
    assert cfg.custom_imports.imports == ['mmvlprompt']
    assert cfg.default_scope == 'mmaction'


def test_count_params_tool_table(capsys):
    """tools/analysis/count_params.py counts prompts and mappings exactly."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'count_params', REPO / 'tools' / 'analysis' / 'count_params.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    counts = tool.main([
        str(REPO / 'configs' / 'demo' / 'vlprompt_tiny_synthetic.py'),
        '--cfg-options', 'model.cls_head.class_names=[a,b]'
    ])
    # vlp-tiny: d_t=32, d_v=48; demo neck: depth 2, 6 tokens
    assert counts['neck.text_prompts'] == [2 * 6 * 32, 0]
    assert counts['neck.vision_prompts'] == [2 * 6 * 48, 0]
    assert counts['neck.text_to_vision'] == [2 * (32 * 48 + 48), 0]
    assert counts['neck.vision_to_text'] == [2 * (48 * 32 + 32), 0]
    assert counts['backbone'][0] == 0 and counts['backbone'][1] > 0
    out = capsys.readouterr().out
    assert '| **total** | **7,264** |' in out

