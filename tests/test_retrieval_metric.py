"""Retrieval ranks and metric: hand-made similarities, ties, chunking,
multi-caption v2t, parity with MMAction2's RetrievalMetric."""
import numpy as np
import pytest
import torch
from mmaction.evaluation import RetrievalMetric

from mmvlprompt.evaluation import (VideoTextRetrievalMetric, rank_metrics,
                                   retrieval_ranks)

# text x video similarities; every row holds the same values, so every text
# embedding has the same norm and cosine keeps this exact order both ways
SIM = torch.tensor([[0.9, 0.5, 0.1],   # t0 -> v0 (own, rank 0)
                    [0.5, 0.9, 0.1],   # t1 -> v0 (rank 1)
                    [0.1, 0.5, 0.9],   # t2 -> v1 (rank 1)
                    [0.9, 0.1, 0.5]])  # t3 -> v2 (rank 1)
TEXT_TO_VIDEO = torch.tensor([0, 0, 1, 2])


def _reference(video, text, text_to_video):
    """Stable-sort ranks from the full similarity matrix (numpy)."""
    video = video / np.linalg.norm(video, axis=1, keepdims=True)
    text = text / np.linalg.norm(text, axis=1, keepdims=True)
    sim = text @ video.T
    t2v = [int(np.where(np.argsort(-row, kind='stable') == gt)[0][0])
           for row, gt in zip(sim, text_to_video)]
    v2t = []
    for v, col in enumerate(sim.T):
        order = np.argsort(-col, kind='stable')
        v2t.append(int(np.where(text_to_video[order] == v)[0][0]))
    return np.array(t2v), np.array(v2t)


@pytest.mark.parametrize('chunk', [1, 2, 1024])
def test_ranks_of_a_hand_made_similarity_matrix(chunk):
    t2v, v2t = retrieval_ranks(torch.eye(3), SIM, TEXT_TO_VIDEO, chunk)
    assert t2v.tolist() == [0, 1, 1, 1]
    # v0: best own caption t0 (0.9), ties with t3 which comes later -> 0;
    # v1: own t2 (0.5) is beaten by t1 (0.9) and tied by t0 (earlier) -> 2;
    # v2: own t3 (0.5) is beaten by t2 (0.9) -> 1
    assert v2t.tolist() == [0, 2, 1]


def test_metric_values_of_a_hand_made_similarity_matrix():
    metric = VideoTextRetrievalMetric()
    samples = [dict(video_feature=torch.eye(3)[v],
                    text_feature=SIM[TEXT_TO_VIDEO == v]) for v in range(3)]
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx({
        't2v_R1': 25.0, 't2v_R5': 100.0, 't2v_R10': 100.0,
        't2v_MdR': 2.0, 't2v_MnR': 1.75,
        'v2t_R1': 100 / 3, 'v2t_R5': 100.0, 'v2t_R10': 100.0,
        'v2t_MdR': 2.0, 'v2t_MnR': 2.0})
    assert list(out) == [f'{d}_{m}' for d in ('t2v', 'v2t')
                         for m in ('R1', 'R5', 'R10', 'MdR', 'MnR')]


def test_equal_scores_rank_at_chance_not_at_the_top():
    """Ties are broken by index: a constant model gets R@K = K/N."""
    n = 20
    t2v, v2t = retrieval_ranks(torch.ones(n, 4), torch.ones(n, 4),
                               torch.arange(n))
    assert t2v.tolist() == list(range(n)) and v2t.tolist() == list(range(n))
    out = rank_metrics(t2v)
    assert out['R1'] == pytest.approx(5.0) and out['R5'] == 25.0
    assert out['R10'] == 50.0 and out['MdR'] == 10.5


@pytest.mark.parametrize('chunk', [1, 7, 1024])
def test_chunked_ranks_match_a_full_stable_sort(chunk):
    gen = torch.Generator().manual_seed(0)
    video = torch.randn(37, 16, generator=gen)
    counts = torch.randint(1, 4, (37, ), generator=gen)
    text_to_video = torch.repeat_interleave(torch.arange(37), counts)
    # texts near their video, so ranks are spread over 0..N
    text = video[text_to_video] + 1.5 * torch.randn(
        len(text_to_video), 16, generator=gen)
    text[5] = text[4]  # a duplicate caption: exact ties
    t2v, v2t = retrieval_ranks(video, text, text_to_video, chunk)
    ref_t2v, ref_v2t = _reference(video.numpy(), text.numpy(),
                                  text_to_video.numpy())
    np.testing.assert_array_equal(t2v.numpy(), ref_t2v)
    np.testing.assert_array_equal(v2t.numpy(), ref_v2t)
    assert 0 < (t2v == 0).sum() < len(t2v)  # neither trivial nor hopeless


def test_t2v_matches_mmaction_retrieval_metric_with_one_caption():
    gen = torch.Generator().manual_seed(1)
    video = torch.randn(30, 8, generator=gen)
    text = video + torch.randn(30, 8, generator=gen)
    samples = [dict(features=dict(video_feature=v, text_feature=t))
               for v, t in zip(video, text)]
    ours, theirs = VideoTextRetrievalMetric(), RetrievalMetric()
    ours.process(None, samples)
    theirs.process(None, samples)
    mine = ours.compute_metrics(ours.results)
    ref = theirs.compute_metrics(theirs.results)
    for key in ('R1', 'R5', 'R10', 'MdR', 'MnR'):
        assert mine[f't2v_{key}'] == pytest.approx(float(ref[key])), key


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='video 1 has no caption'):
        retrieval_ranks(torch.eye(3), torch.eye(3), torch.tensor([0, 2, 2]))
    with pytest.raises(ValueError, match='outside the 3 videos'):
        retrieval_ranks(torch.eye(3), torch.eye(3), torch.tensor([0, 1, 3]))
    with pytest.raises(ValueError, match="unknown 'R2'"):
        VideoTextRetrievalMetric(metric_list=('R1', 'R2'))
    with pytest.raises(ValueError, match="unknown 'x2y'"):
        VideoTextRetrievalMetric(directions=('x2y', ))
    with pytest.raises(ValueError, match='chunk_size'):
        VideoTextRetrievalMetric(chunk_size=0)
    with pytest.raises(ValueError, match='video_feature and text_feature'):
        VideoTextRetrievalMetric().process(None, [dict(pred_score=1)])
