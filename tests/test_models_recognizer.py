"""VLPromptRecognizer: equivalence with open_clip, mapping init, training."""
import copy

import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper

from conftest import CLASS_NAMES, TINY_ARCH, tiny_model_cfg
from mmvlprompt.models.utils import build_clip

T = 4  # frames per view in tiny_model_cfg


def samples(labels):
    return [ActionDataSample().set_gt_label(int(lb)) for lb in labels]


def neck_cfg(**kwargs):
    cfg = dict(type='VLPromptLearner', num_text_tokens=8, num_vision_tokens=8,
               depth_text=3, depth_vision=3, mapping='both')
    cfg.update(kwargs)
    return cfg


def open_clip_scores(clip, frames, names, views):
    """Direct open_clip computation of the zero-shot video scores."""
    batch = frames.shape[0]
    with torch.no_grad():
        img = clip.encode_image(frames.flatten(0, 1))  # (B*V*T, D)
        video = F.normalize(img.view(batch, views, T, -1).mean(2), dim=-1)
        tok = open_clip.get_tokenizer(TINY_ARCH)(
            [f'a video of a person doing {n}.' for n in names])
        text = F.normalize(clip.encode_text(tok), dim=-1)
        probs = (clip.logit_scale.exp() * video @ text.t()).softmax(-1)
    return probs.mean(1)  # average the views' probabilities


@pytest.mark.parametrize('neck', [None, neck_cfg(depth_text=0,
                                                 depth_vision=0)])
@pytest.mark.parametrize('views', [1, 2])
def test_zero_shot_matches_open_clip(tiny_clip_path, neck, views):
    """Depth 0 + hand template reproduces open_clip's scores within 1e-5."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck)).eval()
    clip = build_clip(TINY_ARCH, tiny_clip_path)
    torch.manual_seed(0)
    frames = torch.randn(3, views * T, 3, 32, 32)
    with torch.no_grad():
        out = model.predict(frames, samples([0, 1, 2]))
    scores = torch.stack([o.pred_score for o in out])
    expected = open_clip_scores(clip, frames, CLASS_NAMES, views)
    assert scores.shape == (3, len(CLASS_NAMES))
    assert torch.allclose(scores, expected, atol=1e-5), \
        (scores - expected).abs().max()
    assert [int(o.pred_label) for o in out] == expected.argmax(-1).tolist()


def test_six_dim_input_equals_flattened(tiny_clip_path):
    """(B, V, T, C, H, W) and (B, V*T, C, H, W) inputs give equal features."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path,
                                        neck=neck_cfg())).eval()
    frames = torch.randn(2, 3, T, 3, 32, 32)
    with torch.no_grad():
        a = model(frames, mode='tensor')
        b = model(frames.flatten(1, 2), mode='tensor')
    assert a.shape == (2, 3, 32)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match='num_frames=4'):
        model(torch.randn(2, 7, 3, 32, 32), mode='tensor')


def test_mapping_is_zero_initialised(tiny_clip_path):
    """At init, mapping='both' gives exactly the logits of mapping='none'."""
    both = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck_cfg()))
    none = MODELS.build(
        tiny_model_cfg(tiny_clip_path, neck=neck_cfg(mapping='none')))
    # same independent prompts in both models
    none.neck.load_state_dict(both.neck.state_dict(), strict=False)
    assert len(both.neck.text_to_vision) == 3
    assert len(none.neck.text_to_vision) == 0
    frames = torch.randn(2, T, 3, 32, 32)
    with torch.no_grad():
        logits_both = both(frames, mode='tensor', stage='head')
        logits_none = none(frames, mode='tensor', stage='head')
    assert torch.equal(logits_both, logits_none)
    # a non-zero mapping changes them, so the comparison is meaningful
    with torch.no_grad():
        both.neck.text_to_vision[1].bias.normal_()  # not constant: LN
        changed = both(frames, mode='tensor', stage='head')
    assert not torch.allclose(changed, logits_none)


@pytest.mark.parametrize('mapping', ['both', 'text_to_vision',
                                     'vision_to_text', 'none'])
