"""Bad annotation files fail at build time, naming file and line."""
import sys
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import DATASETS, HOOKS
from mmengine.runner import BaseLoop

from conftest import run_tool
from mmvlprompt.datasets import check_label_range, read_annotations

PIPELINE = [dict(type='CheckedDecordInit')]


def _dataset(tmp_path, text, **kwargs):
    ann = tmp_path / 'ann.txt'
    ann.write_text(text)
    return ann, DATASETS.build(dict(type='CheckedVideoDataset',
                                    ann_file=str(ann), pipeline=PIPELINE,
                                    data_prefix=dict(video='/videos'),
                                    **kwargs))


def test_good_annotations_keep_their_lines(tmp_path):
    """A clean file loads like VideoDataset and remembers each line."""
    ann, dataset = _dataset(tmp_path, 'a.mp4 0\nsub/b.mp4 2\n')
    assert len(dataset) == 2
    info = dataset.get_data_info(1)
    assert (info['filename'], info['label']) == ('/videos/sub/b.mp4', 2)
    assert dataset.annotated_labels() == [(f'{ann}:1', [0]),
                                          (f'{ann}:2', [2])]


def test_byte_order_mark_is_ignored(tmp_path):
    _, dataset = _dataset(tmp_path, '\ufeffa.mp4 0\n')
    assert dataset.get_data_info(0)['filename'] == '/videos/a.mp4'


@pytest.mark.parametrize('text, line, message', [
    ('a.mp4 0\n\nb.mp4 1\n', 2, 'blank line'),
    ('a.mp4 0\nb.mp4 1\n\n', 3, 'blank line'),
    ('a.mp4 0\nb.mp4 1 7\n', 2, "3 field(s) in 'b.mp4 1 7', expected 2"),
    ('a.mp4\n', 1, "1 field(s) in 'a.mp4', expected 2"),
    ('a.mp4 0\nb.mp4 one\n', 2, "label 'one' is not a non-negative integer"),
    ('a.mp4 0\nb.mp4 1.5\n', 2, "label '1.5' is not a non-negative integer"),
    ('a.mp4 0\nb.mp4 -1\n', 2, "label '-1' is not a non-negative integer"),
])
def test_bad_lines_name_file_and_line(tmp_path, text, line, message):
    """Blank lines, wrong field counts and non-integer labels fail, with
    the same message from the dataset and from read_annotations (the one
    parser the data tools use)."""
    with pytest.raises(ValueError) as info:
        _dataset(tmp_path, text)
    assert f'ann.txt:{line}: {message}' in str(info.value)
    with pytest.raises(ValueError) as direct:
        read_annotations(tmp_path / 'ann.txt', what='dataset.ann_file')
    assert str(direct.value) == str(info.value)


def test_every_bad_line_is_listed(tmp_path):
    """All problems come in one message, not one per run."""
    with pytest.raises(ValueError, match='3 bad line') as info:
        _dataset(tmp_path, 'a.mp4 x\n\nb.mp4 1\nc.mp4 1 2\n')
    for line in (1, 2, 4):
        assert f'ann.txt:{line}:' in str(info.value)


def test_multi_class_and_delimiter_through_read_annotations(tmp_path):
    """The shared parser takes the dataset's options."""
    path = tmp_path / 'ann.csv'
    path.write_text('a b.mp4, 0, 2\nc.mp4,1\n')
    entries = read_annotations(path, delimiter=',', multi_class=True)
    assert [(e.path, e.label, e.line) for e in entries] == [
        ('a b.mp4', (0, 2), 1), ('c.mp4', (1,), 2)]
    with pytest.raises(ValueError, match=r"ann.csv:1: 1 field\(s\) in "
                       r"'a b.mp4 0', expected 2"):
        path.write_text('a b.mp4 0\n')
        read_annotations(path, delimiter=',')


def test_data_tools_report_bad_lines_like_the_dataset(tmp_path):
    """tools/data/make_splits.py reads through the same parser: the same
    file:line messages, exit code 1 from the tool's error."""
    ann = tmp_path / 'ann.txt'
    ann.write_text('a.mp4 0\nb.mp4 x\n\n')
    proc = run_tool([sys.executable, 'tools/data/make_splits.py', 'few-shot',
                     str(ann), '--shots', '1', '--out', str(tmp_path / 'o')])
    assert proc.returncode != 0
    assert f"{ann}:2: label 'x' is not a non-negative integer" in \
        proc.stderr, proc.stderr[-2000:]
    assert f'{ann}:3: blank line' in proc.stderr


