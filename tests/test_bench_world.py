"""World v1's files and configs (the scene and its renderer are tested in
tests/test_world_scene.py)."""
from pathlib import Path

import numpy as np
import pytest

from mmvlprompt.worlds import world_v1 as bwf
from mmvlprompt.datasets.annotations import read_annotations


TINY = dict(num_frames=2, size=32, seed=0, shots=(2, 3), b2n_shots=3,
            counts={p: (4 if p.endswith('train') else 1) for p in bwf.POOLS})


@pytest.fixture(scope='module')
def tiny_world(tmp_path_factory):
    """Every protocol file, with 4 training and 1 test video a class."""
    root = tmp_path_factory.mktemp('bench')
    return bwf.make_bench_world(root / 'w', **TINY)


def _names(path):
    return Path(path).read_text().splitlines()


def test_protocol_files_are_consistent(tiny_world):
    """Labels index each file's own class list; few-shot files hold K per
    class; the 3 seeds differ; zero-shot subsets keep their videos; b2n
    class files have disjoint words."""
    paths, root = tiny_world, tiny_world['root']
    for name, classes, per_class in (
            ('world_a_train', 'world_a', 4), ('world_a_test', 'world_a', 1),
            ('zs_s2_test', 'zs_s2', 1), ('motion_test', 'motion', 1),
            ('fs_appearance_k3_s2', 'world_b', 3),
            ('fs_motion_k2_s3', 'motion', 2),
            ('b2n_base_k16_s1', 'b2n_base', 3),
            ('motion_novel_test', 'motion_novel', 1),
            ('comp_base_k16_s2', 'comp_base', 3)):
        entries = read_annotations(paths[name])
        names = _names(paths[f'classes_{classes}'])
        counts = np.bincount([e.label for e in entries],
                             minlength=len(names))
        assert counts.tolist() == [per_class] * len(names), name
        for e in entries:  # the file name spells the class words
            words = e.path.split('/')[-1].rsplit('_', 1)[0].split('_')
            assert names[e.label].split()[-len(words):] == words, (name, e)
            assert (root / 'videos' / e.path).is_file()
    seeds = [_names(paths[f'b2n_base_k16_s{s}']) for s in (1, 2, 3)]
    assert seeds[0] != seeds[1] != seeds[2]
    for b, n in (('b2n_base', 'b2n_novel'), ('motion_base', 'motion_novel'),
                 ('world_a', 'world_b')):
        def words(key):
            return {w for line in _names(paths[f'classes_{key}'])
                    for w in line.split()} - {'a', 'something'}
        assert not words(b) & words(n), (b, n)


@pytest.mark.slow
@pytest.mark.slow
def test_world_files_are_deterministic(tiny_world, tmp_path):
    """A second run with the same seed writes the same files and videos."""
    import decord
    again = bwf.make_bench_world(tmp_path / 'w', **TINY)
    for key in ('fs_motion_k3_s1', 'zs_s3_test', 'classes_comp_novel'):
        assert again[key].read_text() == tiny_world[key].read_text()
    rel = read_annotations(again['motion_test'])[7].path
    frames = [decord.VideoReader(str(p['root'] / 'videos' / rel)).get_batch(
        [0, 1]).asnumpy() for p in (again, tiny_world)]
    assert np.array_equal(*frames)


@pytest.mark.slow
def test_setting_configs_read_the_world_with_matching_labels(tiny_world,
                                                             monkeypatch):
    """Every setting config's training, template test and multi-set test
    files exist under MMVLP_BENCH_ROOT and their labels index the class
    names they are checked against (LabelRangeHook)."""
    from mmengine.config import Config
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.setenv('MMVLP_BENCH_ROOT', str(tiny_world['root']))

    def check(ann, classes):
        labels = {e.label for e in read_annotations(ann)}
        assert labels and max(labels) < len(_names(classes)), (ann, classes)

    for config in sorted((repo / 'configs' / 'benchmark').glob('world_*.py')):
        cfg = Config.fromfile(str(config))
        names = cfg.model.cls_head.class_names
        train = cfg.train_dataloader.dataset.ann_file  # the tiny world's K
        check(train.replace('_k16_s', '_k3_s') if '/fs_' in train else train,
              names)
        check(cfg.val_dataloader.dataset.ann_file, names)
        for spec in cfg.test_cfg.get('sets', []):
            check(spec['ann_file'], spec['class_names'])