def test_train_step_freezes_clip_and_trains_prompts(tiny_clip_path, mapping):
    """After one train_step CLIP is bit-identical; every prompt layer and
    every mapping parameter received a non-zero gradient."""
    model = MODELS.build(
        tiny_model_cfg(tiny_clip_path, neck=neck_cfg(mapping=mapping)))
    # every tensor, CLIP included (the state dict is prompt-only by default)
    before = {k: v.clone() for k, v in model.named_parameters()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2,
                                  weight_decay=1e-3)
    wrapper = OptimWrapper(optimizer)
    grads = {}
    real_step = wrapper.step

    def step_and_record(**kwargs):
        grads.update({n: p.grad.clone() for n, p in model.named_parameters()
                      if p.grad is not None})
        real_step(**kwargs)

    wrapper.step = step_and_record
    data = dict(inputs=[torch.rand(T, 3, 32, 32) * 255 for _ in range(3)],
                data_samples=samples([0, 1, 2]))
    log_vars = model.train_step(data, wrapper)
    assert {'loss', 'loss_cls', 'loss_scenario'} <= set(log_vars)

    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('neck.') for n in trainable)
    assert set(grads) == trainable
    assert any(n.startswith('backbone.') for n in before)
    for name, tensor in model.named_parameters():
        if name.startswith(('backbone.', 'cls_head.')):
            assert torch.equal(tensor, before[name]), name
        else:
            assert not torch.equal(tensor, before[name]), name
    for name, grad in grads.items():
        if name.endswith('_prompts'):  # (depth, n, d): check every layer
            per_layer = grad.abs().flatten(1).sum(1)
            assert per_layer.shape[0] == 3
            assert (per_layer > 0).all(), (name, per_layer)
        else:
            assert grad.abs().sum() > 0, name
    expect = {'both': (3, 3), 'text_to_vision': (3, 0),
              'vision_to_text': (0, 3), 'none': (0, 0)}[mapping]
    assert (len(model.neck.text_to_vision),
            len(model.neck.vision_to_text)) == expect


def test_unfrozen_backbone_trains_clip(tiny_clip_path):
    """freeze_backbone=False makes the CLIP weights trainable (ViFi-CLIP)."""
    cfg = tiny_model_cfg(tiny_clip_path, neck=None, loss_scenario=None)
    cfg['freeze_backbone'] = False
    model = MODELS.build(cfg)
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    assert 'backbone.visual.conv1.weight' in names
    assert 'cls_head.text_encoder.token_embedding.weight' in names
    losses = model.loss(torch.randn(2, T, 3, 32, 32), samples([0, 2]))
    losses['loss_cls'].backward()
    assert model.backbone.visual.conv1.weight.grad.abs().sum() > 0


def test_multi_view_training_averages_views(tiny_clip_path):
    """Training with V > 1 views averages view logits before the loss."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck_cfg(),
                                        loss_scenario=None))
    frames = torch.randn(2, 2 * T, 3, 32, 32)
    losses = model.loss(frames, samples([0, 1]))
    logits = model(frames, mode='tensor', stage='head').view(2, 2, -1)
    expected = F.cross_entropy(logits.mean(1), torch.tensor([0, 1]))
    assert torch.allclose(losses['loss_cls'], expected, atol=1e-6)


def test_label_smoothing_value(tiny_clip_path):
    """label_smooth_eps gives the smoothed cross-entropy."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=None,
                                        label_smooth_eps=0.2,
                                        loss_scenario=None))
    frames = torch.randn(2, T, 3, 32, 32)
    losses = model.loss(frames, samples([0, 2]))
    logits = model(frames, mode='tensor', stage='head')
    expected = F.cross_entropy(logits, torch.tensor([0, 2]),
                               label_smoothing=0.2)
    assert torch.allclose(losses['loss_cls'], expected, atol=1e-6)


def test_label_out_of_range_names_the_class_source(tiny_clip_path, tmp_path):
    """A label beyond the class list fails with the label-map file named."""
    label_map = tmp_path / 'labels.txt'
    label_map.write_text('a\nb\n')
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=None,
                                        class_names=str(label_map)))
    with pytest.raises(ValueError, match='labels.txt'):
        model.loss(torch.randn(2, T, 3, 32, 32), samples([0, 5]))


def test_test_class_names_for_zero_shot(tiny_clip_path):
    """predict scores the test class set; loss uses the training set."""
    test_names = ['juggling', 'surfing', 'yoga', 'archery', 'bowling']
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck_cfg(),
                                        test_class_names=test_names)).eval()
    with torch.no_grad():
        out = model.predict(torch.randn(2, T, 3, 32, 32), samples([4, 1]))
    assert out[0].pred_score.shape == (5, )
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.0))
    model.train()
    losses = model.loss(torch.randn(2, T, 3, 32, 32), samples([0, 2]))
    assert losses['loss_cls'] > 0


