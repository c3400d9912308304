"""How a world writes its protocol files (mmvlprompt/worlds/protocol.py)
and draws its videos' generators (mmvlprompt/worlds/world_v2.py), on hand
examples: what a motion or appearance class's video may show, relabelled
subsets, few-shot files and their checks."""
import numpy as np
import pytest

from mmvlprompt.datasets.annotations import (AnnotationLine,
                                             read_annotations)
from mmvlprompt.worlds import protocol
from mmvlprompt.worlds import scene
from mmvlprompt.worlds import world_v2 as w2


@pytest.fixture
def drawn(monkeypatch):
    """The (colour, shape, motion) of each render_scene call, not drawn."""
    calls = []

    def record(colour, shape, motion, num_frames, size, rng):
        calls.append((colour, shape, motion))
        return np.zeros((num_frames, size, size, 3), np.uint8)

    monkeypatch.setattr(protocol.scene, 'render_clip', record)
    return calls


def test_a_motion_class_shows_every_colour_and_shape(drawn):
    for seed in range(300):
        protocol.render_scene(('spinning',), 1, 8,
                              np.random.default_rng(seed))
    assert {c[2] for c in drawn} == {'spinning'}
    assert {c[0] for c in drawn} == set(scene.COLOURS)
    assert {c[1] for c in drawn} == set(scene.SHAPES)


def test_an_appearance_class_shows_every_motion(drawn):
    for seed in range(200):
        protocol.render_scene(('red', 'star'), 1, 8,
                              np.random.default_rng(seed))
    assert {c[:2] for c in drawn} == {('red', 'star')}
    assert {c[2] for c in drawn} == set(scene.MOTIONS)


def test_subset_relabels_by_position_in_the_kept_list():
    classes = [('a',), ('b',), ('c',), ('d',), ('e',)]
    entries = [AnnotationLine(f'v{i}.mp4', i % 5) for i in range(10)]
    kept = protocol.subset_entries(entries, classes, [('d',), ('b',)])
    assert kept == [AnnotationLine('v1.mp4', 1), AnnotationLine('v3.mp4', 0),
                    AnnotationLine('v6.mp4', 1), AnnotationLine('v8.mp4', 0)]


def test_few_shot_files_per_k_and_seed(tmp_path):
    entries = [AnnotationLine(f'c{label}_{i}.mp4', label)
               for label in range(3) for i in range(5)]
    files = protocol.ProtocolFiles(tmp_path)
    files.few_shot('fs', entries, shots=(1, 4), num_classes=3)
    assert sorted(k for k in files.paths if k != 'root') == [
        f'fs_k{k}_s{s}' for k in (1, 4) for s in (1, 2, 3)]
    for k in (1, 4):
        samples = [read_annotations(files.paths[f'fs_k{k}_s{s}'])
                   for s in (1, 2, 3)]
        for sample in samples:
            assert np.bincount([e.label for e in sample]).tolist() == [k] * 3
            assert {e.path for e in sample} <= {e.path for e in entries}
        if k == 1:  # 5 ways to pick per class: the seeds differ
            assert len({tuple(e.path for e in s) for s in samples}) > 1


def test_few_shot_refuses_a_class_without_videos(tmp_path):
    """Classes 0 and 1 have videos; the set has 3 classes: class 2 has 0
    of the 2 videos asked for."""
    entries = [AnnotationLine(f'c{label}_{i}.mp4', label)
               for label in range(2) for i in range(3)]
    files = protocol.ProtocolFiles(tmp_path)
    with pytest.raises(ValueError, match='1 of 3 classes have fewer than 2 '
                       'videos: 2: 0'):
        files.few_shot('fs', entries, shots=(2,), num_classes=3)


def test_scene_and_camera_draw_from_different_generators():
    """A video's camera jitter is not the scene's draws replayed: the two
    generators differ, and each depends on seed, pool, label and index."""
    scene_rng, camera_rng = w2.video_generators('world_a_test', 2, 5, 0)
    assert not np.array_equal(scene_rng.random(16), camera_rng.random(16))
    first = w2.video_generators('world_a_test', 2, 5, 0)[1].random(4)
    for other in (('world_a_test', 2, 5, 1), ('world_b_test', 2, 5, 0),
                  ('world_a_test', 3, 5, 0), ('world_a_test', 2, 6, 0)):
        assert not np.array_equal(
            first, w2.video_generators(*other)[1].random(4)), other


def test_exact_test_set_sizes():
    """5 colours x 5 shapes = 25 classes in world A, world B and each half
    of base-to-novel; 8 motions. Videos a class: world A 40, world B 50,
    base and novel 40, motion 125; a zero-shot subset is 20 of world B's
    classes, 50 videos each."""
    sets = scene.class_sets()
    assert {k: len(sets[k]) for k in ('world_a', 'world_b', 'b2n_base',
                                      'b2n_novel', 'motion')} == dict(
        world_a=25, world_b=25, b2n_base=25, b2n_novel=25, motion=8)
    assert w2.test_set_sizes() == dict(
        world_a=25 * 40, world_b=25 * 50, b2n_base=25 * 40,
        b2n_novel=25 * 40, motion=8 * 125, zs_s1=20 * 50, zs_s2=20 * 50,
        zs_s3=20 * 50)
    sizes = w2.test_set_sizes({'world_a_test': 2, 'world_b_test': 3})
    assert (sizes['world_a'], sizes['world_b'], sizes['zs_s3'],
            sizes['motion']) == (25 * 2, 25 * 3, 20 * 3, 8 * 125)
