"""The published ViFi-CLIP protocol files load directly, and their labels
mean what we think they mean.

The files are not part of the repository. The tests read them from
``$MMVLP_BENCHMARK_SPLITS``, else ``<repo>/../shared/benchmark_splits``,
else ``/work/shared/benchmark_splits``, and skip when none exists. Every
file goes through the project's own loaders: ``load_class_names`` for the
``labels/*.csv`` class lists, MMAction2's ``VideoDataset`` and
``read_annotations`` for the split files.

Conventions checked:

- full-list files (``val1.txt``, ``train1_few_shot_K.txt``,
  ``validation.txt``) index the full CSV;
- base-to-novel files (``base_*.txt``, ``fs_base_s*_train.txt``,
  ``novel_val.txt``) index the *base* or *novel* CSV;
- K600 zero-shot files index their split's 160-class CSV.

UCF-101 and HMDB-51 file names carry the class, so every line is checked.
Kinetics and SSv2 names do not: K400/K600 lists are grouped by class in
alphabetical order, which only the right CSV reproduces, and SSv2's
base/novel videos are looked up in the full-list validation file. Finally,
``make_splits``' library logic turns the full-list validation files into the
published ``base_val.txt`` and ``novel_val.txt``, byte for byte.
"""
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from mmaction.registry import DATASETS

from conftest import REPO
from mmvlprompt.datasets import read_annotations
from mmvlprompt.datasets.metadata import LabelLookup
from mmvlprompt.datasets.splits import base_novel_split
from mmvlprompt.utils import load_class_names


def _find_root():
    candidates = [os.environ.get('MMVLP_BENCHMARK_SPLITS'),
                  REPO.parent / 'shared' / 'benchmark_splits',
                  '/work/shared/benchmark_splits']
    for candidate in candidates:
        if candidate and (Path(candidate) / 'vifi_protocol').is_dir():
            return Path(candidate)
    return None


ROOT = _find_root()
pytestmark = pytest.mark.skipif(
    ROOT is None, reason='published split files not found (set '
    'MMVLP_BENCHMARK_SPLITS to the folder holding vifi_protocol/)')
LABELS = 'vifi_protocol/labels'
SPLITS = 'vifi_protocol/datasets_splits'
B2N = f'{SPLITS}/base2novel_splits'


def names(csv_name, normalize=False):
    """Class names of a published CSV through the project's loader."""
    return load_class_names(ROOT / LABELS / csv_name, normalize=normalize)[0]


def lines(split):
    return read_annotations(ROOT / SPLITS / split)


def video_dataset(split, video_root):
    """The split file as MMAction2's VideoDataset reads it."""
    return DATASETS.build(dict(type='VideoDataset',
                               ann_file=str(ROOT / SPLITS / split),
                               data_prefix=dict(video=video_root),
                               pipeline=[]))


# ---------------------------------------------------------------------------
# class lists
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('csv_name, count', [
    ('kinetics_400_labels.csv', 400), ('kinetics_400_base_labels.csv', 200),
    ('kinetics_400_novel_labels.csv', 200),
    ('kinetics_600_labels.csv', 600), ('ZS_split1_K600.csv', 160),
    ('ZS_split2_K600.csv', 160), ('ZS_split3_K600.csv', 160),
    ('ucf_101_labels.csv', 101), ('ucf_101_base_labels.csv', 51),
    ('ucf_101_novel_labels.csv', 50), ('hmdb_51_labels.csv', 51),
    ('hmdb_51_base_labels.csv', 26), ('hmdb_51_novel_labels.csv', 25),
    ('ssv2_labels.csv', 174), ('ssv2_174_base_labels.csv', 87),
    ('ssv2_174_novel_labels.csv', 87)])
def test_published_csvs_load_and_normalise(csv_name, count):
    """Every CSV loads as written and normalised, with no duplicate after
    normalisation; base and novel halves partition the full list."""
    assert len(names(csv_name)) == count
    assert len(names(csv_name, normalize=True)) == count
    if '_base_' in csv_name:
        full = csv_name.replace('_base_', '_').replace('_174', '')
        novel = names(csv_name.replace('_base_', '_novel_'))
        assert not set(names(csv_name)) & set(novel)
        assert set(names(csv_name)) | set(novel) == set(names(full))


@pytest.mark.parametrize('label_map, count', [
    ('kinetics_label_map_k400.txt', 400), ('kinetics_label_map_k600.txt', 600),
    ('ucf101_label_map.txt', 101), ('hmdb51_label_map.txt', 51),
    ('sthv2_label_map.txt', 174)])
