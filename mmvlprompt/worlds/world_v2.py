"""World v2 of the embedded benchmark: v1's scenes seen through a camera.

Declared in ``docs/en/benchmark/world_v2.md`` before it was measured.

* Scene, vocabulary and class sets are the first benchmark world's
  (:mod:`.scene`): coloured shapes that move on a
  cluttered background, appearance classes ``'a red star'`` and motion
  classes ``'something spinning'``, the A/B halves of colours and shapes.
* Every video frame passes through one camera (:mod:`.camera`); still
  pictures (the tiny CLIP's pretraining style) never do.
* Test sets hold at least 1,000 videos each (:data:`POOLS`).

Each video has two generators derived from ``(seed, pool, label, index)``:
one draws the scene (exactly as v1 would for the same numbers), the other
the camera's jitter and noise, so :func:`render_pool_video` with
``camera=False`` shows the same scene without the camera.
"""
import zlib
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np

from ..datasets.splits import sample_few_shot
from . import scene as bw
from .camera import LATEST, Camera, camera_model
from .protocol import (SEEDS, SHOTS, ProtocolFiles, render_scene,
                       subset_entries)

VERSION = LATEST  # the newest world version (its camera: camera.py)
# pool -> (class set, videos per class); test pools hold >= 1,000 videos,
# world_b_test 50 a class so that each 20-class zero-shot subset has 1,000
POOLS = {
    'world_a_train': ('world_a', 40),
    'world_a_test': ('world_a', 40),
    'world_b_train': ('world_b', 20),
    'world_b_test': ('world_b', 50),
    'b2n_train': ('b2n_base', 20),
    'b2n_base_test': ('b2n_base', 40),
    'b2n_novel_test': ('b2n_novel', 40),
    'motion_train': ('motion', 20),
    'motion_test': ('motion', 125),
}
ZERO_SHOT_SUBSET_SIZE = 20


def test_set_sizes(counts: Optional[Dict[str, int]] = None
                   ) -> Dict[str, int]:
    """Videos in every test set of the four settings, without rendering.

    Args:
        counts: Videos per class of some pools instead of :data:`POOLS`'.

    Returns:
        dict: test set name -> number of videos.
    """
    sets = bw.class_sets()

    def size(pool):
        set_name, per_class = POOLS[pool]
        return len(sets[set_name]) * (counts or {}).get(pool, per_class)

    out = {name: size(pool) for name, pool in (
        ('world_a', 'world_a_test'), ('world_b', 'world_b_test'),
        ('b2n_base', 'b2n_base_test'), ('b2n_novel', 'b2n_novel_test'),
        ('motion', 'motion_test'))}
    per_class = size('world_b_test') // len(sets['world_b'])
    for k in range(1, 4):
        out[f'zs_s{k}'] = ZERO_SHOT_SUBSET_SIZE * per_class
    return out


def _pool_key(pool: str) -> int:
    return zlib.crc32(pool.encode())


def render_video(triple: tuple, num_frames: int, size: int,
                 scene_rng: np.random.Generator,
                 camera_rng: Optional[np.random.Generator],
                 version: str = VERSION) -> np.ndarray:
    """One video of a class tuple of :func:`.scene.class_sets`.

    Args:
        triple: ``(colour, shape)`` or ``(motion,)``.
        num_frames, size: Frames and their height and width.
        scene_rng: Generator of the scene.
        camera_rng: Generator of the camera's jitter and noise; None: no
            camera (the scene as v1 renders it).
        version: World version, which chooses the camera.

    Returns:
        np.ndarray: ``(T, size, size, 3)`` uint8 RGB.
    """
    frames = render_scene(triple, num_frames, size, scene_rng)
    if camera_rng is None:
        return frames
    return Camera.draw(camera_rng, camera_model(version)).apply(
        frames, camera_rng)


def video_generators(pool: str, label: int, index: int, seed: int):
    """The scene and camera generators of one video of a pool."""
    key = [seed, _pool_key(pool), label, index]
    return (np.random.default_rng(key),
            np.random.default_rng(key + [1]))


def render_pool_video(pool: str, label: int, index: int, num_frames: int,
                      size: int, seed: int, camera: bool = True,
                      version: str = VERSION) -> np.ndarray:
    """Frames of video ``index`` of class ``label`` of a pool."""
    if pool not in POOLS:
        raise KeyError(f'unknown pool {pool!r}; use one of {sorted(POOLS)}.')
    set_name, _ = POOLS[pool]
    triple = bw.class_sets()[set_name][label]
    scene_rng, camera_rng = video_generators(pool, label, index, seed)
    return render_video(triple, num_frames, size, scene_rng,
                        camera_rng if camera else None, version)


