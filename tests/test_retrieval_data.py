"""VideoCaptionDataset (pairs and grouped) and the synthetic captions."""
import json

import numpy as np
import pytest
from mmaction.registry import DATASETS

from mmvlprompt.datasets.synthetic_captions import PHRASINGS, video_captions
from mmvlprompt.datasets.synthetic_world import all_classes


def _items(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _dataset(tmp_path, annotations, **kwargs):
    ann = tmp_path / 'ann.json'
    ann.write_text(annotations if isinstance(annotations, str)
                   else json.dumps(annotations))
    return DATASETS.build(dict(type='VideoCaptionDataset', ann_file=str(ann),
                               data_prefix=dict(video='videos'),
                               pipeline=[], **kwargs))


ANN = {'a.mp4': ['A man, cooking!', 'a cook'], 'b.mp4': 'Two dogs-run'}


def test_pairs_for_training_and_grouped_for_testing(tmp_path):
    pairs = _dataset(tmp_path, ANN)
    assert [(d['filename'], d['text'], d['video_id'])
            for d in _items(pairs)] == [
        ('videos/a.mp4', 'a man cooking', 0), ('videos/a.mp4', 'a cook', 0),
        ('videos/b.mp4', 'two dogs run', 1)]
    grouped = _dataset(tmp_path, ANN, group_captions=True, test_mode=True)
    assert [(d['filename'], d['text']) for d in _items(grouped)] == [
        ('videos/a.mp4', ['a man cooking', 'a cook']),
        ('videos/b.mp4', ['two dogs run'])]
    raw = _dataset(tmp_path, ANN, clean_text=False)
    assert _items(raw)[0]['text'] == 'A man, cooking!'


@pytest.mark.parametrize('ann, match', [
    ('{not json', 'not valid JSON'),
    ('[]', 'expected a non-empty JSON object'),
    ({'a.mp4': []}, "video 'a.mp4' needs a caption"),
    ({'a.mp4': ['ok', 3]}, "video 'a.mp4' needs a caption"),
])
def test_bad_annotations_name_file_and_video(tmp_path, ann, match):
    with pytest.raises(ValueError, match=match) as err:
        _dataset(tmp_path, ann)
    assert 'ann.json' in str(err.value)


def test_missing_annotation_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        DATASETS.build(dict(type='VideoCaptionDataset',
                            ann_file=str(tmp_path / 'nope.json'),
                            pipeline=[]))


def test_captions_are_distinct_phrasings_of_the_class():
    rng = np.random.default_rng(0)
    for colour, shape, action in all_classes():
        captions = video_captions(colour, shape, action, 3, rng)
        assert len(set(captions)) == 3
        for caption in captions:
            assert colour in caption and shape in caption and \
                action in caption
            # no other class's words
            others = {w for t in all_classes() for w in t} - {colour, shape,
                                                              action}
            assert not others & set(caption.replace(',', ' ').replace(
                '.', ' ').split()), caption
    with pytest.raises(ValueError, match='captions per video'):
        video_captions('red', 'square', 'sliding', len(PHRASINGS) + 1, rng)


def test_benchmark_writer_checks_counts_before_writing(tmp_path):
    from mmvlprompt.datasets.synthetic_captions import \
        make_synthetic_retrieval
    with pytest.raises(ValueError, match='test_captions=9'):
        make_synthetic_retrieval(tmp_path / 'w', test_captions=9)
    assert not (tmp_path / 'w').exists()