def test_mmaction_label_maps_load(label_map, count):
    """MMAction2's label maps load, sorted as its tools write them."""
    raw = load_class_names(ROOT / 'label_maps' / label_map,
                           normalize=False)[0]
    assert len(load_class_names(ROOT / 'label_maps' / label_map)[0]) == count
    assert raw == sorted(raw) or label_map.startswith('ucf')


def test_k600_zero_shot_splits_are_new_classes():
    """Three different 160-class splits of K600 classes absent from K400,
    drawn from the 220 new ones: K400 classes that K600 renamed (``dying
    hair`` -> ``dyeing hair``, ``tying tie`` -> ``tying necktie``) are not
    among them."""
    k400 = set(names('kinetics_400_labels.csv', normalize=True))
    k600 = set(names('kinetics_600_labels.csv', normalize=True))
    splits = [set(names(f'ZS_split{i}_K600.csv', normalize=True))
              for i in (1, 2, 3)]
    for split in splits:
        assert len(split) == 160 and split <= k600 - k400
    union = splits[0] | splits[1] | splits[2]
    assert len(union) <= 220
    assert not union & {'dyeing hair', 'tying necktie', 'hugging (not baby)'}
    assert splits[0] != splits[1] != splits[2]


# ---------------------------------------------------------------------------
# named videos, through VideoDataset
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('split, csv_name, video, label, expected', [
    # the example of the issue: class 22 of the novel CSV
    ('base2novel_splits/ucf_splits/novel_val.txt', 'ucf_101_novel_labels.csv',
     'v_ApplyLipstick_g01_c01.avi', 22, 'ApplyLipstick'),
    ('base2novel_splits/ucf_splits/base_val.txt', 'ucf_101_base_labels.csv',
     'v_ApplyEyeMakeup_g01_c01.avi', 17, 'ApplyEyeMakeup'),
    ('base2novel_splits/ucf_splits/fs_base_s1_train.txt',
     'ucf_101_base_labels.csv', 'v_Typing_g10_c04.avi', 0, 'Typing'),
    ('ucf_splits/val1.txt', 'ucf_101_labels.csv', 'v_YoYo_g01_c01.avi', 100,
     'YoYo'),
    ('base2novel_splits/hmdb_splits/novel_val.txt',
     'hmdb_51_novel_labels.csv',
     'Aussie_Brunette_Brushing_Long_Hair_brush_hair_u_nm_np1_ba_med_3.avi',
     0, 'brush hair'),
    ('base2novel_splits/hmdb_splits/base_val.txt', 'hmdb_51_base_labels.csv',
     'Bartender_of_America_Bartending_School_pour_u_cm_np1_fr_med_0.avi', 0,
     'pour'),
    ('hmdb_splits/val1.txt', 'hmdb_51_labels.csv',
     '20060723sfjffbartsinger_wave_f_cm_np1_ba_med_0.avi', 50, 'wave'),
    # SSv2 names do not carry the class: the same video in the full-list
    # validation file and in base_val/novel_val resolves to the same class
    ('ssv2_splits/validation.txt', 'ssv2_labels.csv', '74225.webm', 140,
     'Spinning something that quickly stops spinning'),
    ('base2novel_splits/ssv2_splits/base_val.txt', 'ssv2_174_base_labels.csv',
     '74225.webm', 28, 'Spinning something that quickly stops spinning'),
    ('ssv2_splits/validation.txt', 'ssv2_labels.csv', '198186.webm', 173,
     'Wiping something off of something'),
    ('base2novel_splits/ssv2_splits/novel_val.txt',
     'ssv2_174_novel_labels.csv', '198186.webm', 51,
     'Wiping something off of something'),
    # Kinetics: the first video of the class-sorted validation list
    ('base2novel_splits/k400_splits/base_val.txt',
     'kinetics_400_base_labels.csv', 'val/0wR5jVB-WPk_000417_000427.mp4', 169,
     'abseiling'),
    ('base2novel_splits/k400_splits/novel_val.txt',
     'kinetics_400_novel_labels.csv', 'val/-egPJubR-CE_000001_000011.mp4', 74,
     'answering questions'),
    ('k600_splits/ZS_split1_K600_eval.txt', 'ZS_split1_K600.csv',
     'train/-aNccq2jvUA_000055_000065.mp4', 0, 'acting in play'),
    ('k600_splits/ZS_split3_K600_eval.txt', 'ZS_split3_K600.csv',
     'train/0A8d23WeHjo_000018_000028.mp4', 0, 'adjusting glasses'),
])
def test_named_videos(split, csv_name, video, label, expected):
    """A named video's label, as VideoDataset reads it, is the expected
    class of the matching CSV."""
    dataset = video_dataset(split, 'data/any/videos')
    found = [d for d in dataset.load_data_list()
             if d['filename'] == f'data/any/videos/{video}']
    assert len(found) == 1 and found[0]['label'] == label
    assert names(csv_name)[label] == expected