def test_eval_text_cache_rebuilds_on_change(tiny_clip_path):
    """Eval text features are cached, and rebuilt when prompts, class set or
    text weights change; training recomputes every forward."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path,
                                        neck=neck_cfg())).eval()
    calls = []
    model.cls_head.text_encoder.register_forward_hook(
        lambda *args: calls.append(1))
    frames = torch.randn(1, T, 3, 32, 32)
    with torch.no_grad():
        first = model(frames, mode='tensor', stage='head')
        again = model(frames, mode='tensor', stage='head')
        assert len(calls) == 1 and torch.equal(first, again)
        model.neck.text_prompts.add_(torch.randn_like(model.neck.text_prompts))
        changed = model(frames, mode='tensor', stage='head')
        assert len(calls) == 2 and not torch.allclose(first, changed)
        model.cls_head.test_names = ['juggling', 'surfing']  # class set
        assert model(frames, mode='tensor', stage='head').shape == (1, 2)
        assert len(calls) == 3
        model.cls_head.text_encoder.ln_final.weight.mul_(2.0)  # weights
        model(frames, mode='tensor', stage='head')
        assert len(calls) == 4
    model.train()
    model.loss(frames, samples([0]))
    model.loss(frames, samples([1]))
    assert len(calls) == 4 + 2 + 1  # two forwards + hand features once


@pytest.mark.parametrize('neck, message', [
    (neck_cfg(depth_text=4), 'depth_text=4 exceeds the 3 layers'),
    (neck_cfg(depth_vision=5), 'depth_vision=5 exceeds the 3 layers'),
    (neck_cfg(num_vision_tokens=4), 'num_text_tokens == num_vision_tokens'),
    (neck_cfg(mapping='cross'), "neck.mapping='cross'"),
    (neck_cfg(num_text_tokens=3, num_vision_tokens=3), 'ctx_init'),
    (neck_cfg(depth_text=-1), 'depth_text=-1'),
    (neck_cfg(num_text_tokens=0), 'num_text_tokens=0'),
])
def test_bad_neck_values_name_the_key(tiny_clip_path, neck, message):
    """Invalid neck settings fail at build time naming the key."""
    with pytest.raises(ValueError, match=message.replace('(', r'\(')):
        MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck))


def test_unequal_tokens_allowed_without_mapping(tiny_clip_path):
    """Different token counts per branch are fine with mapping='none'."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck_cfg(
        mapping='none', num_text_tokens=7, num_vision_tokens=2)))
    prompts = model.neck()
    assert prompts['text'][0].shape == (7, 32)
    assert prompts['vision'][0].shape == (2, 48)
    out = model(torch.randn(1, T, 3, 32, 32), mode='tensor', stage='head')
    assert out.shape == (1, 3)


@pytest.mark.parametrize('change, message', [
    (dict(clip=dict(pretrained=None)), "'arch'"),
    (dict(clip=dict(arch=TINY_ARCH, weights='x')), 'unknown keys'),
    (dict(freeze_backbone='yes'), 'freeze_backbone'),
    (dict(backbone=dict(type='PromptedViT', num_frames=0)), 'num_frames=0'),
    (dict(cls_head=dict(type='PromptedTextHead', class_names=['a'],
                        template='a video of')), 'template'),
    (dict(cls_head=dict(type='PromptedTextHead', class_names=['a'],
                        average_clips='max')), 'average_clips'),
    (dict(cls_head=dict(type='PromptedTextHead', class_names=['a', 'a'])),
     'duplicate'),
    (dict(cls_head=dict(type='PromptedTextHead',
                        class_names='/no/such/labels.txt')),
     '/no/such/labels.txt'),
])
def test_bad_model_values_name_the_key(tiny_clip_path, change, message):
    """Invalid recognizer, backbone and head settings name the key."""
    cfg = tiny_model_cfg(tiny_clip_path)
    cfg.update(copy.deepcopy(change))
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        MODELS.build(cfg)


def test_wrong_frame_size_is_a_clear_error(tiny_clip_path):
    """Frames that do not match CLIP's input size fail naming both sizes."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path))
    with pytest.raises(ValueError, match=r'\(48, 48\).*\(32, 32\)'):
        model(torch.randn(1, T, 3, 48, 48), mode='tensor')
