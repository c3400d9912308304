"""The benchmark world: disjoint words where the settings say so, motion
that no single frame shows, determinism, and the protocol files."""
from pathlib import Path

import numpy as np
import pytest

from mmvlprompt.worlds import scene as bw
from mmvlprompt.worlds import world_v1 as bwf
from mmvlprompt.worlds.protocol import render_scene
from mmvlprompt.datasets.annotations import read_annotations

SETS = bw.class_sets()


def test_class_sets_have_disjoint_words_where_the_setting_says_so():
    """World A/B and b2n base/novel share no word; motion base/novel share
    no motion; the compositional split reuses world A's words only."""
    words = {k: bw.class_words(v) for k, v in SETS.items()}
    assert not words['world_a'] & words['world_b']
    assert not words['b2n_base'] & words['b2n_novel']
    assert not words['motion_base'] & words['motion_novel']
    assert words['motion_base'] | words['motion_novel'] == set(bw.MOTIONS)
    # compositional: unseen combinations of seen words
    assert not set(SETS['comp_base']) & set(SETS['comp_novel'])
    assert words['comp_novel'] <= words['comp_base'] == words['world_a']
    # the four appearance blocks tile the 10 x 10 vocabulary once
    blocks = SETS['world_a'] + SETS['world_b'] + SETS['b2n_base'] + \
        SETS['b2n_novel']
    assert sorted(blocks) == sorted((c, s) for c in bw.COLOURS
                                    for s in bw.SHAPES)
    # chance <= 5 % on the appearance sets
    assert min(len(SETS[k]) for k in ('world_a', 'world_b', 'b2n_base',
                                      'b2n_novel')) >= 20


def test_zero_shot_subsets_are_distinct_subsets_of_world_b():
    subsets = bw.zero_shot_subsets()
    assert len(subsets) == 3 and all(len(s) == 20 for s in subsets)
    assert all(set(s) <= set(SETS['world_b']) for s in subsets)
    assert len({tuple(s) for s in subsets}) == 3
    assert subsets == bw.zero_shot_subsets()  # deterministic


def test_render_is_deterministic_and_seed_dependent():
    a, b, c = (bwf.render_pool_video('motion_test', 2, 0, 6, 32, seed)
               for seed in (0, 0, 1))
    assert a.shape == (6, 32, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    pictures = [bw.picture_caption_batch(4, 32, np.random.default_rng(3))
                for _ in range(2)]
    assert np.array_equal(pictures[0][0], pictures[1][0])
    assert pictures[0][1] == pictures[1][1]


def test_every_word_is_in_the_picture_corpus():
    """The web corpus names every colour, shape and motion."""
    _, captions = bw.picture_caption_batch(600, 16,
                                           np.random.default_rng(0))
    text = ' '.join(captions)
    for word in list(bw.COLOURS) + list(bw.SHAPES) + list(bw.MOTIONS):
        assert f' {word}' in text, word


def _frame_descriptor(frame):
    """What one frame shows of the object: where its saturated pixels are
    (4 x 4 grid), their hues (12 bins) and their amount."""
    import cv2
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    mask = (hsv[..., 1] > 100) & (hsv[..., 2] > 60)
    h, w = mask.shape
    grid = mask.reshape(4, h // 4, 4, w // 4).mean((1, 3)).ravel()
    hues = np.bincount(hsv[..., 0][mask] // 15, minlength=12)[:12] / mask.size
    return np.concatenate([grid, hues, [mask.mean()]])


def _max_z(triples, per_class=96, frame=3):
    """The largest two-sample z-score, over every pair of classes and every
    entry of the one-frame descriptor, of the per-class mean descriptors.
    Equal frame distributions give about 3-4 (the maximum of several
    hundred standard-normal scores); classes that one frame tells apart
    give far more."""
    desc = [np.stack([_frame_descriptor(render_scene(
        triple, frame + 1, 24, np.random.default_rng([5, label, i]))[frame])
        for i in range(per_class)]) for label, triple in enumerate(triples)]
    worst = 0.0
    for i in range(len(desc)):
        for j in range(i + 1, len(desc)):
            se = np.sqrt((desc[i].var(0) + desc[j].var(0)) / per_class)
            z = np.abs(desc[i].mean(0) - desc[j].mean(0)) / (se + 1e-6)
            worst = max(worst, float(z.max()))
    return worst


@pytest.mark.slow
def test_motion_classes_cannot_be_told_apart_from_one_frame():
    """Per-class mean frames (as position, hue and amount of the object's
    pixels) of the motion-only classes are equal within noise, at the first
    and at a middle frame, while the same statistic separates appearance
    classes (the check has teeth)."""
    for frame in (0, 5):
        z = _max_z(SETS['motion'], frame=frame)
        assert z < 4.5, (frame, z)
    z = _max_z(list(zip(bw.COLOURS_A, bw.SHAPES_A)))
    assert z > 10, z


def test_one_frame_object_state_is_uniform_for_every_motion():
    """The motion reaches a frame only through the object's centre and
    angle (colour, shape, size, background and camera are drawn without
    it); at every frame their distribution is uniform for every motion
    (Kolmogorov-Smirnov distance to uniform over 1500 paths)."""
    def ks_uniform(values):
        v = np.sort(values)
        grid = np.arange(1, len(v) + 1) / len(v)
        return max(np.abs(grid - v).max(), np.abs(grid - 1 / len(v) - v).max())

    for motion in bw.MOTIONS:
        rng = np.random.default_rng([11, bw.MOTIONS.index(motion)])
        paths = [bw.motion_path(motion, 8, 64, rng) for _ in range(1500)]
        for frame in (0, 3, 7):
            for key, period in (('x', 64), ('y', 64), ('angle', 2 * np.pi)):
                values = np.array([p[key][frame] for p in paths]) % period
                d = ks_uniform(values / period)
                assert d < 0.05, (motion, frame, key, d)


def test_motion_is_visible_over_frames():
    """The frame set does differ: a resting object stays, a jumping one
    moves far, a spinning one turns in place."""
    rng = np.random.default_rng(0)
    path = {m: bw.motion_path(m, 8, 64, rng) for m in bw.MOTIONS}
    assert np.ptp(path['resting']['x']) == 0
    assert np.ptp(path['spinning']['angle']) > 2
    assert np.ptp(path['spinning']['x']) == 0
    assert np.ptp(path['jumping']['x']) > 10
    with pytest.raises(ValueError, match='unknown motion'):
        bw.motion_path('flying', 8, 64, rng)


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
