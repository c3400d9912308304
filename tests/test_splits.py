"""mmvlprompt.datasets.splits: the exact files a seed gives (the published
protocol must be reproducible anywhere), the bounds of every option and
the messages for bad inputs."""
import pytest

from mmvlprompt.datasets.annotations import AnnotationLine
from mmvlprompt.datasets.splits import (base_novel_split, relabel,
                                        sample_few_shot, split_classes)


def _entries(counts):
    """``counts[label]`` videos per label, class by class, lines from 1."""
    entries = []
    for label, count in enumerate(counts):
        for i in range(count):
            entries.append(AnnotationLine(f'c{label}/v{i}.mp4', label,
                                          len(entries) + 1))
    return entries


def _paths(entries):
    return [e.path for e in entries]


def test_few_shot_files_of_known_seeds():
    """These exact picks are what every machine must write."""
    entries = _entries([6, 5])
    assert _paths(sample_few_shot(entries, 2, seed=0)) == [
        'c0/v3.mp4', 'c0/v4.mp4', 'c1/v2.mp4', 'c1/v4.mp4']
    assert _paths(sample_few_shot(entries, 2, seed=7)) == [
        'c0/v3.mp4', 'c0/v4.mp4', 'c1/v3.mp4', 'c1/v4.mp4']
    # the lines keep their label and line number
    assert [(e.label, e.line) for e in sample_few_shot(entries, 2, 0)] == [
        (0, 4), (0, 5), (1, 9), (1, 11)]


def test_few_shot_options_and_their_messages():
    entries = _entries([3, 3])
    assert len(sample_few_shot(entries, 1, seed=0)) == 2  # K = 1, seed 0
    for shots in (0, -1, 1.5, '2'):
        with pytest.raises(ValueError) as info:
            sample_few_shot(entries, shots, seed=0)
        assert str(info.value) == \
            f'shots={shots!r}: expected an integer >= 1.'
    for seed in (-1, 0.5, None):
        with pytest.raises(ValueError) as info:
            sample_few_shot(entries, 1, seed=seed)
        assert str(info.value) == f'seed={seed!r}: expected an integer >= 0.'
    with pytest.raises(ValueError) as info:
        sample_few_shot([], 1, seed=0)
    assert str(info.value) == 'no videos to sample from.'


def test_few_shot_class_checks_and_their_messages():
    entries = _entries([3, 3])
    # num_classes beyond the labels found: the missing class is short
    with pytest.raises(ValueError) as info:
        sample_few_shot(entries, 2, seed=0, num_classes=3)
    assert str(info.value) == ('1 of 3 classes have fewer than 2 videos: '
                               '2: 0.')
    # labels at or above num_classes
    with pytest.raises(ValueError) as info:
        sample_few_shot(entries, 1, seed=0, num_classes=1)
    assert str(info.value) == 'labels [1] are out of range for 1 classes.'
    many = [AnnotationLine(f'v{i}.mp4', i, i + 1) for i in range(14)]
    with pytest.raises(ValueError) as info:
        sample_few_shot(many, 1, seed=0, num_classes=2)
    assert str(info.value) == ('labels [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] are '
                               'out of range for 2 classes.')
    # more than ten short classes: ten listed, then '...'
    with pytest.raises(ValueError) as info:
        sample_few_shot(many, 2, seed=0)
    assert str(info.value) == (
        '14 of 14 classes have fewer than 2 videos: ' +
        ', '.join(f'{i}: 1' for i in range(10)) + ' ....')
    with pytest.raises(ValueError) as info:
        sample_few_shot(many[:11], 2, seed=0)
    assert str(info.value).endswith('9: 1 ....')
    with pytest.raises(ValueError) as info:
        sample_few_shot(many[:10], 2, seed=0)
    assert str(info.value).endswith('9: 1.')


def test_class_split_of_known_seeds():
    assert split_classes(10) == ([2, 3, 4, 6, 7], [0, 1, 5, 8, 9])
    assert split_classes(10, seed=3) == ([0, 1, 2, 6, 9], [3, 4, 5, 7, 8])
    assert split_classes(7, num_base=2, seed=5) == ([1, 4], [0, 2, 3, 5, 6])


def test_class_split_bounds_and_messages():
    assert split_classes(2, num_base=1, seed=None) == ([0], [1])
    assert split_classes(5, num_base=4, seed=None) == ([0, 1, 2, 3], [4])
    assert len(split_classes(10, base_fraction=0.25)[0]) == 3  # ceil(2.5)
    assert len(split_classes(10, base_fraction=0.9)[0]) == 9
    # float products just above an integer: 0.07 * 100 = 7.000000000000001
    assert len(split_classes(100, base_fraction=0.07)[0]) == 7
    assert len(split_classes(10, base_fraction=0.7)[0]) == 7
    with pytest.raises(ValueError) as info:
        split_classes(10, num_base=3, base_fraction=0.5)
    assert str(info.value) == 'give num_base or base_fraction, not both.'
    for fraction in (0, 1, 1.5, -0.5):
        with pytest.raises(ValueError) as info:
            split_classes(10, base_fraction=fraction)
        assert str(info.value) == (f'base_fraction={fraction!r}: expected a '
                                   'value in (0, 1).')
    for num_base in (0, 5, 6):
        with pytest.raises(ValueError) as info:
            split_classes(5, num_base=num_base)
        assert str(info.value) == (f'num_base={num_base!r}: expected 1..4 '
                                   'for 5 classes.')


def test_relabel_keeps_paths_and_lines():
    entries = _entries([1, 2, 1])
    assert relabel(entries, [2, 1]) == [
        AnnotationLine('c1/v0.mp4', 1, 2), AnnotationLine('c1/v1.mp4', 1, 3),
        AnnotationLine('c2/v0.mp4', 0, 4)]


def test_base_novel_messages():
    entries = _entries([1, 1, 1, 1])
    overlap = list(range(12))
    with pytest.raises(ValueError) as info:
        base_novel_split(entries, overlap, overlap)
    assert str(info.value) == ('classes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] are '
                               'both base and novel.')
    with pytest.raises(ValueError) as info:
        base_novel_split(entries, [0], [1])
    assert str(info.value) == ('line 3: label 2 is neither base nor novel '
                               '(2 such lines).')
    base, novel = base_novel_split(entries, [3, 0], [1, 2])
    assert base == [AnnotationLine('c0/v0.mp4', 1, 1),
                    AnnotationLine('c3/v0.mp4', 0, 4)]
    assert novel == [AnnotationLine('c1/v0.mp4', 0, 2),
                     AnnotationLine('c2/v0.mp4', 1, 3)]
