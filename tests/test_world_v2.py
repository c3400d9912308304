"""World v2 (docs/en/benchmark/world_v2.md): determinism, structure, test
set sizes, and the camera that videos get and stills do not."""
import colorsys
from pathlib import Path

import numpy as np
import pytest

from mmvlprompt.worlds import scene as bw
from mmvlprompt.datasets.annotations import read_annotations
from mmvlprompt.worlds import Camera, make_world_v2, render_pool_video
from mmvlprompt.worlds import camera as cam
from mmvlprompt.worlds import world_v2 as w2

TINY = dict(num_frames=2, size=32, seed=0, shots=(2, 3), b2n_shots=3,
            counts={p: (4 if p.endswith('train') else 1) for p in w2.POOLS})


@pytest.fixture(scope='module')
def tiny_world(tmp_path_factory):
    """Every protocol file, with 4 training and 1 test video a class."""
    return make_world_v2(tmp_path_factory.mktemp('v2') / 'w', **TINY)


def _names(path):
    return Path(path).read_text().splitlines()


def test_every_test_set_has_at_least_1000_videos_at_full_size():
    sizes = w2.test_set_sizes()
    assert set(sizes) == {'world_a', 'world_b', 'b2n_base', 'b2n_novel',
                          'motion', 'zs_s1', 'zs_s2', 'zs_s3'}
    assert min(sizes.values()) >= 1000, sizes


def test_test_set_sizes_match_the_written_files(tiny_world):
    sizes = w2.test_set_sizes(TINY['counts'])
    for name, ann in (('world_a', 'world_a_test'),
                      ('world_b', 'world_b_test'),
                      ('b2n_base', 'b2n_base_test'),
                      ('b2n_novel', 'b2n_novel_test'),
                      ('motion', 'motion_test'), ('zs_s2', 'zs_s2_test')):
        assert len(read_annotations(tiny_world[ann])) == sizes[name], name


def test_videos_are_deterministic_per_seed_and_differ_across_seeds():
    a = render_pool_video('world_b_test', 3, 1, 3, 32, seed=5)
    assert np.array_equal(a, render_pool_video('world_b_test', 3, 1, 3, 32,
                                               seed=5))
    assert not np.array_equal(a, render_pool_video('world_b_test', 3, 1, 3,
                                                   32, seed=6))
    assert not np.array_equal(a, render_pool_video('world_b_test', 3, 2, 3,
                                                   32, seed=5))


def test_camera_changes_every_frame_of_a_video():
    """With and without the camera the scene is the same draw, and the
    camera changes every frame: a plain wall above the seen floor."""
    plain = render_pool_video('world_a_test', 0, 0, 4, 64, seed=0,
                              camera=False)
    seen = render_pool_video('world_a_test', 0, 0, 4, 64, seed=0)
    assert plain.shape == seen.shape
    for i in range(4):
        assert np.abs(plain[i].astype(int) - seen[i]).mean() > 10
    # rows above the floor show only the wall and noise
    squash = cam.camera_model(w2.VERSION).squash[1]
    top = seen[:, :int((1 - squash) * 64) - 1].astype(float)
    noise = cam.camera_model(w2.VERSION).noise_sigma[1]
    assert top.std(axis=(1, 2)).max() < 3 * noise


@pytest.mark.parametrize('version', sorted(cam.CAMERA_MODELS))
def test_camera_rotates_hue_and_keeps_it_recoverable(version):
    model = cam.camera_model(version)
    red = np.zeros((1, 32, 32, 3), np.uint8)
    red[..., 0] = 220
    camera = Camera(keystone_top=1.0, squash=1.0, blur_sigma=0.1,
                    vignette=0.0, gains=(1.0, 1.0, 1.0), noise_sigma=0.0,
                    wall=100.0, model=model)
    out = camera.apply(red, np.random.default_rng(0))[0, 16, 16] / 255.0
    hue = colorsys.rgb_to_hsv(*out)[0] * 360
    assert abs(hue - model.hue_degrees) < 15, hue  # red (0 deg) turned
    m = cam.colour_matrix(model.hue_degrees, model.saturation)
    assert np.linalg.matrix_rank(m) == 3  # invertible: nothing lost
    assert np.allclose(m @ np.ones(3), np.ones(3))  # greys stay grey


def test_unknown_world_version_is_a_clear_error():
    with pytest.raises(KeyError, match='no camera for world version'):
        cam.camera_model('9.9')


