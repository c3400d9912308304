"""MaPLe as published, and the IVLP ablation with a text->vision residual.

MaPLe generates every vision prompt from the text prompt of its layer
(``independent_vision_prompts=False``, PyTorch-default coupling Linears);
the residual ablation adds a zero-initialised mapping to independent vision
prompts and must compute what it computed before it was renamed.
"""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from conftest import TINY_ARCH

REPO = Path(__file__).resolve().parents[1]
NAMES = ['jumping', 'playing guitar', 'swimming']


def peer_model(name, **neck):
    """The model of ``configs/baselines/<name>_k400.py`` on the tiny CLIP
    (3 + 3 layers), with prompts at all 3 layers."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'baselines' /
                              f'{name}_k400.py')).model
    cfg.clip = dict(arch=TINY_ARCH, pretrained=None, seed=3)
    cfg.backbone.num_frames = 2
    cfg.cls_head.class_names = list(NAMES)
    if cfg.neck is not None:
        cfg.neck.update(dict(dict(depth_text=3, depth_vision=3), **neck))
    return MODELS.build(cfg)


def test_maple_vit_b16_has_maples_3_555_072_trainable_parameters():
    """configs/baselines/maple-shared_k400.py on ViT-B/16 (random weights): 9 x 2
    text tokens and 9 separate Linear(512, 768), nothing else."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'baselines' /
                              'maple-shared_k400.py'))
    assert cfg.model.clip.arch == 'ViT-B-16'
    cfg.model.clip.pretrained = None
    cfg.model.cls_head.class_names = NAMES
    model = MODELS.build(cfg.model)
    trainable = {n: p.numel() for n, p in model.named_parameters()
                 if p.requires_grad}
    assert sum(trainable.values()) == 3_555_072
    assert model.neck.vision_prompts is None
    assert len(model.neck.text_to_vision) == 9
    assert len(model.neck.vision_to_text) == 0
    assert model.neck.text_prompts.shape == (9, 2, 512)
    # "a photo" learnt, "of a" kept as words: the encoder reads MaPLe's text
    head = model.cls_head
    assert torch.equal(head._tokens(['jumping'], 2),
                       head.text_encoder.tokenize(['a photo of a jumping.']))
    assert torch.equal(model.neck.text_prompts[0],
                       head.embed_context('a photo'))


def test_maple_vision_prompts_are_the_coupled_text_prompts_at_init():
    model = peer_model('maple-shared')
    neck = model.neck
    prompts = neck()
    assert len(prompts['vision']) == 3
    weights = [m.weight for m in neck.text_to_vision]
    for layer, (text, vision) in enumerate(zip(prompts['text'],
                                               prompts['vision'])):
        lin = neck.text_to_vision[layer]
        assert torch.equal(vision, F.linear(text, lin.weight, lin.bias))
        assert vision.abs().min() > 0, layer
        # PyTorch's default init: uniform in +-1/sqrt(d_t), not zeros
        bound = 1 / lin.in_features ** 0.5
        assert lin.weight.abs().max() <= bound
        assert lin.weight.std() > bound / 3
    # one Linear per layer, not shared
    assert len({id(w) for w in weights}) == 3
    assert not torch.equal(weights[0], weights[1])
    # the fixed "of a" sits in the class-shared prefix: sharing stays exact
    head = model.cls_head
    with torch.no_grad():
        shared = head.text_features(NAMES, prompts['text'])
        head.text_encoder.share_prefix = False
        full = head.text_features(NAMES, prompts['text'])
    torch.testing.assert_close(shared, full, rtol=0, atol=1e-5)


def _text_grads_through_vision_only(model):
    """Per-layer gradient of ``P_t`` from the classification loss with the
    text branch cut off (its prompts detached)."""
    model.train()
    prompts = model.neck()
    inputs = torch.rand(3, 2, 3, 32, 32)  # (B, T, C, H, W)
    feats = model.backbone(inputs, prompts['vision'])  # (B, 1, D)
    data_samples = [ActionDataSample().set_gt_label(i) for i in range(3)]
    losses = model.cls_head.loss(
        feats, data_samples, text_prompts=[t.detach() for t in
                                           prompts['text']])
    losses['loss_cls'].backward()
    return model.neck.text_prompts.grad.abs().flatten(1).sum(1)  # (J_t,)


def test_maple_text_prompts_learn_from_the_vision_branch_alone():
    per_layer = _text_grads_through_vision_only(peer_model('maple-shared'))
    assert per_layer.shape == (3, )
    assert (per_layer > 0).all(), per_layer
    # the residual ablation starts with a zero mapping: no such gradient
    per_layer = _text_grads_through_vision_only(
        peer_model('ivlp-t2v-residual'))
    assert (per_layer == 0).all(), per_layer


# Logits of the residual mode computed with the code of main at 8fec057,
# before the rename (mapping='text_to_vision', zero init, independent
# vision prompts), for the construction in _residual_logits.
RESIDUAL_REFERENCE = [-0.99657, -3.25955, -2.40948, -1.08584, -2.97946,
                      -1.95637]


def _residual_model(**neck):
    cfg = dict(
        type='VLPromptRecognizer',
        clip=dict(arch=TINY_ARCH, pretrained=None, seed=7),
        backbone=dict(type='PromptedViT', num_frames=2),
        neck=dict(type='VLPromptLearner', num_text_tokens=4,
                  num_vision_tokens=4, depth_text=3, depth_vision=2,
                  ctx_init='a photo of', **neck),
        cls_head=dict(type='PromptedTextHead', class_names=NAMES,
                      loss_scenario=None))
    torch.manual_seed(0)
    return MODELS.build(cfg).eval()


