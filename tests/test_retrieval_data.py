"""VideoCaptionDataset (pairs and grouped) and world v2's captions."""
import json

import numpy as np
import pytest
from mmaction.registry import DATASETS

from mmvlprompt.worlds import scene as bw
from mmvlprompt.worlds.captions import (PHRASINGS, retrieval_classes,
                                        video_captions)


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
    classes = retrieval_classes()
    assert len(classes) == len(set(classes)) == 50
    vocabulary = set(bw.COLOURS) | set(bw.SHAPES) | set(bw.MOTIONS)
    assert {w for t in classes for w in t} == set(bw.COLOURS) | \
        set(bw.SHAPES)  # every colour and shape occurs
    for colour, shape in classes:
        captions = video_captions(colour, shape, 3, rng)
        assert len(set(captions)) == 3
        for caption in captions:
            words = set(caption.replace(',', ' ').replace('.', ' ').split())
            # the class's words, no other word of the world
            assert words & vocabulary == {colour, shape}, caption
    with pytest.raises(ValueError, match='captions per video'):
        video_captions('red', 'square', len(PHRASINGS) + 1, rng)
    with pytest.raises(ValueError, match="'violet'"):
        video_captions('violet', 'square', 1, rng)


def test_benchmark_writer_checks_counts_before_writing(tmp_path):
    from mmvlprompt.worlds.captions import make_world_v2_retrieval
    with pytest.raises(ValueError, match='test_captions=9'):
        make_world_v2_retrieval(tmp_path / 'w', test_captions=9)
    with pytest.raises(ValueError, match="'violet'"):
        make_world_v2_retrieval(tmp_path / 'w', classes=[('violet', 'bar')])
    assert not (tmp_path / 'w').exists()


def test_benchmark_files_are_deterministic_and_named_by_class(tmp_path):
    """Each video's file and captions depend only on its identity: a run on
    fewer classes writes the same files for them."""
    from mmvlprompt.worlds.captions import make_world_v2_retrieval
    kwargs = dict(train_per_class=2, test_per_class=1, num_frames=2,
                  size=32)
    classes = retrieval_classes()
    a = make_world_v2_retrieval(tmp_path / 'a', classes=classes[:3],
                                **kwargs)
    b = make_world_v2_retrieval(tmp_path / 'b', classes=classes[:2],
                                **kwargs)
    test_a = json.loads(a['test'].read_text())
    train_b = json.loads(b['train'].read_text())
    assert list(test_a) == [f'test/{c}_{s}_000.mp4' for c, s in classes[:3]]
    for name, captions in train_b.items():
        assert json.loads(a['train'].read_text())[name] == captions
        assert (a['root'] / 'videos' / name).read_bytes() == \
            (b['root'] / 'videos' / name).read_bytes()
        colour, shape = name.split('/')[1].split('_')[:2]
        assert all(colour in c and shape in c for c in captions)
    assert len(train_b) == 2 * 2 and len(test_a) == 3
    # without the camera: the same scenes and captions, other pixels
    plain = make_world_v2_retrieval(tmp_path / 'plain', classes=classes[:2],
                                    camera=False, **kwargs)
    assert plain['train'].read_text() == b['train'].read_text()
    for name in train_b:
        assert (plain['root'] / 'videos' / name).read_bytes() != \
            (b['root'] / 'videos' / name).read_bytes()
