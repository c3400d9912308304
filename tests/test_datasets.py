"""Class-name loading, synthetic videos and CheckedDecordInit."""
import shutil

import decord
import numpy as np
import pytest
from mmaction.registry import DATASETS, TRANSFORMS

from mmvlprompt.datasets import CheckedDecordInit
from mmvlprompt.utils import load_class_names


def test_label_map_file_and_list(tmp_path):
    """Label maps are read in order, trailing blank lines allowed,
    '_' -> ' '."""
    path = tmp_path / 'labels.txt'
    path.write_text('abseiling\nplaying_guitar\n  yoga  \n\n')
    names, origin = load_class_names(str(path))
    assert names == ['abseiling', 'playing guitar', 'yoga']
    assert origin == str(path)
    assert load_class_names(['a', 'b c'])[0] == ['a', 'b c']


@pytest.mark.parametrize('content, error, message', [
    ('', ValueError, 'no class names'),
    ('a\nb\na\n', ValueError, 'duplicate'),
])
def test_bad_label_maps_name_the_file(tmp_path, content, error, message):
    """Empty or duplicated label maps fail naming the file."""
    path = tmp_path / 'bad_labels.txt'
    path.write_text(content)
    with pytest.raises(error, match=message) as info:
        load_class_names(str(path), key='cls_head.class_names')
    assert 'bad_labels.txt' in str(info.value)
    assert 'cls_head.class_names' in str(info.value)


def test_missing_label_map_and_wrong_type():
    """A missing file or a non-list value is a clear error."""
    with pytest.raises(FileNotFoundError, match='/no/labels.txt'):
        load_class_names('/no/labels.txt')
    with pytest.raises(TypeError, match='label-map path or a list'):
        load_class_names(42)


def test_synthetic_dataset_is_decodable(synthetic_data):
    """The tests' tiny world v2 decodes with decord: 16 frames of 32x32,
    labelled with the world's class phrases."""
    lines = synthetic_data['train'].read_text().split('\n')
    lines = [ln for ln in lines if ln]
    assert len(lines) == 4 * 3
    labels = sorted({int(ln.split()[1]) for ln in lines})
    assert labels == [0, 1, 2, 3]
    names = synthetic_data['label_map'].read_text().split('\n')
    assert names == ['a red circle', 'a red cross', 'a red ring',
                     'a red diamond', '']  # b2n base: colours A x shapes B
    video = decord.VideoReader(
        str(synthetic_data['root'] / 'videos' / lines[0].split()[0]))
    frames = video.get_batch([0, 15]).asnumpy()
    assert len(video) == 16 and frames.shape == (2, 32, 32, 3)
    # a video, not a still: first and last frames differ clearly
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() > 5


@pytest.fixture()
def broken_videos(tmp_path, synthetic_data):
    good = next((synthetic_data['root'] / 'videos').rglob('*.mp4'))
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(good.read_bytes()[:300])
    shutil.copy(good, tmp_path / 'good.mp4')
    return dict(good=tmp_path / 'good.mp4', corrupt=corrupt,
                missing=tmp_path / 'missing.mp4')


@pytest.mark.parametrize('kind', ['missing', 'corrupt'])
def test_unreadable_video_error_names_the_file(broken_videos, kind):
    """Missing or corrupt videos raise RuntimeError naming the file."""
    transform = TRANSFORMS.build(dict(type='CheckedDecordInit'))
    with pytest.raises(RuntimeError, match=f'{kind}.mp4'):
        transform(dict(filename=str(broken_videos[kind]), start_index=0))
    ok = transform(dict(filename=str(broken_videos['good']), start_index=0))
    assert ok['total_frames'] == 16


def test_skip_mode_returns_none(broken_videos):
    """on_error='skip' returns None for unreadable videos."""
    transform = CheckedDecordInit(on_error='skip')
    assert transform(dict(filename=str(broken_videos['corrupt']))) is None
    with pytest.raises(ValueError, match="on_error='ignore'"):
        CheckedDecordInit(on_error='ignore')


def test_training_dataset_replaces_broken_videos(tmp_path, synthetic_data):
    """A training VideoDataset with a broken entry serves other samples."""
    videos = synthetic_data['root'] / 'videos'
    ann = tmp_path / 'ann.txt'
    good = synthetic_data['train'].read_text().split('\n')[0]
    ann.write_text(f'does_not_exist.mp4 1\n{good}\n')
    pipeline = [dict(type='CheckedDecordInit', on_error='skip'),
                dict(type='UniformSample', clip_len=4),
                dict(type='DecordDecode'),
                dict(type='FormatShape', input_format='NCHW'),
                dict(type='PackActionInputs')]
    dataset = DATASETS.build(dict(type='VideoDataset', ann_file=str(ann),
                                  data_prefix=dict(video=str(videos)),
                                  pipeline=pipeline))
    sample = dataset[0]  # broken: replaced by the readable one
    assert sample['inputs'].shape == (4, 3, 32, 32)
    assert int(sample['data_samples'].gt_label) == int(good.split()[1])
