"""The synthetic world: split, determinism, decodable videos, labels."""
import decord
import numpy as np
import pytest

from mmvlprompt.datasets import synthetic_world as world


def test_split_novel_classes_are_unseen_combinations_of_seen_words():
    """24/24 split, disjoint, and every word of a novel class is seen."""
    base, novel = world.base_novel_split()
    assert len(base) == len(novel) == len(world.all_classes()) // 2 == 24
    assert not set(base) & set(novel)
    for position in range(3):
        base_words = {t[position] for t in base}
        assert base_words == {t[position] for t in novel}
    # each (colour, shape) pair is seen in base with some action, and the
    # novel actions of that pair are new combinations
    pairs = {(c, s) for c, s, _ in base}
    assert pairs == {(c, s) for c, s, _ in novel}


def test_render_is_deterministic_and_seed_dependent():
    """Same generator seed, same frames; another seed, other frames."""
    def video(seed):
        return world.render_video('red', 'cross', 'spinning', 6, 48,
                                  np.random.default_rng(seed))
    a, b, c = video(3), video(3), video(4)
    assert a.shape == (6, 48, 48, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    img1 = world.render_image('blue', 'square', 'sliding', 64,
                              np.random.default_rng(1))
    img2 = world.render_image('blue', 'square', 'sliding', 64,
                              np.random.default_rng(1))
    assert np.array_equal(img1, img2)


def test_blinking_hides_the_object_and_sliding_moves_it():
    """Actions change the object over frames: the object's colour is
    missing from some blinking frames, and a sliding object moves."""
    red = np.array(world.COLOURS['red'], dtype=np.int16)

    def red_mask(frame):
        return (np.abs(frame.astype(np.int16) - red).sum(-1) < 80)

    blink = world.render_video('red', 'square', 'blinking', 8, 64,
                               np.random.default_rng(0))
    counts = [red_mask(f).sum() for f in blink]
    assert min(counts) < 5 < 40 < max(counts), counts
    slide = world.render_video('red', 'square', 'sliding', 8, 64,
                               np.random.default_rng(0))
    xs = [np.nonzero(red_mask(f))[1].mean() for f in slide]
    assert abs(xs[-1] - xs[0]) > 20, xs


def test_caption_names_the_class():
    """Captions embed the class phrase in one of the templates."""
    rng = np.random.default_rng(0)
    images, captions = world.image_caption_batch(12, 32, rng)
    assert images.shape == (12, 32, 32, 3)
    phrases = {world.class_name(*t) for t in world.all_classes()}
    for text in captions:
        assert any(p in text for p in phrases), text


@pytest.fixture(scope='module')
def small_world(tmp_path_factory):
    root = tmp_path_factory.mktemp('world')
    kwargs = dict(train_per_class=1, test_per_class=1, num_frames=5,
                  size=32, seed=7)
    return (world.make_synthetic_world(root / 'a', **kwargs),
            world.make_synthetic_world(root / 'b', **kwargs))


def test_dataset_files_decode_and_labels_match_names(small_world):
    """Every annotated video decodes to 5 frames of 32 px, and its label
    indexes the label-map line of the class named in its file name."""
    paths, _ = small_world
    for split, label_map in (('train_base', 'label_map_base'),
                             ('test_base', 'label_map_base'),
                             ('test_novel', 'label_map_novel')):
        names = paths[label_map].read_text().splitlines()
        lines = paths[split].read_text().splitlines()
        assert len(lines) == len(names) == 24
        for line in lines:
            rel, label = line.rsplit(' ', 1)
            colour, shape, action, _ = rel.split('/')[-1].split('_')
            assert names[int(label)] == world.class_name(colour, shape,
                                                         action)
            reader = decord.VideoReader(str(paths['root'] / 'videos' / rel))
            assert len(reader) == 5
            assert reader[0].shape == (32, 32, 3)
    all_names = paths['label_map_all'].read_text().splitlines()
    assert sorted(all_names) == sorted(
        paths['label_map_base'].read_text().splitlines() +
        paths['label_map_novel'].read_text().splitlines())


def test_dataset_is_deterministic(small_world):
    """Two runs with the same seed write the same annotations and frames."""
    a, b = small_world
    for key in ('train_base', 'test_novel', 'label_map_novel'):
        assert a[key].read_text() == b[key].read_text()
    rel = a['test_novel'].read_text().split()[0]
    fa = decord.VideoReader(str(a['root'] / 'videos' / rel)).get_batch(
        range(5)).asnumpy()
    fb = decord.VideoReader(str(b['root'] / 'videos' / rel)).get_batch(
        range(5)).asnumpy()
    assert np.array_equal(fa, fb)
