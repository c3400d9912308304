"""Write the benchmark world: videos, class lists and every protocol split.

Supervised (world A), zero-shot (3 class subsets of world B, whose class
words are absent from world A's), few-shot (appearance and motion-only
sets, K = 2/4/8/16, seeds 1-3) and base-to-novel (appearance, motion-only
and compositional; 16 shots, seeds 1-3). See
``mmvlprompt/worlds/scene.py`` and ``world_v1.py``.

Example (what ``make benchmark`` and ``make demo`` run)::

    python tools/data/make_bench_world.py data/bench_world --seed 0
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.worlds.world_v1 import (  # noqa: E402
    POOLS, make_bench_world)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    for key in ('frames', 'size'):
        if getattr(args, key) <= 0:
            parser.error(f'--{key} must be positive, '
                         f'got {getattr(args, key)}.')
    print(f'benchmark world: {len(POOLS)} video pools, {args.frames} frames '
          f'of {args.size}x{args.size} px, seed {args.seed}', flush=True)
    start = time.time()
    paths = make_bench_world(
        args.root, num_frames=args.frames, size=args.size, seed=args.seed,
        progress=lambda msg: print(f'  [{time.time() - start:.0f}s] {msg}',
                                   flush=True))
    print(f'done in {time.time() - start:.1f}s: {len(paths) - 1} files in '
          f'{args.root}')


if __name__ == '__main__':
    main()
