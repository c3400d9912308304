"""Prompted text encoder (exact truncation) and the scenario-guided loss."""
import open_clip
import pytest
import torch
from mmaction.registry import MODELS

from conftest import TINY_ARCH, tiny_model_cfg
from mmvlprompt.models.heads import PromptedTextEncoder
from mmvlprompt.models.heads.prompted_text_encoder import placeholder_texts
from mmvlprompt.models.losses import ScenarioGuidedLoss
from mmvlprompt.models.utils import build_clip

NAMES = ['yoga', 'playing guitar',
         'riding or walking with horse on a windy beach at sunset']
HAND = 'a video of a person doing {}.'


@pytest.fixture(scope='module')
def encoder_and_clip(tiny_clip_path):
    clip = build_clip(TINY_ARCH, tiny_clip_path)
    return PromptedTextEncoder(clip, TINY_ARCH), clip


def test_unprompted_encoder_equals_open_clip(encoder_and_clip):
    """Without prompts the truncated encoder equals encode_text."""
    encoder, clip = encoder_and_clip
    tokens = encoder.tokenize([HAND.format(n) for n in NAMES])
    with torch.no_grad():
        ours = encoder(tokens)
        ref = clip.encode_text(tokens)
    assert torch.allclose(ours, ref, atol=1e-5), (ours - ref).abs().max()


@pytest.mark.parametrize('depth', [1, 2, 3])
def test_truncation_is_exact_with_prompts(encoder_and_clip, depth):
    """max-EOT truncation matches the full 77-token run within 1e-5."""
    encoder, _ = encoder_and_clip
    torch.manual_seed(depth)
    prompts = [torch.randn(5, encoder.width) for _ in range(depth)]
    tokens = encoder.tokenize(placeholder_texts(NAMES, 5, HAND))
    eot = tokens.argmax(-1)
    assert len(set(eot.tolist())) == 3  # names of different lengths
    with torch.no_grad():
        encoder.truncate = True
        short = encoder(tokens, prompts)
        encoder.truncate = False
        full = encoder(tokens, prompts)
        encoder.truncate = True
    assert torch.allclose(short, full, atol=1e-5), (short - full).abs().max()
    # the deep prompts matter: dropping the last one changes the features
    if depth > 1:
        with torch.no_grad():
            fewer = encoder(tokens, prompts[:-1])
        assert not torch.allclose(fewer, short, atol=1e-4)


def test_context_equal_to_phrase_reproduces_hand_prompt(encoder_and_clip):
    """Placeholders overwritten with the phrase's embeddings give the
    hand-crafted prompt's features."""
    encoder, clip = encoder_and_clip
    phrase = 'a video of a person doing'
    ctx = encoder.embed_phrase(phrase)
    assert ctx.shape == (6, encoder.width)
    tokens = encoder.tokenize(placeholder_texts(NAMES, 6, HAND))
    with torch.no_grad():
        ours = encoder(tokens, [ctx])
        ref = clip.encode_text(
            open_clip.get_tokenizer(TINY_ARCH)([HAND.format(n)
                                                for n in NAMES]))
    assert torch.allclose(ours, ref, atol=1e-5)


def test_scenario_loss_zero_at_hand_prompt(tiny_clip_path):
    """loss_scenario is 0 when the learned prompt is the hand-crafted one,
    and positive with a gradient once the prompt moves."""
    neck = dict(type='VLPromptLearner', num_text_tokens=6,
                num_vision_tokens=6, depth_text=1, depth_vision=1,
                mapping='none')
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck))
    head = model.cls_head
    names = head.train_names
    prompts = model.neck()['text']
    loss = head.loss_scenario(head.text_features(names, prompts),
                              head.hand_features(names))
    assert loss.item() == pytest.approx(0.0, abs=1e-5)

    with torch.no_grad():
        model.neck.text_prompts.add_(
            0.5 * torch.randn_like(model.neck.text_prompts))
    prompts = model.neck()['text']
    loss = head.loss_scenario(head.text_features(names, prompts),
                              head.hand_features(names))
    assert loss.item() > 1e-3
    loss.backward()
    assert model.neck.text_prompts.grad.abs().sum() > 0


@pytest.mark.parametrize('distance', ['l1', 'mse', 'cosine'])
def test_scenario_loss_values(distance):
    """Each distance gives its formula on known inputs, times the weight."""
    learned = torch.tensor([[3.0, 4.0], [1.0, 0.0]], requires_grad=True)
    hand = torch.tensor([[4.0, 3.0], [1.0, 0.0]])
    loss = ScenarioGuidedLoss(distance=distance, loss_weight=2.0)(learned,
                                                                  hand)
    # normalised rows: (0.6, 0.8) vs (0.8, 0.6) and identical second rows
    expected = {'l1': 2.0 * (0.2 + 0.2) / 4,
                'mse': 2.0 * (0.04 + 0.04) / 4,
                'cosine': 2.0 * (1 - 0.96) / 2}[distance]
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert learned.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs, message', [
    (dict(distance='l2'), "distance='l2'"),
    (dict(loss_weight=-1.0), 'loss_weight=-1.0'),
])
def test_scenario_loss_rejects_bad_values(kwargs, message):
    """Unknown distances and negative weights fail naming the key."""
    with pytest.raises(ValueError, match=message):
        ScenarioGuidedLoss(**kwargs)


def test_hand_features_computed_once(tiny_clip_path):
    """Hand-crafted features are computed once per class set, no grad."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path))
    head = model.cls_head
    first = head.hand_features(head.train_names)
    second = head.hand_features(head.train_names)
    assert first is second and not first.requires_grad
