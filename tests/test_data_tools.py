"""Data tools on small generated datasets: label maps from each metadata
format, file lists, few-shot and base/novel splits, video verification."""
import importlib.util
import json
import shutil
import sys
from collections import Counter

import pytest

from conftest import REPO, run_tool
from mmvlprompt.datasets import AnnotationLine, read_annotations
from mmvlprompt.datasets.metadata import (classes_from_folders,
                                          classes_from_hmdb,
                                          classes_from_kinetics_csv,
                                          classes_from_ssv2_json,
                                          classes_from_ucf_classind,
                                          file_list_from_folders,
                                          file_list_from_kinetics_csv)
from mmvlprompt.datasets.splits import (base_novel_split, sample_few_shot,
                                        split_classes)
from mmvlprompt.utils import load_class_names

KINETICS_HEADER = 'label,youtube_id,time_start,time_end,split\n'


def tool(name, *args):
    """Run ``tools/data/<name>.py`` in this process; returns its status.

    The tools are thin CLIs over the library; running them in-process keeps
    the suite fast. ``test_tool_errors_exit_with_a_message`` runs them as
    scripts.
    """
    path = REPO / 'tools' / 'data' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'data_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(a) for a in args]) or 0


def make_entries(counts):
    """``counts[label]`` lines per label, interleaved as in a real file."""
    entries = []
    for i in range(max(counts)):
        for label, count in enumerate(counts):
            if i < count:
                entries.append(AnnotationLine(f'c{label}/v{i:02d}.mp4', label,
                                              len(entries) + 1))
    return entries


# ---------------------------------------------------------------------------
# label maps from dataset metadata
# ---------------------------------------------------------------------------
def test_label_map_from_kinetics_csvs(tmp_path):
    """Sorted union of the CSV labels (case-sensitive, as MMAction2)."""
    train = tmp_path / 'train.csv'
    train.write_text(KINETICS_HEADER +
                     'zumba,aaa,10,20,train\n'
                     '"passing American football (in game)",bbb,0,10,train\n'
                     'abseiling,ccc,5.0,15.0,train\n')
    val = tmp_path / 'validate.csv'
    val.write_text(KINETICS_HEADER.replace('split', 'split,is_cc') +
                   'yoga,ddd,1,11,val,0\nzumba,eee,2,12,val,0\n')
    assert classes_from_kinetics_csv([train, val]) == [
        'abseiling', 'passing American football (in game)', 'yoga', 'zumba']
    bad = tmp_path / 'bad.csv'
    bad.write_text('label,youtube_id,time_start\nx,y,1\n')
    with pytest.raises(ValueError, match=r"bad.csv:1: .*\['time_end'\]"):
        classes_from_kinetics_csv([bad])
    bad.write_text(KINETICS_HEADER + 'x,y,one,2,train\n')
    with pytest.raises(ValueError, match='bad.csv:2: time_start'):
        classes_from_kinetics_csv([bad])


def test_label_map_from_ucf_classind(tmp_path):
    """classInd.txt order; 1-based indices become labels 0..C-1."""
    path = tmp_path / 'classInd.txt'
    path.write_text('2 ApplyLipstick\r\n1 ApplyEyeMakeup\r\n3 YoYo\r\n')
    assert classes_from_ucf_classind(path) == ['ApplyEyeMakeup',
                                               'ApplyLipstick', 'YoYo']
    path.write_text('1 ApplyEyeMakeup\n3 YoYo\n')
    with pytest.raises(ValueError, match=r'from 1 to 2 .*missing \[2\]'):
        classes_from_ucf_classind(path)
    path.write_text('1 ApplyEyeMakeup\nYoYo\n')
    with pytest.raises(ValueError, match=r'classInd.txt:2: expected'):
        classes_from_ucf_classind(path)


def test_label_map_from_ssv2_json(tmp_path):
    """labels.json maps template -> index (a string); index order."""
    path = tmp_path / 'labels.json'
    path.write_text(json.dumps({'Pushing [something] from left to right': '1',
                                'Approaching something with your camera': '0',
                                'Tearing something into two pieces': '2'}))
    names = classes_from_ssv2_json(path)
    assert names == ['Approaching something with your camera',
                     'Pushing [something] from left to right',
                     'Tearing something into two pieces']
    path.write_text(json.dumps({'a': '0', 'b': '0'}))
    with pytest.raises(ValueError, match="index 0 is used by both 'a' and "
                       "'b'"):
        classes_from_ssv2_json(path)


