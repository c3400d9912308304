"""World v1: write the first benchmark world's videos, label maps and splits.

Kept only while ``make benchmark`` runs on world v1 (moved here from
``mmvlprompt/datasets/bench_world_files.py``); ``make demo``, ``make
retrieval`` and the tests use world v2 (:mod:`.world_v2`).

:func:`make_bench_world` renders the video pools of
:mod:`.scene` and writes, under one root, every annotation file the
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
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np

from ..datasets.splits import sample_few_shot
from . import scene as bw
from .protocol import (SEEDS, SHOTS, ProtocolFiles, render_scene,
                       subset_entries)

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


def render_pool_video(pool: str, label: int, index: int, num_frames: int,
                      size: int, seed: int) -> np.ndarray:
    """Frames of video ``index`` of class ``label`` of a pool."""
    set_name, _ = POOLS[pool]
    triple = bw.class_sets()[set_name][label]
    rng = np.random.default_rng([seed, sum(map(ord, pool)), label, index])
    return render_scene(triple, num_frames, size, rng)


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
    unknown = set(counts or {}) - set(POOLS)
    if unknown:
        raise KeyError(f'counts: unknown pools {sorted(unknown)}; use '
                       f'{sorted(POOLS)}.')
    sets = bw.class_sets()
    files = ProtocolFiles(root)
    classes, annotations = files.classes, files.annotations
    pools = {}
    for pool, (set_name, count) in POOLS.items():
        pools[pool] = files.pool(
            pool, sets[set_name], (counts or {}).get(pool, count),
            lambda label, i, pool=pool: render_pool_video(
                pool, label, i, num_frames, size, seed))
        if progress:
            progress(f'{pool}: {len(pools[pool])} videos')
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
        annotations(f'zs_s{k}_test', subset_entries(
            pools['world_b_test'], sets['world_b'], keep))
    # few-shot: K shots per class of world B and of the motion set
    for name, pool, set_name in (('appearance', 'world_b_train', 'world_b'),
                                 ('motion', 'motion_train', 'motion')):
        files.few_shot(f'fs_{name}', pools[pool], shots, len(sets[set_name]))
    # base-to-novel: 16 shots of the base classes, 3 seeds
    b2n_sources = {
        'b2n': (pools['b2n_train'], pools['b2n_base_test'],
                pools['b2n_novel_test']),
        'motion': (
            subset_entries(pools['motion_train'], sets['motion'],
                    sets['motion_base']),
            subset_entries(pools['motion_test'], sets['motion'],
                    sets['motion_base']),
            subset_entries(pools['motion_test'], sets['motion'],
                    sets['motion_novel'])),
        'comp': (
            subset_entries(pools['world_a_train'], sets['world_a'],
                    sets['comp_base']),
            subset_entries(pools['world_a_test'], sets['world_a'],
                    sets['comp_base']),
            subset_entries(pools['world_a_test'], sets['world_a'],
                    sets['comp_novel'])),
    }
    for name, (train, base_test, novel_test) in b2n_sources.items():
        for s in SEEDS:
            annotations(f'{name}_base_k16_s{s}',
                        sample_few_shot(train, b2n_shots, s))
        if name != 'b2n':  # b2n's test files are its pools
            annotations(f'{name}_base_test', base_test)
            annotations(f'{name}_novel_test', novel_test)
    return files.paths
