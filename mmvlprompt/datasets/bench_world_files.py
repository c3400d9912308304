"""Write the benchmark world's videos, label maps and protocol splits.

:func:`make_bench_world` renders the video pools of
:mod:`.bench_world` and writes, under one root, every annotation file the
four settings need (names relative to the root):

* supervised: ``world_a_train.txt``, ``world_a_test.txt`` with
  ``classes_world_a.txt``;
* zero-shot: ``zs_s{1,2,3}_test.txt`` with ``classes_zs_s{k}.txt``
  (subsets of ``world_b``);
* few-shot: ``fs_{appearance,motion}_k{K}_s{seed}.txt`` (K videos per class
  from the training pools), tested on ``world_b_test.txt`` /
  ``motion_test.txt`` with ``classes_world_b.txt`` / ``classes_motion.txt``;
* base-to-novel, for ``b2n`` (appearance), ``motion`` and ``comp``
  (compositional): ``{name}_base_k16_s{seed}.txt``,
  ``{name}_base_test.txt``, ``{name}_novel_test.txt`` with
  ``classes_{name}_base.txt`` and ``classes_{name}_novel.txt``.

Labels of each file index its own class list. Videos live in
``videos/<pool>/<class words>_<i>.mp4``; each video's generator is seeded by
``(seed, pool, label, i)``, so the files depend only on the arguments.
"""
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from . import bench_world as bw
from .annotations import AnnotationLine, write_annotations, write_class_list
from .splits import sample_few_shot

SHOTS = (2, 4, 8, 16)
SEEDS = (1, 2, 3)
# pool -> (class set, videos per class, role); train pools hold more than
# 16 videos a class so that the 3 few-shot seeds differ
POOLS = {
    'world_a_train': ('world_a', 20),
    'world_a_test': ('world_a', 4),
    'world_b_train': ('world_b', 16),
    'world_b_test': ('world_b', 4),
    'b2n_train': ('b2n_base', 20),
    'b2n_base_test': ('b2n_base', 4),
    'b2n_novel_test': ('b2n_novel', 4),
    'motion_train': ('motion', 20),
    'motion_test': ('motion', 10),
}


def _render(triple: tuple, num_frames: int, size: int,
            rng: np.random.Generator) -> np.ndarray:
    """An appearance class gets a random motion, a motion class a random
    object."""
    if len(triple) == 1:
        colour = list(bw.COLOURS)[rng.integers(len(bw.COLOURS))]
        shape = bw.SHAPES[rng.integers(len(bw.SHAPES))]
        motion = triple[0]
    else:
        colour, shape = triple
        motion = bw.MOTIONS[rng.integers(len(bw.MOTIONS))]
    return bw.render_clip(colour, shape, motion, num_frames, size, rng)


def render_pool_video(pool: str, label: int, index: int, num_frames: int,
                      size: int, seed: int) -> np.ndarray:
    """Frames of video ``index`` of class ``label`` of a pool."""
    set_name, _ = POOLS[pool]
    triple = bw.class_sets()[set_name][label]
    rng = np.random.default_rng([seed, sum(map(ord, pool)), label, index])
    return _render(triple, num_frames, size, rng)


def _subset(entries: Sequence[AnnotationLine], classes: Sequence[tuple],
            keep: Sequence[tuple]) -> List[AnnotationLine]:
    """The videos of the classes ``keep``, relabelled by position in it."""
    position = {classes.index(t): i for i, t in enumerate(keep)}
    return [AnnotationLine(e.path, position[e.label]) for e in entries
            if e.label in position]