def test_label_map_from_hmdb_and_any_tree(tmp_path):
    """HMDB: sorted class folders or split-file names; any tree: sorted
    folders, hidden ones ignored."""
    videos = tmp_path / 'hmdb'
    for name in ('wave', 'brush_hair', 'kick_ball', 'kick', '.cache'):
        (videos / name).mkdir(parents=True)
    assert classes_from_hmdb(videos) == ['brush_hair', 'kick', 'kick_ball',
                                         'wave']
    assert classes_from_folders(videos) == classes_from_hmdb(videos)
    splits = tmp_path / 'testTrainMulti_7030_splits'
    splits.mkdir()
    for name in ('wave', 'brush_hair', 'kick_ball'):
        for k in (1, 2, 3):
            (splits / f'{name}_test_split{k}.txt').write_text('x.avi 1\n')
    assert classes_from_hmdb(splits) == ['brush_hair', 'kick_ball', 'wave']
    with pytest.raises(ValueError, match='no class sub-folders'):
        classes_from_folders(splits)


def test_build_label_map_cli_matches_loader(tmp_path, capsys):
    """The tool writes a label map the model loader reads back; a CSV
    output is an id,name table."""
    path = tmp_path / 'classInd.txt'
    path.write_text('1 ApplyEyeMakeup\n2 YoYo\n')
    out = tmp_path / 'maps' / 'ucf.txt'
    assert tool('build_label_map', 'ucf101', path, '-o', out) == 0
    assert 'wrote 2 class names' in capsys.readouterr().out
    assert out.read_text() == 'ApplyEyeMakeup\nYoYo\n'
    assert load_class_names(out)[0] == ['apply eye makeup', 'yo yo']
    tool('build_label_map', 'tree', tmp_path, '-o', tmp_path / 'tree.csv')
    assert (tmp_path / 'tree.csv').read_text() == 'id,name\n0,maps\n'


# ---------------------------------------------------------------------------
# annotation files
# ---------------------------------------------------------------------------
def test_file_list_from_folder_tree(tmp_path):
    """class/video paths; labels index the label map, matched as written or
    after normalisation; unknown folders are an error."""
    for cls, files in {'brush_hair': ['b.avi', 'a.avi', 'notes.txt'],
                       'kick': ['k.AVI'], 'wave': ['sub/w.mp4']}.items():
        for name in files:
            (tmp_path / 'v' / cls / name).parent.mkdir(parents=True,
                                                       exist_ok=True)
            (tmp_path / 'v' / cls / name).write_bytes(b'x')
    entries = file_list_from_folders(tmp_path / 'v')
    assert [(e.path, e.label) for e in entries] == [
        ('brush_hair/a.avi', 0), ('brush_hair/b.avi', 0), ('kick/k.AVI', 1),
        ('wave/sub/w.mp4', 2)]
    entries = file_list_from_folders(tmp_path / 'v',
                                     ['wave', 'kick', 'brush hair'])
    assert [e.label for e in entries] == [2, 2, 1, 0]
    with pytest.raises(ValueError, match=r"\['kick'\] not in the label map"):
        file_list_from_folders(tmp_path / 'v', ['wave', 'brush hair'])


def test_file_list_from_kinetics_csv(tmp_path):
    """MMAction2's <id>_<start:06d>_<end:06d>.mp4 names, flat or in class
    folders, labelled by the given map."""
    csv_path = tmp_path / 'val.csv'
    csv_path.write_text(KINETICS_HEADER +
                        'zumba,0wR5jVB-WPk,417,427,val\n'
                        'abseiling,-abc,0.0,10.0,val\n'
                        'playing cello,xyz,5,15,val\n')
    names = ['abseiling', 'playing cello', 'yoga', 'zumba']
    flat = file_list_from_kinetics_csv(csv_path, names, prefix='val/')
    assert [(e.path, e.label) for e in flat] == [
        ('val/0wR5jVB-WPk_000417_000427.mp4', 3),
        ('val/-abc_000000_000010.mp4', 0),
        ('val/xyz_000005_000015.mp4', 1)]
    by_class = file_list_from_kinetics_csv(csv_path, layout='class')
    assert by_class[2].path == 'playing_cello/xyz_000005_000015.mp4'
    assert [e.label for e in by_class] == [2, 0, 1]  # sorted labels of CSV
    with pytest.raises(ValueError, match=r"val.csv:2: label 'zumba'"):
        file_list_from_kinetics_csv(csv_path, names[:3])
    test_csv = tmp_path / 'test.csv'
    test_csv.write_text('youtube_id,time_start,time_end,split\nq,1,2,test\n')
    with pytest.raises(ValueError, match='test.csv:2: row without a label'):
        file_list_from_kinetics_csv(test_csv)


