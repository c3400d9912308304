"""Evaluation edge cases: the retrieval metric's options and messages,
rank dtypes and bad inputs, protocol statistics on fractions."""
import numpy as np
import pytest
import torch

from mmvlprompt.evaluation import (VideoTextRetrievalMetric, harmonic_mean,
                                   mean_std, rank_metrics, retrieval_ranks)

SIM = torch.tensor([[0.9, 0.5, 0.1],
                    [0.5, 0.9, 0.1],
                    [0.1, 0.5, 0.9],
                    [0.9, 0.1, 0.5]])
TEXT_TO_VIDEO = torch.tensor([0, 0, 1, 2])


def test_harmonic_mean_of_fractions():
    """Accuracies as fractions (sum below 1) are not taken for zero."""
    assert harmonic_mean(0.3, 0.4) == pytest.approx(0.24 / 0.7)
    assert harmonic_mean(0.5, 0.5) == pytest.approx(0.5)


def test_mean_std_of_nothing_is_an_error():
    with pytest.raises(ValueError) as info:
        mean_std([])
    assert str(info.value) == 'mean_std: no values.'


def test_ranks_are_integers_for_any_integer_index_type():
    for index in (TEXT_TO_VIDEO.int(), np.array([0, 0, 1, 2], np.int32),
                  [0, 0, 1, 2]):
        t2v, v2t = retrieval_ranks(torch.eye(3), SIM, index)
        assert t2v.dtype == v2t.dtype == torch.long
        assert t2v.tolist() == [0, 1, 1, 1] and v2t.tolist() == [0, 2, 1]


def test_bad_retrieval_inputs_say_what_is_wrong():
    with pytest.raises(ValueError) as info:
        retrieval_ranks(torch.eye(3), SIM, torch.tensor([0, 1, 2]))
    assert str(info.value) == ('text_to_video has shape (3,), expected (4,),'
                               ' one per text.')
    with pytest.raises(ValueError) as info:  # the last video uncaptioned
        retrieval_ranks(torch.eye(3), SIM, torch.tensor([0, 0, 1, 1]))
    assert str(info.value) == ('video 2 has no caption: every video needs '
                               'at least one text.')
    with pytest.raises(ValueError) as info:  # no text at all
        retrieval_ranks(torch.eye(3), torch.zeros(0, 3),
                        torch.zeros(0, dtype=torch.long))
    assert str(info.value).startswith('video 0 has no caption')
    with pytest.raises(ValueError) as info:
        rank_metrics(torch.zeros(3), ['R1', 'R50'])
    assert str(info.value) == ("unknown retrieval metric 'R50'; expected one "
                               "of ('R1', 'R5', 'R10', 'MdR', 'MnR').")


def _samples():
    return [dict(video_feature=torch.eye(3)[v],
                 text_feature=SIM[TEXT_TO_VIDEO == v]) for v in range(3)]


def test_metric_prefix_and_a_single_metric_name():
    metric = VideoTextRetrievalMetric(metric_list='R1', prefix='ret',
                                      chunk_size=1)
    metric.process(None, _samples())
    assert metric.evaluate(3) == pytest.approx(
        {'ret/t2v_R1': 25.0, 'ret/v2t_R1': 100 / 3})
    metric = VideoTextRetrievalMetric(metric_list=('MnR', ),
                                      directions=('v2t', ))
    metric.process(None, _samples())
    assert metric.evaluate(3) == pytest.approx({'retrieval/v2t_MnR': 2.0})


def test_metric_option_messages():
    for size in (0, 1.5):
        with pytest.raises(ValueError) as info:
            VideoTextRetrievalMetric(chunk_size=size)
        assert str(info.value) == ('VideoTextRetrievalMetric.chunk_size='
                                   f'{size!r}: expected an int >= 1.')
    metric = VideoTextRetrievalMetric()
    for sample in ({'video_feature': torch.ones(3)},
                   {'text_feature': torch.ones(1, 3)},
                   {'features': {'video_feature': torch.ones(3)}}):
        with pytest.raises(ValueError) as info:
            metric.process(None, [sample])
        assert str(info.value) == (
            'VideoTextRetrievalMetric: predictions need the fields '
            'video_feature and text_feature (or features with them); use a '
            'retrieval model such as VLPromptSimilarity.')