def test_empty_annotation_file(tmp_path):
    with pytest.raises(ValueError, match=r"ann.txt' has no samples"):
        _dataset(tmp_path, '\n')


def test_num_classes_range_at_build(tmp_path):
    """With dataset.num_classes, labels outside [0, C) fail at build."""
    with pytest.raises(ValueError, match=r'ann.txt:2: label 4 is out of '
                       r'range for dataset.num_classes=4'):
        _dataset(tmp_path, 'a.mp4 3\nb.mp4 4\n', num_classes=4)
    with pytest.raises(ValueError, match=r"ann.txt:1: label '-1' is not a"):
        _dataset(tmp_path, 'a.mp4 -1\n', num_classes=4)
    with pytest.raises(ValueError, match='dataset.num_classes=0'):
        _dataset(tmp_path, 'a.mp4 0\n', num_classes=0)


def test_multi_class_lines(tmp_path):
    """multi_class takes several labels per line; each one is checked."""
    ann, dataset = _dataset(tmp_path, 'a.mp4 0 2\nb.mp4 1\n',
                            multi_class=True, num_classes=3)
    assert dataset.annotated_labels()[0] == (f'{ann}:1', [0, 2])
    with pytest.raises(ValueError, match=r'ann.txt:1: label 3 is out'):
        _dataset(tmp_path, 'a.mp4 0 3\n', multi_class=True, num_classes=3)


def test_check_label_range_against_class_names(tmp_path):
    """The reusable range check names the set, the file and the line."""
    _, dataset = _dataset(tmp_path, 'a.mp4 0\nb.mp4 2\nc.mp4 1\n')
    check_label_range(dataset, ['x', 'y', 'z'], 'val set')
    with pytest.raises(ValueError) as info:
        check_label_range(dataset, ['x', 'y'], 'val set vs names.txt')
    assert 'ann.txt:2: label 2 is out of range for the 2 classes of ' \
        'val set vs names.txt' in str(info.value)
    assert 'ann.txt:3' not in str(info.value)
    # wrappers are looked through
    repeat = DATASETS.build(dict(type='RepeatDataset', times=2,
                                 dataset=dataset))
    with pytest.raises(ValueError, match='ann.txt:2: label 2'):
        check_label_range(repeat, 2, 'repeated')


class _Loop(BaseLoop):
    def run(self):
        pass


def test_label_range_hook_checks_each_loader(tmp_path):
    """Train labels vs class_names, val/test labels vs test_class_names."""
    _, train = _dataset(tmp_path, 'a.mp4 0\nb.mp4 2\n')
    (tmp_path / 'v').mkdir()
    _, val = _dataset(tmp_path / 'v', 'a.mp4 1\n')
    head = SimpleNamespace(train_names=['a', 'b', 'c'],
                           train_names_origin='names.txt',
                           test_names=['a'], test_names_origin='list')
    runner = SimpleNamespace(model=SimpleNamespace(cls_head=head))
    runner._train_loop = _Loop(runner, torch.utils.data.DataLoader(train))
    runner._val_loop = dict(type='ValLoop')  # not built: skipped
    runner._test_loop = None
    hook = HOOKS.build(dict(type='LabelRangeHook'))
    hook.before_run(runner)  # train labels fit 3 classes
    runner._val_loop = _Loop(runner, torch.utils.data.DataLoader(val))
    with pytest.raises(ValueError) as info:
        hook.before_run(runner)
    assert 'v/ann.txt:1: label 1 is out of range for the 1 classes of ' \
        'val_dataloader vs model.cls_head.test_class_names (list)' in \
        str(info.value)


@pytest.mark.slow
def test_train_tool_refuses_labels_outside_the_class_set(synthetic_data,
                                                         tmp_path):
    """tools/train.py stops before training when a label exceeds the
    4 synthetic classes, naming file and line."""
    ann = tmp_path / 'train.txt'
    lines = synthetic_data['train'].read_text().splitlines()
    lines[4] = lines[4].split()[0] + ' 7'
    ann.write_text('\n'.join(lines) + '\n')
    proc = run_tool([sys.executable, 'tools/train.py',
                     'configs/demo/vlprompt_tiny_synthetic.py',
                     '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                     f'train_dataloader.dataset.ann_file={ann}'],
                    env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])})
    assert proc.returncode != 0
    assert f'{ann}:5: label 7 is out of range for the 4 classes of ' \
        'train_dataloader vs model.cls_head.class_names' in proc.stderr, \
        proc.stderr[-3000:]
    assert 'Epoch(train)' not in proc.stdout + proc.stderr