def test_build_file_list_cli(tmp_path, capsys):
    """The tool writes annotation lines from a tree and from a CSV."""
    for cls in ('b', 'a'):
        (tmp_path / 'v' / cls).mkdir(parents=True)
        (tmp_path / 'v' / cls / f'{cls}1.mp4').write_bytes(b'x')
    out = tmp_path / 'list.txt'
    assert tool('build_file_list', 'tree', tmp_path / 'v', '-o', out) == 0
    assert out.read_text() == 'a/a1.mp4 0\nb/b1.mp4 1\n'
    assert 'wrote 2 videos of 2 classes' in capsys.readouterr().out
    csv_path = tmp_path / 'train.csv'
    csv_path.write_text(KINETICS_HEADER + 'b,xyz,5,15,train\n')
    (tmp_path / 'map.csv').write_text('id,name\n0,a\n1,b\n')
    tool('build_file_list', 'kinetics', csv_path, '--label-map',
         tmp_path / 'map.csv', '--prefix', 'train/', '--ext', 'mkv', '-o',
         out)
    assert out.read_text() == 'train/xyz_000005_000015.mkv 1\n'


def test_read_annotations_checks_lines(tmp_path):
    """Wrong field counts and bad labels name file and line."""
    path = tmp_path / 'ann.txt'
    path.write_text('a.mp4 0\n\nb.mp4 1 extra\n')
    with pytest.raises(ValueError, match=r"ann.txt:3: 3 field\(s\) in "
                       r"'b.mp4 1 extra', expected 2") as info:
        read_annotations(path)
    assert 'ann.txt:2: blank line' in str(info.value)
    path.write_text('a.mp4 0\nb.mp4 -1\n')
    with pytest.raises(ValueError, match=r"ann.txt:2: label '-1'"):
        read_annotations(path)


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------
def test_few_shot_exact_k_and_deterministic():
    """Exactly K per class, the same for a seed, different across seeds,
    and a class's sample does not depend on the other classes."""
    entries = make_entries([9, 5, 7, 12])
    picked = sample_few_shot(entries, 4, seed=1)
    assert Counter(e.label for e in picked) == {0: 4, 1: 4, 2: 4, 3: 4}
    assert len(set(picked)) == 16 and set(picked) <= set(entries)
    assert picked == sample_few_shot(list(entries), 4, seed=1)
    assert picked != sample_few_shot(entries, 4, seed=2)
    assert sample_few_shot(entries, 5, seed=3)[5:10] == \
        [e for e in entries if e.label == 1]  # all 5 of a 5-video class
    without_class_3 = [e for e in entries if e.label != 3]
    assert sample_few_shot(without_class_3, 4, seed=1) == picked[:12]


def test_few_shot_too_few_videos_names_the_classes():
    entries = make_entries([9, 2, 7, 0, 5])  # class 3 has no video
    with pytest.raises(ValueError, match=r"2 of 5 classes have fewer than 4 "
                       r"videos: 1 \('b'\): 2, 3 \('d'\): 0"):
        sample_few_shot(entries, 4, seed=0, class_names=list('abcde'))
    with pytest.raises(ValueError, match='shots=0'):
        sample_few_shot(entries, 0, seed=0)
    with pytest.raises(ValueError, match=r'labels \[4\] are out of range'):
        sample_few_shot(entries, 1, seed=0, num_classes=4)


def test_base_novel_disjoint_cover_and_relabel():
    """Halves are disjoint, cover every class, are deterministic per seed;
    labels index each half's own list."""
    base, novel = split_classes(101)
    assert (len(base), len(novel)) == (51, 50)
    assert not set(base) & set(novel) and set(base) | set(novel) == \
        set(range(101))
    assert split_classes(101, seed=0) == (base, novel)
    assert split_classes(101, seed=1) != (base, novel)
    assert split_classes(10, num_base=3, seed=None) == ([0, 1, 2],
                                                        list(range(3, 10)))
    assert len(split_classes(51, base_fraction=0.5)[0]) == 26
    with pytest.raises(ValueError, match='num_base=10'):
        split_classes(10, num_base=10)

    entries = make_entries([3, 2, 4, 1, 2])
    base_lines, novel_lines = base_novel_split(entries, [4, 1], [0, 2, 3])
    assert sorted(e.path for e in base_lines + novel_lines) == \
        sorted(e.path for e in entries)
    assert {(e.path.split('/')[0], e.label) for e in base_lines} == {
        ('c4', 0), ('c1', 1)}
    assert {(e.path.split('/')[0], e.label) for e in novel_lines} == {
        ('c0', 0), ('c2', 1), ('c3', 2)}
    with pytest.raises(ValueError, match=r'\[1\] are both base and novel'):
        base_novel_split(entries, [1, 4], [0, 1, 2, 3])
    with pytest.raises(ValueError, match='label 3 is neither'):
        base_novel_split(entries, [4, 1], [0, 2])