def test_stills_are_not_seen_through_the_camera():
    """The pretraining corpus (stills) is v1's renderer, untouched by the
    camera: its top rows show the cluttered scene, not a plain wall."""
    rng = np.random.default_rng(0)
    images, _ = bw.picture_caption_batch(16, 64, rng, motion_fraction=0)
    video_top = np.stack([render_pool_video('world_a_test', i, 0, 1, 64, 0)
                          for i in range(16)])[:, 0, :11].astype(float)
    still_top = images[:, :11].astype(float)
    assert np.median(still_top.std(axis=(1, 2, 3))) > \
        1.5 * np.median(video_top.std(axis=(1, 2, 3)))


def test_protocol_files_are_consistent(tiny_world):
    """Labels index each file's own class list; few-shot files hold K per
    class; the 3 seeds differ; zero-shot subsets keep their videos; b2n
    and world A / B class files have disjoint words."""
    paths, root = tiny_world, tiny_world['root']
    for name, classes, per_class in (
            ('world_a_train', 'world_a', 4), ('world_a_test', 'world_a', 1),
            ('zs_s2_test', 'zs_s2', 1), ('motion_test', 'motion', 1),
            ('fs_appearance_k3_s2', 'world_b', 3),
            ('fs_motion_k2_s3', 'motion', 2),
            ('b2n_base_k16_s1', 'b2n_base', 3),
            ('b2n_novel_test', 'b2n_novel', 1)):
        entries = read_annotations(paths[name])
        names = _names(paths[f'classes_{classes}'])
        counts = np.bincount([e.label for e in entries],
                             minlength=len(names))
        assert counts.tolist() == [per_class] * len(names), name
        for e in entries:  # the file name spells the class words
            words = e.path.split('/')[-1].rsplit('_', 1)[0].split('_')
            assert names[e.label].split()[-len(words):] == words, (name, e)
            assert (root / 'videos' / e.path).is_file()
    assert len(_names(paths['classes_zs_s1'])) == w2.ZERO_SHOT_SUBSET_SIZE
    seeds = [_names(paths[f'b2n_base_k16_s{s}']) for s in (1, 2, 3)]
    assert seeds[0] != seeds[1] != seeds[2]
    for b, n in (('b2n_base', 'b2n_novel'), ('world_a', 'world_b')):
        def words(key):
            return {w for line in _names(paths[f'classes_{key}'])
                    for w in line.split()} - {'a', 'something'}
        assert not words(b) & words(n), (b, n)


@pytest.mark.slow
def test_world_files_are_deterministic(tiny_world, tmp_path):
    """A second run with the same seed writes the same files and videos,
    byte for byte."""
    again = make_world_v2(tmp_path / 'w', **TINY)
    assert _tree(again['root']) == _tree(tiny_world['root'])


def test_unknown_pool_is_a_clear_error(tmp_path):
    with pytest.raises(KeyError, match='unknown pools'):
        make_world_v2(tmp_path, counts={'world_c_test': 1})
    with pytest.raises(KeyError, match='unknown pool'):
        render_pool_video('world_c_test', 0, 0, 2, 32, 0)


def test_world_v2_configs_read_the_world_with_matching_labels(tiny_world,
                                                              monkeypatch):
    from mmengine.config import Config
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.setenv('MMVLP_WORLD_V2_ROOT', str(tiny_world['root']))

    def check(ann, classes):
        labels = {e.label for e in read_annotations(ann)}
        assert labels and max(labels) < len(_names(classes)), (ann, classes)

    configs = sorted(
        (repo / 'configs' / 'benchmark' / 'world_v2').glob('*.py'))
    assert len(configs) == 6
    for config in configs:
        cfg = Config.fromfile(str(config))
        names = cfg.model.cls_head.class_names
        train = cfg.train_dataloader.dataset.ann_file
        check(train.replace('_k16_s', '_k3_s') if '/fs_' in train else train,
              names)
        check(cfg.val_dataloader.dataset.ann_file, names)
        assert str(tiny_world['root']) in cfg.train_dataloader.dataset[
            'data_prefix']['video']
        for spec in cfg.test_cfg.get('sets', []):
            check(spec['ann_file'], spec['class_names'])
        # the cosine ends at the last iteration of the recipe
        sched = cfg.param_scheduler[-1]
        assert sched['type'] == 'CosineAnnealingLR' and sched['end'] > 10


B2N_POOLS = ('b2n_train', 'b2n_base_test', 'b2n_novel_test')


def _tree(root):
    root = Path(root)
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


