"""Write world v2 of the embedded benchmark: videos, class lists, splits.

World v2 (``docs/en/benchmark/world_v2.md``, ``mmvlprompt/worlds/``) is the
first benchmark world's scenes seen through a camera that only the videos
get, with test sets of at least 1,000 videos. Files: supervised (world A),
zero-shot (3 subsets of 20 world B classes), few-shot (appearance and
motion-only, K = 2/4/8/16, seeds 1-3) and base-to-novel (16 shots, seeds
1-3).

Example::

    python tools/data/make_world_v2.py data/world_v2 --seed 0
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.worlds.camera import CAMERA_MODELS  # noqa: E402
from mmvlprompt.worlds.world_v2 import (POOLS, VERSION,  # noqa: E402
                                        make_world_v2, test_set_sizes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--version', default=VERSION,
                        choices=sorted(CAMERA_MODELS),
                        help=f'world version (default: {VERSION})')
    args = parser.parse_args(argv)
    for key in ('frames', 'size'):
        if getattr(args, key) <= 0:
            parser.error(f'--{key} must be positive, '
                         f'got {getattr(args, key)}.')
    print(f'world v{args.version}: {len(POOLS)} video pools, {args.frames} '
          f'frames of {args.size}x{args.size} px, seed {args.seed}',
          flush=True)
    start = time.time()
    paths = make_world_v2(
        args.root, num_frames=args.frames, size=args.size, seed=args.seed,
        version=args.version,
        progress=lambda msg: print(f'  [{time.time() - start:.0f}s] {msg}',
                                   flush=True))
    print('test sets (videos): ' + ', '.join(
        f'{k} {v}' for k, v in test_set_sizes().items()))
    print(f'done in {time.time() - start:.1f}s: {len(paths) - 1} files in '
          f'{args.root}')


if __name__ == '__main__':
    main()
