"""Video features computed once per file across test sets
(MultiSetTestLoop(share_video_features=True) and
VLPromptRecognizer.shared_video_features): the same scores, fewer backbone
passes, clear errors."""
from contextlib import contextmanager

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from conftest import tiny_model_cfg
from test_evaluation_multiset import (BASE, BASE_TOP1, NOVEL, NOVEL_TOP1,
                                      PlannedModel, loader, make_runner)

NECK = dict(type='VLPromptLearner', num_text_tokens=3, num_vision_tokens=3,
            depth_text=2, depth_vision=2, ctx_init='a video of')


def _batch(names):
    """Clips that depend on the file name only, as a test pipeline's."""
    clips = torch.stack([torch.randn(4, 3, 32, 32, generator=torch.Generator(
        ).manual_seed(sum(map(ord, n)))) for n in names])  # (B, T, C, H, W)
    samples = []
    for i, name in enumerate(names):
        sample = ActionDataSample().set_gt_label(i % 2)
        sample.set_metainfo(dict(filename=name))
        samples.append(sample)
    return clips, samples


def test_predictions_equal_with_fewer_backbone_passes(tiny_clip_path):
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=dict(NECK)))
    model.eval()
    clips_seen = []
    original = model.backbone.forward

    def counting(inputs, *args, **kwargs):
        clips_seen.append(inputs.shape[0])
        return original(inputs, *args, **kwargs)

    model.backbone.forward = counting
    batches = [['a.mp4', 'b.mp4'], ['b.mp4', 'c.mp4'], ['c.mp4', 'a.mp4']]
    with torch.no_grad():
        plain = [model.predict(*_batch(b)) for b in batches]
        assert clips_seen == [2, 2, 2]
        clips_seen.clear()
        with model.shared_video_features() as cache:
            shared = [model.predict(*_batch(b)) for b in batches]
        assert clips_seen == [2, 1]  # 'c' new in batch 2, none in batch 3
        assert (cache.hits, cache.misses, len(cache)) == (3, 3, 3)
    assert model._video_cache is None  # dropped on exit
    for got, want in zip(shared, plain):
        for g, w in zip(got, want):
            torch.testing.assert_close(g.pred_score, w.pred_score)


def test_missing_filename_is_named(tiny_clip_path):
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=dict(NECK)))
    clips, samples = _batch(['a.mp4'])
    samples[0] = ActionDataSample().set_gt_label(0)
    with torch.no_grad(), model.shared_video_features(), \
            pytest.raises(KeyError, match='filename'):
        model.eval().predict(clips, samples)


class SharingModel(PlannedModel):
    def __init__(self):
        super().__init__()
        self.entered = []

    @contextmanager
    def shared_video_features(self):
        self.entered.append('in')
        yield
        self.entered.append('out')


def test_loop_scores_every_set_inside_one_sharing_block(tmp_path):
    runner = make_runner(tmp_path, mode='test', share_video_features=True)
    runner.model = SharingModel()
    metrics = runner.test()
    assert runner.model.entered == ['in', 'out']
    assert metrics['base/acc/top1'] == pytest.approx(BASE_TOP1)
    assert metrics['novel/acc/top1'] == pytest.approx(NOVEL_TOP1)


def test_loop_refuses_a_model_without_sharing(tmp_path):
    runner = make_runner(tmp_path, mode='test', share_video_features=True)
    with pytest.raises(TypeError, match='share_video_features'):
        runner.test()


def test_loop_refuses_a_non_bool(tmp_path):
    runner = make_runner(tmp_path, mode='test', share_video_features='yes',
                         loaders=[loader(BASE), loader(NOVEL)])
    with pytest.raises(ValueError, match='share_video_features'):
        runner.test()
