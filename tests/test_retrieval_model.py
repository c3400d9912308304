"""VLPromptSimilarity, PromptedCaptionHead and the contrastive loss on the
tiny random CLIP: the learned context before each caption, the hand prompt
(the plain caption), the scenario loss, text caching, predict/loss modes."""
import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from mmvlprompt.models.utils import build_clip

TINY = dict(arch='vlp-tiny', pretrained=None, seed=3)


def _model(neck=True, **head):
    cfg = dict(
        type='VLPromptSimilarity', clip=dict(TINY),
        backbone=dict(type='PromptedViT', num_frames=2),
        neck=dict(type='VLPromptLearner', num_text_tokens=3,
                  num_vision_tokens=3, depth_text=2, depth_vision=2,
                  ctx_init='a video of') if neck else None,
        cls_head=dict(type='PromptedCaptionHead', **head))
    return MODELS.build(cfg)


def _frozen_text(texts):
    """Features of the unmodified open_clip model (same seed)."""
    clip = build_clip(**TINY)
    with torch.no_grad():
        return clip.encode_text(open_clip.get_tokenizer('vlp-tiny')(texts))


def _samples(texts, ids=None):
    out = []
    for i, text in enumerate(texts):
        sample = ActionDataSample()
        sample.set_metainfo(dict(text=text, video_id=i if ids is None
                                 else ids[i]))
        out.append(sample)
    return out


CAPTIONS = ['a man is cooking', 'two dogs run on a beach', 'a man is cooking']


def test_hand_prompt_is_the_plain_caption():
    head = _model().cls_head
    torch.testing.assert_close(head.hand_features(CAPTIONS[:2]),
                               _frozen_text(CAPTIONS[:2]), atol=1e-5, rtol=0)


def test_learned_context_goes_before_the_caption():
    """With P_t^0 set to the embeddings of 'a video of' and no deeper
    prompts, the prompted caption is exactly 'a video of <caption>'."""
    model = _model()
    head = model.cls_head
    context = head.embed_context('a video of')  # (3, d_t)
    feats = head.caption_features(CAPTIONS[:2], [context])
    torch.testing.assert_close(
        feats, _frozen_text([f'a video of {c}' for c in CAPTIONS[:2]]),
        atol=1e-5, rtol=0)
    # and the neck's ctx_init puts that phrase into P_t^0
    torch.testing.assert_close(model.neck.text_prompts[0], context)


def test_scenario_loss_pulls_prompted_captions_to_plain_ones():
    model = _model()
    model.train()
    video = torch.randn(3, 2, 3, 32, 32)
    losses = model(video, _samples(CAPTIONS, ids=[0, 1, 0]), mode='loss')
    assert set(losses) == {'loss_contrastive', 'loss_scenario'}
    prompted = model.cls_head.caption_features(CAPTIONS,
                                               model.prompts()['text'])
    expected = 25.0 * F.l1_loss(F.normalize(prompted, dim=-1),
                                F.normalize(_frozen_text(CAPTIONS), dim=-1))
    assert losses['loss_scenario'].item() == pytest.approx(
        expected.item(), rel=1e-4)
    assert losses['loss_scenario'].item() > 0
    sum(losses.values()).backward()
    trained = {n for n, p in model.named_parameters() if p.grad is not None
               and p.grad.abs().sum() > 0}
    assert trained and all(n.startswith('neck.') for n in trained), trained
    assert 'neck.text_prompts' in trained


def test_without_prompts_the_scenario_loss_is_zero():
    model = _model(neck=False)
    losses = model(torch.randn(2, 2, 3, 32, 32), _samples(CAPTIONS[:2]),
                   mode='loss')
    assert losses['loss_scenario'].item() == pytest.approx(0, abs=1e-6)


def test_hand_features_are_encoded_once_per_caption():
    head = _model().cls_head
    first = head.hand_features(CAPTIONS)  # 2 distinct captions
    assert head.encoded_texts == 2
    again = head.hand_features(CAPTIONS[::-1] + ['a cat sleeps'])
    assert head.encoded_texts == 3  # only the new caption
    torch.testing.assert_close(again[:3], first.flip(0))
    uncached = _model(cache_text=False).cls_head
    uncached.hand_features(CAPTIONS)
    uncached.hand_features(CAPTIONS)
    assert uncached.encoded_texts == 6


def test_eval_caption_features_are_cached_until_prompts_change():
    # seeded: for some random inits (e.g. seed 11, or whatever state the
    # tests before leave) the prompt change moves the features by less
    # than allclose's tolerance
    torch.manual_seed(0)
    model = _model().eval()
    head = model.cls_head
    with torch.no_grad():
        first = head.caption_features(CAPTIONS, model.prompts()['text'])
        assert head.encoded_texts == 2
        again = head.caption_features(CAPTIONS[:1], model.prompts()['text'])
        assert head.encoded_texts == 2  # from the cache
        torch.testing.assert_close(again, first[:1])
        model.neck.text_prompts.add_(0.5)  # e.g. a training step
        changed = head.caption_features(CAPTIONS, model.prompts()['text'])
        assert head.encoded_texts == 4
    assert not torch.allclose(changed, first)
    model.train()  # training never uses the cache
    head.caption_features(CAPTIONS, model.prompts()['text'])
    assert head.encoded_texts == 7


