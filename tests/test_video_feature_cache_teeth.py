"""VideoFeatureCache (mmvlprompt/models/utils/video_feature_cache.py) on
known features, and the edges of the share_video_features path: training
inside the sharing block, and a wrapped (DDP-like) model in
MultiSetTestLoop."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from conftest import tiny_model_cfg
from mmvlprompt.models.utils.video_feature_cache import VideoFeatureCache
from test_evaluation_multiset import BASE_TOP1, NOVEL_TOP1, make_runner
from test_multiset_loop_details import _TestWrapper
from test_shared_video_features import NECK, SharingModel, _batch


def _samples(names):
    out = []
    for name in names:
        sample = ActionDataSample()
        sample.set_metainfo(dict(filename=name))
        out.append(sample)
    return out


def test_cache_returns_each_videos_feature_in_batch_order():
    """A video's 'feature' is 10 x its clip; clips are the video's number.
    Only the clips of unseen videos reach compute, in batch order."""
    number = dict(a=1.0, b=2.0, c=3.0)
    calls = []

    def compute(clips):
        calls.append(clips.flatten().tolist())
        return clips.reshape(-1, 1, 1) * 10  # (M, V=1, D=1)

    cache = VideoFeatureCache()
    for names, fresh in ((['b', 'a'], [2.0, 1.0]),
                         (['a', 'c', 'b', 'c'], [3.0, 3.0]),
                         (['c'], None)):
        clips = torch.tensor([number[n] for n in names])
        got = cache.features(clips, _samples(names), compute)
        assert got.shape == (len(names), 1, 1)
        assert got.flatten().tolist() == [10 * number[n] for n in names]
        if fresh is None:
            assert not calls
        else:
            assert calls.pop() == fresh
    assert (cache.hits, cache.misses, len(cache)) == (2 + 1, 2 + 2, 3)


def test_training_inside_the_sharing_block_does_not_use_the_cache(
        tiny_clip_path):
    """A loss computed inside shared_video_features() runs the backbone on
    every clip of its batch, with gradients to the vision prompts, and
    equals the loss computed outside."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=dict(NECK)))
    seen = []
    original = model.backbone.forward

    def counting(inputs, *args, **kwargs):
        seen.append(inputs.shape[0])
        return original(inputs, *args, **kwargs)

    model.backbone.forward = counting
    names = ['a.mp4', 'b.mp4']
    model.train()
    outside = model.loss(*_batch(names))['loss_cls']
    seen.clear()
    with model.shared_video_features() as cache:
        with torch.no_grad():
            model.eval().predict(*_batch(names))
        assert seen == [2] and len(cache) == 2
        model.train()
        model.zero_grad()
        inside = model.loss(*_batch(names))['loss_cls']
        assert seen == [2, 2]  # the loss computed both clips again
        inside.backward()
    torch.testing.assert_close(inside, outside)
    # what the vision prompts are made of: P_v and the text-to-vision map
    grads = [p.grad for name, p in model.neck.named_parameters()
             if name.startswith(('vision_prompts', 'text_to_vision'))]
    assert grads and all(g is not None and g.abs().sum() > 0
                         for g in grads)


def test_a_wrapped_model_shares_through_its_module(tmp_path):
    runner = make_runner(tmp_path, mode='test', share_video_features=True)
    inner = SharingModel()
    runner.model = _TestWrapper(inner)
    metrics = runner.test()
    assert inner.entered == ['in', 'out']
    assert metrics['base/acc/top1'] == pytest.approx(BASE_TOP1)
    assert metrics['novel/acc/top1'] == pytest.approx(NOVEL_TOP1)