def make_world_v2(root: Union[str, Path], num_frames: int = 8,
                  size: int = 64, seed: int = 0,
                  progress: Optional[Callable[[str], None]] = None,
                  counts: Optional[Dict[str, int]] = None,
                  shots: Sequence[int] = SHOTS,
                  b2n_shots: int = 16,
                  version: str = VERSION,
                  pools: Optional[Sequence[str]] = None,
                  classes: Union[int, Dict[str, int], None] = None
                  ) -> Dict[str, Path]:
    """Render world v2 and write every protocol file under ``root``.

    Files (labels of each index its own class list): supervised
    ``world_a_{train,test}.txt``; zero-shot ``zs_s{1,2,3}_test.txt``;
    few-shot ``fs_{appearance,motion}_k{K}_s{seed}.txt`` tested on
    ``world_b_test.txt`` / ``motion_test.txt``; base-to-novel
    ``b2n_base_k16_s{seed}.txt``, ``b2n_{base,novel}_test.txt``; class lists
    ``classes_<set>.txt``. Videos are ``videos/<pool>/<words>_<i>.mp4``.

    Args:
        root: Output folder.
        num_frames: Frames per video.
        size: Frame height and width in pixels.
        seed: World seed; the same seed writes the same videos.
        progress: Optional callable taking a message, called per pool.
        counts: Videos per class of some pools (small worlds for tests).
        shots: The few-shot K values.
        b2n_shots: Shots per base class of the base-to-novel files.
        version: World version (its camera); recorded in ``world.json``.
        pools: Render only these pools (keys of :data:`POOLS`) and write
            only the files made from them (a pool's annotation file, the
            few-shot or base-to-novel samples drawn from it, the class
            lists of its class set); None: all.
            A pool's videos and files are byte-identical to the full
            world's (each video's generators depend only on its identity).
        classes: Keep only the first ``classes`` classes of every class set,
            or of the sets named in a dict ``{set: N}`` (small worlds for
            tests; the zero-shot subsets keep the classes they share with
            world B's kept classes); None: all.

    Returns:
        dict: ``name -> Path`` of every file written (without ``.txt``),
        plus ``root``.
    """
    import json
    from dataclasses import asdict

    root = Path(root)
    camera = camera_model(version)  # fails early on an unknown version
    for key, names in (('counts', counts), ('pools', pools)):
        unknown = set(names or ()) - set(POOLS)
        if unknown:
            raise KeyError(f'{key}: unknown pools {sorted(unknown)}; use '
                           f'{sorted(POOLS)}.')
    if pools is not None and not pools:
        raise ValueError('pools: expected at least one pool, got none.')
    sets = bw.class_sets()
    limits = classes if isinstance(classes, dict) else dict.fromkeys(
        sets, classes)
    unknown = set(limits) - set(sets)
    if unknown:
        raise KeyError(f'classes: unknown class sets {sorted(unknown)}; use '
                       f'{sorted(sets)}.')
    for name, limit in limits.items():
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f'classes={classes!r}: expected an int >= 1 '
                             f'(class set {name!r}).')
    chosen = [p for p in POOLS if pools is None or p in pools]
    sets = {name: triples[:limits.get(name)] for name, triples in
            sets.items()}
    files = ProtocolFiles(root)
    written = {}
    for pool in chosen:
        set_name, count = POOLS[pool]
        written[pool] = files.pool(
            pool, sets[set_name], (counts or {}).get(pool, count),
            lambda label, i, pool=pool: render_pool_video(
                pool, label, i, num_frames, size, seed, version=version))
        if progress:
            progress(f'{pool}: {len(written[pool])} videos')
    for name in ('world_a', 'world_b', 'motion', 'b2n_base', 'b2n_novel'):
        if any(POOLS[p][0] == name for p in written):
            files.classes(name, sets[name])
    for pool in ('world_a_train', 'world_a_test', 'world_b_test',
                 'b2n_base_test', 'b2n_novel_test', 'motion_test'):
        if pool in written:
            files.annotations(pool, written[pool])
    if 'world_b_test' in written:
        for k, keep in enumerate(bw.zero_shot_subsets(
                size=ZERO_SHOT_SUBSET_SIZE), start=1):
            keep = [t for t in keep if t in sets['world_b']]
            files.classes(f'zs_s{k}', keep)
            files.annotations(f'zs_s{k}_test', subset_entries(
                written['world_b_test'], sets['world_b'], keep))
    for name, pool, set_name in (('appearance', 'world_b_train', 'world_b'),
                                 ('motion', 'motion_train', 'motion')):
        if pool in written:
            files.few_shot(f'fs_{name}', written[pool], shots,
                           len(sets[set_name]))
    if 'b2n_train' in written:
        for s in SEEDS:
            files.annotations(f'b2n_base_k16_s{s}', sample_few_shot(
                written['b2n_train'], b2n_shots, s))
    paths = files.paths
    paths['world'] = root / 'world.json'
    info = dict(
        version=version, seed=seed, num_frames=num_frames, size=size,
        counts={p: (counts or {}).get(p, POOLS[p][1]) for p in chosen},
        camera=asdict(camera))
    if classes is not None:
        info['classes'] = classes
    paths['world'].write_text(json.dumps(info, indent=1) + '\n')
    return paths