def test_predict_embeds_each_video_and_caption_once():
    model = _model().eval()
    samples = _samples([['a man is cooking', 'a cook in a kitchen'],
                        'two dogs run on a beach'])
    with torch.no_grad():
        out = model(torch.randn(2, 2, 3, 32, 32), samples, mode='predict')
        video = model(torch.randn(2, 2, 3, 32, 32), mode='tensor')
    assert out[0].video_feature.shape == (32, ) == video.shape[1:]
    assert out[0].text_feature.shape == (2, 32)
    assert out[1].text_feature.shape == (1, 32)
    assert model.cls_head.encoded_texts == 3


def test_training_needs_one_caption_per_sample():
    model = _model()
    with pytest.raises(ValueError, match='one caption per sample'):
        model(torch.randn(1, 2, 3, 32, 32), _samples([['a', 'b']]),
              mode='loss')
    bad = ActionDataSample()
    with pytest.raises(ValueError, match="metainfo \"text\""):
        model(torch.randn(1, 2, 3, 32, 32), [bad], mode='loss')


def test_contrastive_loss_is_clip_loss_with_same_video_positives():
    loss = MODELS.build(dict(type='SymmetricContrastiveLoss'))
    gen = torch.Generator().manual_seed(0)
    video, text = torch.randn(4, 8, generator=gen), torch.randn(4, 8,
                                                                generator=gen)
    scale = torch.tensor(10.0)
    logits = scale * F.normalize(video) @ F.normalize(text).t()
    clip_loss = (F.cross_entropy(logits, torch.arange(4)) +
                 F.cross_entropy(logits.t(), torch.arange(4))) / 2
    assert loss(video, text, scale).item() == pytest.approx(clip_loss.item())
    # pairs 0 and 2 show the same video: each is the other's positive
    target = torch.tensor([[.5, 0, .5, 0], [0, 1, 0, 0], [.5, 0, .5, 0],
                           [0, 0, 0, 1]])
    soft = (F.cross_entropy(logits, target) +
            F.cross_entropy(logits.t(), target)) / 2
    got = loss(video, text, scale, torch.tensor([7, 3, 7, 1]))
    assert got.item() == pytest.approx(soft.item())
    assert got.item() != pytest.approx(clip_loss.item())


def test_bad_keys_are_named():
    with pytest.raises(ValueError, match='cls_head.template'):
        _model(template='no slot')
    with pytest.raises(ValueError, match='cls_head.text_batch_size'):
        _model(text_batch_size=0)
    with pytest.raises(ValueError, match='loss_contrastive.loss_weight'):
        MODELS.build(dict(type='SymmetricContrastiveLoss', loss_weight=-1))
    with pytest.raises(ValueError, match='model.clip: unknown keys'):
        MODELS.build(dict(type='VLPromptSimilarity',
                          clip=dict(arch='vlp-tiny', size=3),
                          backbone=dict(type='PromptedViT'),
                          cls_head=dict(type='PromptedCaptionHead')))


def _held_pair():
    torch.manual_seed(0)
    plain = _model()
    torch.manual_seed(0)
    held = MODELS.build(dict(
        type='VLPromptSimilarity', clip=dict(TINY),
        backbone=dict(type='PromptedViT', num_frames=2),
        neck=dict(type='VLPromptLearner', num_text_tokens=3,
                  num_vision_tokens=3, depth_text=2, depth_vision=2,
                  ctx_init='a video of'),
        cls_head=dict(type='PromptedCaptionHead'),
        frozen_dtype='bfloat16'))
    return plain, held


def test_frozen_dtype_holds_the_retrieval_model_in_bf16():
    """``frozen_dtype`` (what ``--amp`` sets) holds the retrieval model's
    frozen CLIP in bf16; it computes under its own autocast, predicts fp32
    features close to the fp32 model's, and trains fp32 prompts."""
    plain, held = _held_pair()
    assert held.backbone.visual.conv1.weight.dtype == torch.bfloat16
    assert held.neck.text_prompts.dtype == torch.float32
    frames = torch.randn(2, 2, 3, 32, 32,
                         generator=torch.Generator().manual_seed(0))
    texts = ['a dog runs', 'a cat sleeps']
    with torch.no_grad():
        out_p = plain.eval()(frames, _samples(texts), mode='predict')
        out_h = held.eval()(frames, _samples(texts), mode='predict')
    for a, b in zip(out_p, out_h):
        for key in ('video_feature', 'text_feature'):
            fa, fb = a.get(key), b.get(key)
            assert fb.dtype == torch.float32, key
            assert F.cosine_similarity(fa.flatten(), fb.flatten(),
                                       dim=0) > 0.99, key
    losses = held.train()(frames, _samples(texts), mode='loss')
    sum(losses.values()).backward()
    grad = held.neck.text_prompts.grad
    assert grad is not None and grad.dtype == torch.float32
    assert grad.abs().sum() > 0


def test_amp_holds_the_retrieval_configs_frozen_clip():
    from mmengine.config import Config

    from conftest import REPO
    from mmvlprompt.engine import apply_amp
    cfg = Config.fromfile(str(REPO / 'configs/retrieval/vilt-clip_msrvtt-9k_8f.py'))
    apply_amp(cfg)
    assert cfg.model.frozen_dtype == 'bfloat16'  # CPU: bf16 autocast