def test_make_splits_cli_base_novel_then_few_shot(tmp_path):
    """base-novel writes class lists and relabelled files that resolve to
    the same class names; few-shot on the base file gives K per class."""
    names = ['apply eye makeup', 'brush hair', 'cartwheel', 'dive', 'eat']
    (tmp_path / 'map.txt').write_text('\n'.join(names) + '\n')
    ann = tmp_path / 'train.txt'
    ann.write_text(''.join(f'{e.path} {e.label}\n'
                           for e in make_entries([4, 5, 6, 4, 3])))
    given = tmp_path / 'base.csv'
    given.write_text('id,name\n0,eat\n1,BrushHair\n2,ApplyEyeMakeup\n')
    out = tmp_path / 'b2n'
    tool('make_splits', 'base-novel', ann, '--label-map',
         tmp_path / 'map.txt', '--base-classes', given, '-o', out)
    base_names = load_class_names(out / 'base_classes.txt')[0]
    novel_names = load_class_names(out / 'novel_classes.txt')[0]
    assert base_names == ['eat', 'brush hair', 'apply eye makeup']
    assert novel_names == ['cartwheel', 'dive']
    full = {e.path: names[e.label] for e in read_annotations(ann)}
    for part, part_names in (('base', base_names), ('novel', novel_names)):
        lines = read_annotations(out / f'train_{part}.txt')
        assert lines and all(part_names[e.label] == full[e.path]
                             for e in lines)
    shots = out / 'fs.txt'
    tool('make_splits', 'few-shot', out / 'train_base.txt', '--shots', 3,
         '--seed', 7, '--label-map', out / 'base_classes.txt', '-o', shots)
    assert Counter(e.label for e in read_annotations(shots)) == \
        {0: 3, 1: 3, 2: 3}
    tool('make_splits', 'base-novel', ann, '--label-map',
         tmp_path / 'map.txt', '--num-base', 2, '--seed', 5, '-o', out / 'r')
    drawn = load_class_names(out / 'r' / 'base_classes.txt')[0]
    assert drawn == [names[i] for i in split_classes(5, 2, seed=5)[0]]


@pytest.mark.slow  # a subprocess that imports torch and mmaction
def test_tool_errors_exit_with_a_message(tmp_path):
    """Run as a script, a bad input exits with status 1 and one message
    naming the problem (here: a class with fewer than K videos)."""
    (tmp_path / 'map.txt').write_text('eat\ndrink\n')
    ann = tmp_path / 'train.txt'
    ann.write_text('a.mp4 0\nb.mp4 0\nc.mp4 1\n')
    result = run_tool([sys.executable, 'tools/data/make_splits.py',
                       'few-shot', str(ann), '--shots', '2', '--label-map',
                       str(tmp_path / 'map.txt'), '-o',
                       str(tmp_path / 'out.txt')])
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 1 of 2 classes have fewer than 2 videos: 1 ('drink'): 1.")
    assert not (tmp_path / 'out.txt').exists()


# ---------------------------------------------------------------------------
# video verification
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('workers', [1, 2])
def test_verify_videos_finds_missing_and_corrupt(tmp_path, synthetic_data,
                                                 workers, capsys):
    """A missing and a truncated video are reported with their lines, the
    cleaned list keeps the readable ones, and nothing is deleted."""
    root = tmp_path / 'videos'
    shutil.copytree(synthetic_data['root'] / 'videos', root)
    good = synthetic_data['val'].read_text().splitlines()[:3]
    corrupt = root / good[1].split()[0]
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    ann = tmp_path / 'val.txt'
    ann.write_text('\n'.join([good[0], 'gone.mp4 2', good[1], good[2]]) + '\n')
    bad_list = tmp_path / 'bad.txt'
    assert tool('verify_videos', ann, '--root', root, '--workers', workers,
                '--bad-list', bad_list) == 0
    out = capsys.readouterr().out
    assert '4 videos: 2 ok, 1 missing, 1 corrupt' in out
    assert 'line 2: gone.mp4' in out and f'line 3: {good[1].split()[0]}' in out
    cleaned = tmp_path / 'val_verified.txt'
    assert cleaned.read_text() == f'{good[0]}\n{good[2]}\n'
    assert bad_list.read_text().splitlines()[0] == 'gone.mp4 2 missing'
    assert bad_list.read_text().splitlines()[1].startswith(
        f'{good[1]} corrupt ')
    assert corrupt.exists() and ann.read_text().count('\n') == 4
    assert tool('verify_videos', ann, '--root', root, '--strict', '-o',
                tmp_path / 'strict.txt') == 1
