"""Reading and writing annotation files and class lists through
``mmvlprompt.datasets.annotations``: separators, the messages a user
reads for a bad file, and round trips of what the data tools write."""
import csv

import pytest

from mmvlprompt.datasets.annotations import (AnnotationLine,
                                             read_annotations,
                                             write_annotations,
                                             write_class_list)


def _read(tmp_path, text, **kwargs):
    path = tmp_path / 'ann.txt'
    path.write_text(text)
    return [(e.path, e.label, e.line)
            for e in read_annotations(path, **kwargs)]


@pytest.mark.parametrize('text', [
    'a.mp4\t3\nsub/b.mp4\t0\n',              # tabs
    'a.mp4    3\nsub/b.mp4  0\n',            # several spaces
    'a.mp4 \t 3\n  sub/b.mp4 0  \n',         # a mix, and edge spaces
])
def test_any_white_space_separates_the_columns(tmp_path, text):
    """The default separator is any run of white space, as the docstring
    and MMAction2's VideoDataset have it."""
    assert _read(tmp_path, text) == [('a.mp4', 3, 1), ('sub/b.mp4', 0, 2)]


def test_any_white_space_between_several_labels(tmp_path):
    assert _read(tmp_path, 'a.mp4\t0  2\n', multi_class=True) == [
        ('a.mp4', (0, 2), 1)]


def test_field_count_messages_say_what_was_expected(tmp_path):
    with pytest.raises(ValueError) as info:
        _read(tmp_path, 'a.mp4 1 2\n')
    assert ("1 bad line(s) in annotation file "
            f"'{tmp_path / 'ann.txt'}':\n  {tmp_path / 'ann.txt'}:1: "
            "3 field(s) in 'a.mp4 1 2', expected 2 (video, label) "
            "separated by ' '") == str(info.value)
    with pytest.raises(ValueError) as info:
        _read(tmp_path, 'a.mp4\n', multi_class=True, what='train list')
    assert str(info.value).startswith("1 bad line(s) in train list '")
    assert ("ann.txt:1: 1 field(s) in 'a.mp4', expected at least 2 "
            "(video, labels) separated by ' '") in str(info.value)


def test_label_bounds(tmp_path):
    """Labels run from 0 to num_classes - 1."""
    assert _read(tmp_path, 'a.mp4 0\nb.mp4 4\n', num_classes=5) == [
        ('a.mp4', 0, 1), ('b.mp4', 4, 2)]
    with pytest.raises(ValueError, match=r'ann.txt:1: label 5 is out of '
                       r'range for dataset.num_classes=5$'):
        _read(tmp_path, 'a.mp4 5\n', num_classes=5)


def test_long_error_lists_are_cut_after_ten(tmp_path):
    """Twelve bad lines: the count, the first ten, and how many more."""
    with pytest.raises(ValueError) as info:
        _read(tmp_path, ''.join(f'v{i}.mp4 x\n' for i in range(12)))
    message = str(info.value)
    lines = message.split('\n')
    assert lines[0] == f"12 bad line(s) in annotation file " \
        f"'{tmp_path / 'ann.txt'}':"
    assert lines[1:11] == [
        f"  {tmp_path / 'ann.txt'}:{n}: label 'x' is not a non-negative "
        "integer" for n in range(1, 11)]
    assert lines[11:] == ['  ... and 2 more']


def test_ten_errors_are_all_shown_without_a_remainder(tmp_path):
    with pytest.raises(ValueError) as info:
        _read(tmp_path, ''.join(f'v{i}.mp4 x\n' for i in range(10)))
    lines = str(info.value).split('\n')
    assert len(lines) == 11 and lines[-1].endswith(':10: label \'x\' is '
                                                   'not a non-negative '
                                                   'integer')


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / 'nope.txt'
    with pytest.raises(FileNotFoundError) as info:
        read_annotations(missing)
    assert str(info.value) == f"annotation file '{missing}' does not exist."
    with pytest.raises(FileNotFoundError, match="^dataset.ann_file '"):
        read_annotations(missing, what='dataset.ann_file')


def test_written_annotations_read_back(tmp_path):
    entries = [AnnotationLine('a.mp4', 3), AnnotationLine('sub/b.mp4', 0)]
    path = tmp_path / 'new' / 'deeper' / 'train.txt'
    assert write_annotations(path, iter(entries)) == 2
    assert path.read_text(encoding='utf-8') == 'a.mp4 3\nsub/b.mp4 0\n'
    assert [(e.path, e.label) for e in read_annotations(path)] == [
        ('a.mp4', 3), ('sub/b.mp4', 0)]
    assert write_annotations(tmp_path / 'empty.txt', []) == 0
    assert (tmp_path / 'empty.txt').read_text() == ''


@pytest.mark.parametrize('video', ['my video.mp4', 'a\tb.mp4'])
def test_paths_with_white_space_are_refused(tmp_path, video):
    path = tmp_path / 'train.txt'
    with pytest.raises(ValueError) as info:
        write_annotations(path, [AnnotationLine('ok.mp4', 1),
                                 AnnotationLine(video, 0)])
    assert str(info.value) == (
        f'cannot write {video!r} to {path}: MMAction2 annotation paths '
        'must not contain white space.')
    assert not path.exists()


@pytest.mark.parametrize('suffix', ['.csv', '.CSV'])
def test_class_list_as_csv_table(tmp_path, suffix):
    names = ['abseiling', 'playing guitar', 'folding paper, neatly']
    path = tmp_path / 'labels' / 'deeper' / f'classes{suffix}'
    assert write_class_list(path, iter(names)) == 3
    assert path.read_bytes().startswith(b'id,name\n0,abseiling\n')
    with path.open(newline='', encoding='utf-8') as handle:
        rows = list(csv.reader(handle))
    assert rows == [['id', 'name'], ['0', 'abseiling'],
                    ['1', 'playing guitar'], ['2', 'folding paper, neatly']]


def test_class_list_as_label_map(tmp_path):
    path = tmp_path / 'labels' / 'deeper' / 'label_map.txt'
    assert write_class_list(path, ['abseiling', 'playing guitar']) == 2
    assert path.read_text(encoding='utf-8') == 'abseiling\nplaying guitar\n'