def _logits(model):
    x = torch.randn(2, 2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return model(x, mode='tensor', stage='head')


def test_residual_mode_is_numerically_unchanged():
    model = _residual_model(mapping='text_to_vision')
    assert model.neck.independent_vision_prompts
    assert model.neck.mapping_init == 'zeros'
    assert sorted(model.neck.state_dict()) == [
        'text_prompts', 'text_to_vision.bias', 'text_to_vision.weight',
        'vision_prompts']
    assert all(not m.weight.any() and not m.bias.any()
               for m in model.neck.text_to_vision)
    with torch.no_grad():  # give the residual term a value
        for i, lin in enumerate(model.neck.text_to_vision):
            lin.weight.copy_(torch.linspace(-0.05, 0.05, lin.weight.numel())
                             .view_as(lin.weight) * (i + 1))
            lin.bias.fill_(0.01 * (i + 1))
    logits = _logits(model)
    assert logits.flatten().tolist() == pytest.approx(RESIDUAL_REFERENCE,
                                                      abs=1e-4)
    # equivalent construction: IVLP whose vision prompts are P_v + M(P_t)
    ivlp = _residual_model(mapping='none')
    with torch.no_grad():
        ivlp.neck.text_prompts.copy_(model.neck.text_prompts)
        for layer, lin in enumerate(model.neck.text_to_vision):
            ivlp.neck.vision_prompts[layer] = (
                model.neck.vision_prompts[layer] +
                lin(model.neck.text_prompts[layer]))
    torch.testing.assert_close(_logits(ivlp), logits, rtol=0, atol=1e-6)


@pytest.mark.parametrize('neck, key', [
    (dict(independent_vision_prompts=False, mapping='both'),
     'independent_vision_prompts'),
    (dict(independent_vision_prompts=False, mapping='none',
          mapping_init='zeros'),
     'independent_vision_prompts'),
    (dict(independent_vision_prompts=False, mapping='vision_to_text'),
     'independent_vision_prompts'),
    (dict(independent_vision_prompts=False, depth_vision=3, depth_text=2),
     'depth_vision'),
    (dict(independent_vision_prompts=False, depth_vision=0), 'depth_vision'),
    (dict(num_vision_tokens=4), 'num_text_tokens == num_vision_tokens'),
    (dict(mapping='none', mapping_init='default'), 'mapping_init'),
    (dict(mapping_init='kaiming'), 'mapping_init'),
    (dict(independent_vision_prompts='no'), 'independent_vision_prompts'),
    (dict(fixed_ctx_tail=False), 'fixed_ctx_tail=True'),
])
def test_meaningless_couplings_are_refused(neck, key):
    """Each refusal names the key at fault."""
    with pytest.raises(ValueError, match=key):
        peer_model('maple-shared', **neck)


def test_peer_variants_adapt_by_depth_only():
    """Overriding only depth_text/depth_vision adapts the MaPLe dict to a
    smaller CLIP: 3 layers x 2 tokens, 3 couplings, nothing independent."""
    model = peer_model('maple-shared')
    tiny = model.cls_head.text_width, model.backbone.width  # (32, 48)
    assert model.neck.text_prompts.shape == (3, 2, tiny[0])
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == \
        3 * 2 * tiny[0] + 3 * (tiny[0] * tiny[1] + tiny[1])


def test_vificlip_mixup_cutmix_trains_on_soft_labels():
    """ViFi-CLIP's batch augments are wired: num_classes comes from the
    class names, training batches get blended soft labels, and loss_cls is
    the label-smoothed soft cross-entropy over them."""
    model = peer_model('vificlip')
    blending = model.data_preprocessor.blending
    assert [type(a).__name__ for a in blending.augments] == [
        'MixupBlending', 'CutmixBlending']
    assert [a.num_classes for a in blending.augments] == [3, 3]
    torch.manual_seed(0)
    frames = [torch.rand(2, 3, 32, 32) * 255 for _ in range(4)]
    data = dict(inputs=frames, data_samples=[
        ActionDataSample().set_gt_label(i % 3) for i in range(4)])
    batch = model.data_preprocessor(data, training=True)
    labels = torch.stack([d.gt_label for d in batch['data_samples']])
    assert labels.shape == (4, 3)  # soft, one row per clip
    torch.testing.assert_close(labels.sum(1), torch.ones(4))
    assert ((labels > 0) & (labels < 1)).any()  # blended, not one-hot
    plain = model.data_preprocessor(data, training=False)['inputs']
    assert not torch.equal(batch['inputs'], plain)
    model.train()
    losses = model.loss(batch['inputs'], batch['data_samples'])
    head = model.cls_head
    feats, _ = model.extract_feat(batch['inputs'])
    logits = head.logits(feats, head.text_features(head.train_names))
    target = 0.9 * labels + 0.1 / 3  # label_smooth_eps=0.1
    expected = -(target * logits.log_softmax(1)).sum(1).mean()
    torch.testing.assert_close(losses['loss_cls'], expected)


def test_blending_num_classes_must_match_the_class_names():
    cfg = Config.fromfile(str(REPO / 'configs' / 'baselines' /
                              'vificlip_k400.py')).model
    cfg.clip = dict(arch=TINY_ARCH, pretrained=None)
    cfg.cls_head.class_names = list(NAMES)
    cfg.data_preprocessor.blending.augments[1].num_classes = 400
    with pytest.raises(ValueError, match=r'blending\.augments\.1\.'
                       r'num_classes=400 .* 3 training classes'):
        MODELS.build(cfg)
