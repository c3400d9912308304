"""The benchmark worlds' scene (mmvlprompt/worlds/scene.py) and the scene
renderer of the protocol files (protocol.render_scene), which world v2
sees through its camera: disjoint words where the settings say so, motion
that no single frame shows, determinism, and the pretraining pictures.

Moved from tests/test_bench_world.py when world v1 retired; world v2's own
files are tested in tests/test_world_v2.py."""
import numpy as np
import pytest

from mmvlprompt.worlds import scene as bw
from mmvlprompt.worlds.protocol import render_scene

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
    """The same generator seed draws the same scene (a motion class here:
    a random object), another seed another one; so do the pictures."""
    spinning = SETS['motion'][bw.MOTIONS.index('spinning')]
    a, b, c = (render_scene(spinning, 6, 32, np.random.default_rng([seed, 2]))
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