# ---------------------------------------------------------------------------
# whole files
# ---------------------------------------------------------------------------
UCF_FILES = [('ucf_splits/val1.txt', ''), ('ucf_splits/val2.txt', ''),
             ('ucf_splits/val3.txt', ''),
             ('ucf_splits/train1_few_shot_2.txt', ''),
             ('ucf_splits/train1_few_shot_16.txt', '')] + [
    (f'base2novel_splits/ucf_splits/{f}.txt', part)
    for f, part in [('base_train', 'base'), ('base_val', 'base'),
                    ('fs_base_s1_train', 'base'),
                    ('fs_base_s2_train', 'base'),
                    ('fs_base_s3_train', 'base'), ('novel_val', 'novel')]]


@pytest.mark.parametrize('split, part', UCF_FILES)
def test_ucf_every_line_matches_its_csv(split, part):
    """``v_<Class>_gXX_cYY.avi`` is class ``<Class>`` of the full, base or
    novel CSV. (File names spell HandstandPushups as HandStandPushups, so
    names are compared case-insensitively.)"""
    csv_name = f'ucf_101_{part}_labels.csv' if part else 'ucf_101_labels.csv'
    classes = [n.lower() for n in names(csv_name)]
    for entry in lines(split):
        cls = re.fullmatch(r'v_(\w+?)_g\d+_c\d+\.avi', entry.path).group(1)
        assert classes[entry.label] == cls.lower(), (split, entry)


HMDB_FILES = [('hmdb_splits/val1.txt', ''), ('hmdb_splits/val3.txt', ''),
              ('hmdb_splits/train1_few_shot_8.txt', '')] + [
    (f'base2novel_splits/hmdb_splits/{f}.txt', part)
    for f, part in [('base_val', 'base'), ('fs_base_s1_train', 'base'),
                    ('novel_val', 'novel')]]
# The published HMDB CSVs name classes 20/21 and 44/45 the other way round
# from the videos those labels hold: videos of folder ``kick`` carry the
# label named 'kick ball' and vice versa; likewise ``sword`` and
# ``sword_exercise``. Numbers on these files inherit this.
HMDB_SWAPPED = {'kick': 'kick ball', 'kick ball': 'kick',
                'sword': 'sword exercise', 'sword exercise': 'sword'}


@pytest.mark.parametrize('split, part', HMDB_FILES)
def test_hmdb_every_line_matches_its_csv(split, part):
    """``<title>_<class>_<tags>.avi`` is class ``<class>`` of the matching
    CSV, except for the two swapped pairs of the published files."""
    csv_name = f'hmdb_51_{part}_labels.csv' if part else 'hmdb_51_labels.csv'
    classes = names(csv_name)
    every = names('hmdb_51_labels.csv')
    tags = r'_[fhlu]_(?:cm|nm)_np\d+_(?:ba|fr|le|ri)_(?:bad|med|goo)_\d+\.avi'
    swapped = 0
    for entry in lines(split):
        stem = re.sub(tags + '$', '', entry.path)
        assert stem != entry.path, entry
        # the longest class name the title ends with (draw_sword, not sword)
        cls = max((c for c in every
                   if stem.endswith('_' + c.replace(' ', '_'))), key=len)
        named = classes[entry.label]
        if cls in HMDB_SWAPPED:
            assert named == HMDB_SWAPPED[cls], (split, entry)
            swapped += 1
        else:
            assert named == cls, (split, entry)
    assert swapped > 0


@pytest.mark.parametrize('split, csv_name', [
    ('base2novel_splits/k400_splits/base_val.txt',
     'kinetics_400_base_labels.csv'),
    ('base2novel_splits/k400_splits/novel_val.txt',
     'kinetics_400_novel_labels.csv'),
    ('k600_splits/ZS_split1_K600_eval.txt', 'ZS_split1_K600.csv'),
    ('k600_splits/ZS_split2_K600_eval.txt', 'ZS_split2_K600.csv'),
    ('k600_splits/ZS_split3_K600_eval.txt', 'ZS_split3_K600.csv')])
def test_kinetics_lists_follow_their_csv(split, csv_name):
    """The Kinetics lists are grouped by class in alphabetical order; read
    through the right CSV, the classes come out sorted, and every class
    appears. (Read through the full K400 list they would not.)"""
    classes = names(csv_name)
    order = []
    for entry in lines(split):
        if not order or order[-1] != classes[entry.label]:
            order.append(classes[entry.label])
    assert order == sorted(classes)
    if 'k400' in split:
        full = names('kinetics_400_labels.csv')
        by_full = [full[e.label] for e in lines(split)]
        assert by_full != sorted(by_full)