def make_bench_world(root: Union[str, Path], num_frames: int = 8,
                     size: int = 64, seed: int = 0,
                     progress: Optional[Callable[[str], None]] = None,
                     counts: Optional[Dict[str, int]] = None,
                     shots: Sequence[int] = SHOTS,
                     b2n_shots: int = 16) -> Dict[str, Path]:
    """Render the benchmark world and write all protocol files.

    Args:
        root: Output folder.
        num_frames: Frames per video.
        size: Frame height and width in pixels.
        seed: Seed; the same seed writes the same videos.
        progress: Optional callable taking a message, called per pool.
        counts: Videos per class of some pools (keys of :data:`POOLS`),
            instead of the defaults (small worlds for tests).
        shots: The few-shot K values.
        b2n_shots: Shots per base class of the base-to-novel files (the
            file names keep ``k16``, the published convention).

    Returns:
        dict: ``name -> Path`` of every file written (without ``.txt``),
        plus ``root``.
    """
    from .video_io import write_video
    root = Path(root)
    sets = bw.class_sets()
    paths: Dict[str, Path] = {'root': root}

    def classes(name, triples):
        paths[f'classes_{name}'] = root / f'classes_{name}.txt'
        write_class_list(paths[f'classes_{name}'],
                         [bw.class_name(t) for t in triples])

    def annotations(name, entries):
        paths[name] = root / f'{name}.txt'
        write_annotations(paths[name], entries)

    unknown = set(counts or {}) - set(POOLS)
    if unknown:
        raise KeyError(f'counts: unknown pools {sorted(unknown)}; use '
                       f'{sorted(POOLS)}.')
    pools = {}
    for pool, (set_name, count) in POOLS.items():
        count = (counts or {}).get(pool, count)
        (root / 'videos' / pool).mkdir(parents=True, exist_ok=True)
        entries = []
        for label, triple in enumerate(sets[set_name]):
            for i in range(count):
                rel = f'{pool}/{"_".join(triple)}_{i:03d}.mp4'
                write_video(root / 'videos' / rel, render_pool_video(
                    pool, label, i, num_frames, size, seed))
                entries.append(AnnotationLine(rel, label))
        pools[pool] = entries
        if progress:
            progress(f'{pool}: {len(entries)} videos')
    for name in ('world_a', 'world_b', 'motion', 'b2n_base', 'b2n_novel',
                 'motion_base', 'motion_novel', 'comp_base', 'comp_novel'):
        classes(name, sets[name])
    # supervised, and the pools that are tested as they are
    for pool in ('world_a_train', 'world_a_test', 'world_b_test',
                 'b2n_base_test', 'b2n_novel_test', 'motion_test'):
        annotations(pool, pools[pool])
    # zero-shot: 3 class subsets of world B
    for k, keep in enumerate(bw.zero_shot_subsets(), start=1):
        classes(f'zs_s{k}', keep)
        annotations(f'zs_s{k}_test',
                    _subset(pools['world_b_test'], sets['world_b'], keep))
    # few-shot: K shots per class of world B and of the motion set
    for name, pool, set_name in (('appearance', 'world_b_train', 'world_b'),
                                 ('motion', 'motion_train', 'motion')):
        for k in shots:
            for s in SEEDS:
                annotations(f'fs_{name}_k{k}_s{s}', sample_few_shot(
                    pools[pool], k, s, len(sets[set_name])))
    # base-to-novel: 16 shots of the base classes, 3 seeds
    b2n_sources = {
        'b2n': (pools['b2n_train'], pools['b2n_base_test'],
                pools['b2n_novel_test']),
        'motion': (
            _subset(pools['motion_train'], sets['motion'],
                    sets['motion_base']),
            _subset(pools['motion_test'], sets['motion'],
                    sets['motion_base']),
            _subset(pools['motion_test'], sets['motion'],
                    sets['motion_novel'])),
        'comp': (
            _subset(pools['world_a_train'], sets['world_a'],
                    sets['comp_base']),
            _subset(pools['world_a_test'], sets['world_a'],
                    sets['comp_base']),
            _subset(pools['world_a_test'], sets['world_a'],
                    sets['comp_novel'])),
    }
    for name, (train, base_test, novel_test) in b2n_sources.items():
        for s in SEEDS:
            annotations(f'{name}_base_k16_s{s}',
                        sample_few_shot(train, b2n_shots, s))
        if name != 'b2n':  # b2n's test files are its pools
            annotations(f'{name}_base_test', base_test)
            annotations(f'{name}_novel_test', novel_test)
    return paths