def test_some_pools_write_the_full_worlds_files_byte_for_byte(
        tiny_world, tmp_path):
    """What `make demo` generates (the base-to-novel pools only) is the full
    world's files for those pools, byte for byte, and nothing else."""
    paths = make_world_v2(tmp_path / 'b2n', pools=B2N_POOLS, **TINY)
    part, full = _tree(paths['root']), _tree(tiny_world['root'])
    expected = {name for name in full
                if name.startswith(('videos/b2n_', 'b2n_',
                                    'classes_b2n_'))} | {'world.json'}
    assert set(part) == expected
    for name in expected - {'world.json'}:
        assert part[name] == full[name], name
    import json
    info = json.loads(part['world.json'])
    assert sorted(info['counts']) == sorted(B2N_POOLS)
    assert info == {**json.loads(full['world.json']),
                    'counts': info['counts']}


def test_first_classes_of_every_set(tmp_path):
    paths = make_world_v2(tmp_path / 'w', classes=3,
                          pools=('world_b_test', 'b2n_train'),
                          **{**TINY, 'counts': {'world_b_test': 1,
                                                'b2n_train': 4}})
    sets = bw.class_sets()
    assert _names(paths['classes_b2n_base']) == [
        bw.class_name(t) for t in sets['b2n_base'][:3]]
    assert len(read_annotations(paths['b2n_base_k16_s2'])) == 3 * 3
    assert len(read_annotations(paths['world_b_test'])) == 3
    for k in (1, 2, 3):  # zero-shot subsets keep the classes they share
        names = _names(paths[f'classes_zs_s{k}'])
        assert set(names) <= set(_names(paths['classes_world_b']))
        labels = [e.label for e in read_annotations(paths[f'zs_s{k}_test'])]
        assert labels == list(range(len(names)))
    assert not (paths['root'] / 'classes_world_a.txt').exists()
    with pytest.raises(ValueError, match='classes=0'):
        make_world_v2(tmp_path / 'x', classes=0)
    with pytest.raises(KeyError, match='pools: unknown pools'):
        make_world_v2(tmp_path / 'x', pools=['b2n_test'])
    with pytest.raises(KeyError, match=r"unknown class sets \['world_c'\]"):
        make_world_v2(tmp_path / 'x', classes={'world_c': 2})
    with pytest.raises(ValueError, match="class set 'b2n_base'"):
        make_world_v2(tmp_path / 'x', classes={'b2n_base': 0})
    with pytest.raises(ValueError, match='at least one pool'):
        make_world_v2(tmp_path / 'x', pools=[])
    assert not (tmp_path / 'x').exists()  # checked before writing


def test_tool_options_reach_the_generator(tmp_path, capsys):
    import importlib.util
    repo = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        'make_world_v2', repo / 'tools' / 'data' / 'make_world_v2.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main([str(tmp_path / 'cli'), '--pools', 'b2n_train',
               'b2n_base_test', '--classes', '2', '--per-class',
               'b2n_train=3', 'b2n_base_test=1', '--b2n-shots', '2',
               '--frames', '2', '--size', '32'])
    api = make_world_v2(tmp_path / 'api', num_frames=2, size=32,
                        pools=('b2n_train', 'b2n_base_test'), classes=2,
                        counts={'b2n_train': 3, 'b2n_base_test': 1},
                        b2n_shots=2)
    assert _tree(tmp_path / 'cli') == _tree(api['root'])
    assert len(read_annotations(api['b2n_base_k16_s1'])) == 2 * 2
    for bad in (['--per-class', 'b2n_train'], ['--per-class', 'b2n=2'],
                ['--per-class', 'b2n_train=0'], ['--classes', '0']):
        with pytest.raises(SystemExit):
            tool.main([str(tmp_path / 'bad')] + bad)
        assert bad[0] in capsys.readouterr().err


def test_tiny_config_header_writes_the_tests_tiny_world(tmp_path):
    """configs/demo/vlprompt_tiny_synthetic.py's header command writes the
    world of the tests' fixture (conftest.TINY_WORLD), file for file."""
    import re
    import shlex

    from conftest import REPO, TINY_WORLD
    lines = []
    for line in (REPO / 'configs/demo/vlprompt_tiny_synthetic.py'
                 ).read_text().splitlines():
        if not line.startswith('#'):
            break
        lines.append(line[1:].strip())
    text = re.sub(r'\\\s*\n\s*', ' ', '\n'.join(lines))
    cmd = next(shlex.split(ln) for ln in text.splitlines()
               if ln.startswith('python tools/data/make_world_v2.py'))
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_world_v2', REPO / 'tools' / 'data' / 'make_world_v2.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main([str(tmp_path / 'header')] + cmd[3:])
    fixture = make_world_v2(tmp_path / 'fixture', **TINY_WORLD)
    assert _tree(tmp_path / 'header') == _tree(fixture['root'])
    for name in ('b2n_base_k16_s1.txt', 'b2n_base_test.txt',
                 'classes_b2n_base.txt'):  # what the config reads
        assert (tmp_path / 'header' / name).is_file()