def test_k400_base_novel_files_are_disjoint_and_seeded():
    """Base and novel validation videos are disjoint; each seed's training
    file has 16 videos of each of the 200 base classes, and seeds differ."""
    base = {e.path for e in lines('base2novel_splits/k400_splits/'
                                  'base_val.txt')}
    novel = {e.path for e in lines('base2novel_splits/k400_splits/'
                                   'novel_val.txt')}
    assert base and novel and not base & novel
    seeds = []
    for seed in (1, 2, 3):
        train = lines(f'base2novel_splits/k400_splits/'
                      f'fs_base_s{seed}_train.txt')
        assert Counter(e.label for e in train) == {i: 16 for i in range(200)}
        seeds.append({e.path for e in train})
    assert seeds[0] != seeds[1] != seeds[2]


def test_k600_splits_agree_on_shared_videos():
    """A video in two zero-shot splits resolves to the same class name,
    each through its own split's CSV."""
    resolved = {}
    shared = 0
    for i in (1, 2, 3):
        classes = names(f'ZS_split{i}_K600.csv')
        for entry in lines(f'k600_splits/ZS_split{i}_K600_eval.txt'):
            name = classes[entry.label]
            shared += entry.path in resolved
            assert resolved.setdefault(entry.path, name) == name, entry
    assert shared > 1000


@pytest.mark.parametrize('part', ['base', 'novel'])
def test_ssv2_base_novel_agree_with_validation(part):
    """Every SSv2 base/novel validation video has, through the base or
    novel CSV, the class it has in the full-list validation file."""
    full = names('ssv2_labels.csv')
    reference = {e.path: full[e.label]
                 for e in lines('ssv2_splits/validation.txt')}
    classes = names(f'ssv2_174_{part}_labels.csv')
    entries = lines(f'base2novel_splits/ssv2_splits/{part}_val.txt')
    assert entries
    for entry in entries:
        assert classes[entry.label] == reference[entry.path], entry


@pytest.mark.parametrize('dataset, classes', [('ucf', 101), ('hmdb', 51),
                                              ('ssv2', 174)])
@pytest.mark.parametrize('shots', [2, 4, 8, 16])
def test_few_shot_files_have_k_per_class(dataset, classes, shots):
    """``train1_few_shot_K.txt`` has exactly K videos of every class."""
    entries = lines(f'{dataset}_splits/train1_few_shot_{shots}.txt')
    assert Counter(e.label for e in entries) == {i: shots
                                                 for i in range(classes)}


@pytest.mark.parametrize('dataset, full_split, prefix', [
    ('ucf', 'ucf_splits/val1.txt', 'ucf_101'),
    ('hmdb', 'hmdb_splits/val1.txt', 'hmdb_51'),
    ('ssv2', 'ssv2_splits/validation.txt', 'ssv2_174')])
def test_base_novel_split_reproduces_published_files(dataset, full_split,
                                                     prefix):
    """Splitting the full-list validation file with the published base and
    novel class lists gives exactly the published base_val.txt and
    novel_val.txt: the tool follows the same convention."""
    full = names(f'{prefix.replace("_174", "")}_labels.csv')
    lookup = LabelLookup(full)
    base = lookup.labels(names(f'{prefix}_base_labels.csv'), 'base')
    novel = lookup.labels(names(f'{prefix}_novel_labels.csv'), 'novel')
    base_lines, novel_lines = base_novel_split(lines(full_split), base, novel)
    for part, got in (('base', base_lines), ('novel', novel_lines)):
        published = lines(f'base2novel_splits/{dataset}_splits/{part}_val.txt')
        assert [(e.path, e.label) for e in got] == \
            [(e.path, e.label) for e in published]


@pytest.mark.parametrize('dataset, classes', [('ucf', 51), ('hmdb', 26),
                                              ('ssv2', 87)])
def test_base_few_shot_files_are_subsets_of_base_train(dataset, classes):
    """Each seed's ``fs_base_s*_train.txt`` is 16 videos of every base class
    taken from ``base_train.txt``, with the same (base-CSV) labels."""
    folder = f'base2novel_splits/{dataset}_splits'
    base_train = {(e.path, e.label) for e in lines(f'{folder}/base_train.txt')}
    for seed in (1, 2, 3):
        shots = [(e.path, e.label)
                 for e in lines(f'{folder}/fs_base_s{seed}_train.txt')]
        assert set(shots) <= base_train
        assert Counter(label for _, label in shots) == {
            i: 16 for i in range(classes)}
