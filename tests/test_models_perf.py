"""Exactness of the performance options: the class-shared text prefix and
gradient checkpointing give the same features and gradients (fp32, 1e-5)."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from conftest import tiny_model_cfg
from mmvlprompt.models.heads import PromptedTextEncoder
from mmvlprompt.models.heads.prompted_text_encoder import placeholder_texts
from mmvlprompt.models.utils import add_clip_config, build_clip
from mmvlprompt.models.utils.shared_prefix import (packed_layout,
                                                   shared_prefix_length)

DEEP_ARCH = 'vlp-tiny-deep'  # test-only: 9 vision and 10 text layers
NAMES = ['yoga', 'playing guitar',
         'riding or walking with horse on a windy beach at sunset while '
         'juggling three burning torches and singing loudly']
HAND = 'a video of a person doing {}.'
TOL = 1e-5


@pytest.fixture(scope='module')
def deep_arch():
    add_clip_config(DEEP_ARCH, dict(
        embed_dim=32,
        vision_cfg=dict(image_size=32, layers=9, width=48, head_width=16,
                        patch_size=8),
        text_cfg=dict(context_length=77, vocab_size=49408, width=32, heads=2,
                      layers=10)))
    return DEEP_ARCH


def _max_diff(a, b):
    return (a - b).abs().max().item()


def _features_and_grads(encoder, tokens, prompts):
    prompts = [p.detach().clone().requires_grad_() for p in prompts]
    feats = encoder(tokens, prompts)
    # a loss that weights every class and feature differently
    weights = torch.linspace(-1, 1, feats.numel()).view_as(feats)
    (feats * weights).sum().backward()
    return feats.detach(), [p.grad for p in prompts]


@pytest.mark.parametrize('depth', [0, 1, 9])
@pytest.mark.parametrize('truncate', [True, False])
def test_shared_prefix_equals_full_encoder(deep_arch, depth, truncate):
    """share_prefix gives the features and prompt gradients of
    share_prefix=False, for names of very different lengths packed into one
    stream."""
    clip = build_clip(deep_arch, seed=3)
    shared = PromptedTextEncoder(clip, deep_arch, truncate, share_prefix=True)
    full = PromptedTextEncoder(clip, deep_arch, truncate, share_prefix=False)
    torch.manual_seed(depth)
    n = 5
    prompts = [torch.randn(n, shared.width) * 0.5 for _ in range(depth)]
    texts = placeholder_texts(NAMES, n, HAND) if depth else \
        [HAND.format(name) for name in NAMES]
    tokens = shared.tokenize(texts)
    eot = tokens.argmax(-1)
    assert eot.max() - eot.min() >= 20  # very different lengths
    feats_s, grads_s = _features_and_grads(shared, tokens, prompts)
    feats_f, grads_f = _features_and_grads(full, tokens, prompts)
    assert _max_diff(feats_s, feats_f) < TOL
    for layer, (gs, gf) in enumerate(zip(grads_s, grads_f)):
        assert gf.abs().max() > 0, f'no gradient into prompt {layer}'
        assert _max_diff(gs, gf) < TOL, layer


def test_shared_prefix_length():
    """The prefix is the common leading run, capped before the first EOT."""
    tokens = torch.tensor([[9, 5, 5, 7, 99, 0], [9, 5, 5, 8, 3, 99]])
    assert shared_prefix_length(tokens, tokens.argmax(-1)) == 3
    one = tokens[:1]  # a single class keeps its EOT in the suffix
    assert shared_prefix_length(one, one.argmax(-1)) == 4


def test_packed_layout():
    """The packed stream holds the prefix once, then each suffix up to its
    end; the index maps round-trip between stream and padded batch."""
    tokens = torch.tensor([[9, 5, 7, 99, 0, 0],
                           [9, 5, 8, 3, 4, 99],
                           [9, 5, 99, 0, 0, 0]])
    layout = packed_layout(tokens, [4, 6, 3], prefix_len=2)
    assert (layout.prefix_len, layout.suffix_len, layout.num_texts) == \
        (2, 4, 3)
    assert layout.token_ids.tolist() == [9, 5, 7, 99, 8, 3, 4, 99, 99]
    assert layout.positions.tolist() == [0, 1, 2, 3, 2, 3, 4, 5, 2]
    assert layout.eot_index.tolist() == [3, 7, 8]
    suffix = layout.token_ids[2:]
    padded = suffix[layout.pad_index].view(3, 4)
    real = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]).bool()
    assert padded[real].tolist() == suffix.tolist()
    # every stream token comes back from its own slot of the padded batch
    # [prefix ; suffix ; padding] (K * (P + S) slots), the prefix from the
    # first text
    batch = torch.cat([tokens[:, :2], padded], dim=1).flatten()
    assert batch[layout.out_index].tolist() == layout.token_ids.tolist()
    assert layout.out_index[:2].tolist() == [0, 1]
    # texts run to the full context: the EOT is read where it is
    full = packed_layout(tokens, [6, 6, 6], prefix_len=2, eot=[3, 5, 2])
    assert full.eot_index.tolist() == [3, 9, 10]
    assert full.token_ids[full.eot_index].tolist() == [99, 99, 99]
    with pytest.raises(ValueError) as info:
        packed_layout(tokens, [4, 2, 3], prefix_len=2)
    assert str(info.value) == ('packed_layout: every text needs at least '
                               'one position after the shared prefix.')
    # an EOT must lie in its own suffix: inside the prefix, or one past the
    # text's end, is refused
    for eot in ([3, 5, 1], [4, 5, 2], [3, 6, 2]):
        with pytest.raises(ValueError) as info:
            packed_layout(tokens, [4, 6, 3], prefix_len=2, eot=eot)
        assert str(info.value) == \
            'packed_layout: an EOT lies outside its suffix.', eot


def _recognizer(clip_cfg, mapping, **head):
    neck = dict(type='VLPromptLearner', num_text_tokens=6,
                num_vision_tokens=6, depth_text=9, depth_vision=9,
                mapping=mapping)
    cfg = tiny_model_cfg(None, neck=neck, **head)
    cfg['clip'] = clip_cfg
    return MODELS.build(cfg)


def _randomise(model):
    """Non-zero mappings and larger prompts, so every path matters."""
    torch.manual_seed(0)
    with torch.no_grad():
        for param in model.neck.parameters():
            param.copy_(torch.randn_like(param) * 0.2)


def _loss_and_grads(model, frames, labels):
    samples = [ActionDataSample().set_gt_label(int(lb)) for lb in labels]
    model.zero_grad()
    losses = model.loss(frames, samples)
    total = sum(losses.values())
    total.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()
             if p.requires_grad}
    return losses, grads


def _check_same(model_a, model_b):
    model_b.load_state_dict(model_a.state_dict())
    torch.manual_seed(1)
    frames = torch.randn(2, 4, 3, 32, 32)
    losses_a, grads_a = _loss_and_grads(model_a, frames, [0, 2])
    losses_b, grads_b = _loss_and_grads(model_b, frames, [0, 2])
    for key in losses_a:
        assert abs(losses_a[key].item() - losses_b[key].item()) < TOL, key
    assert grads_a.keys() == grads_b.keys() and len(grads_a) > 0
    for key in grads_a:
        assert _max_diff(grads_a[key], grads_b[key]) < TOL, key
    model_a.eval()
    model_b.eval()
    with torch.no_grad():  # eval path, through the text-feature cache
        for _ in range(2):
            a = model_a(frames, mode='tensor')
            b = model_b(frames, mode='tensor')
            logits_a = model_a.cls_head(a, [p for p in
                                            model_a.neck()['text']])
            logits_b = model_b.cls_head(b, [p for p in
                                            model_b.neck()['text']])
            assert _max_diff(logits_a, logits_b) < 1e-4


@pytest.mark.parametrize('mapping',
                         ['both', 'text_to_vision', 'vision_to_text', 'none'])
def test_shared_prefix_through_recognizer(deep_arch, mapping):
    """The full recognizer at depth 9: losses and every trainable gradient
    agree with share_prefix on and off, for every mapping mode."""
    clip_cfg = dict(arch=deep_arch, pretrained=None)
    shared = _recognizer(clip_cfg, mapping, share_prefix=True)
    full = _recognizer(clip_cfg, mapping, share_prefix=False)
    _randomise(shared)
    _check_same(shared, full)


def test_gradient_checkpointing_equal_gradients(deep_arch):
    """with_cp on the backbone and the text encoder (shared prefix and
    full) leaves losses and gradients unchanged."""
    clip_cfg = dict(arch=deep_arch, pretrained=None)
    plain = _recognizer(clip_cfg, 'both')
    _randomise(plain)
    for share in (True, False):
        ckpt = _recognizer(clip_cfg, 'both', share_prefix=share,
                           with_cp=True)
        ckpt.backbone.with_cp = True
        assert ckpt.cls_head.text_encoder.with_cp
        plain.train()
        _check_same(plain, ckpt)


@pytest.mark.parametrize('key, value', [('share_prefix', 1),
                                        ('with_cp', 'yes')])
def test_perf_keys_are_validated(tiny_clip_path, key, value):
    """Non-boolean switches fail naming the key."""
    with pytest.raises(ValueError, match=f'cls_head.{key}'):
        MODELS.build(tiny_model_cfg(tiny_clip_path, **{key: value}))
    cfg = tiny_model_cfg(tiny_clip_path)
    cfg['backbone']['with_cp'] = 'yes'
    with pytest.raises(ValueError, match='backbone.with_cp'):
        MODELS.build(cfg)
