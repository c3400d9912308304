"""Write world v2 of the embedded benchmark: videos, class lists, splits.

World v2 (``docs/en/benchmark/world_v2.md``, ``mmvlprompt/worlds/``) is the
first benchmark world's scenes seen through a camera that only the videos
get, with test sets of at least 1,000 videos. Files: supervised (world A),
zero-shot (3 subsets of 20 world B classes), few-shot (appearance and
motion-only, K = 2/4/8/16, seeds 1-3) and base-to-novel (16 shots, seeds
1-3).

Example::

    python tools/data/make_world_v2.py data/world_v2 --seed 0

Only the base-to-novel files (what ``make demo`` reads; byte-identical to
the full world's)::

    python tools/data/make_world_v2.py data/world_v2 \
        --pools b2n_train b2n_base_test b2n_novel_test

A tiny world for a smoke test (4 classes a set, 3 training and 2 test
videos a class, 16 frames of 32 px)::

    python tools/data/make_world_v2.py data/tiny --pools b2n_train \
        b2n_base_test --classes 4 --per-class b2n_train=3 \
        b2n_base_test=2 --b2n-shots 3 --frames 16 --size 32
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.worlds.camera import CAMERA_MODELS  # noqa: E402
from mmvlprompt.worlds.world_v2 import (POOLS, SHOTS,  # noqa: E402
                                        VERSION, make_world_v2,
                                        test_set_sizes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--version', default=VERSION,
                        choices=sorted(CAMERA_MODELS),
                        help=f'world version (default: {VERSION})')
    parser.add_argument('--pools', nargs='+', choices=list(POOLS),
                        metavar='POOL',
                        help='render only these pools and write only the '
                        'files made from them (default: all; choices: '
                        f'{", ".join(POOLS)})')
    parser.add_argument('--classes', type=int,
                        help='keep the first N classes of every class set '
                        '(default: all)')
    parser.add_argument('--per-class', nargs='+', default=[],
                        metavar='POOL=N',
                        help='videos per class of some pools (default: '
                        'the declared counts)')
    parser.add_argument('--shots', type=int, nargs='+', default=list(SHOTS),
                        help=f'few-shot K values (default: {SHOTS})')
    parser.add_argument('--b2n-shots', type=int, default=16,
                        help='shots per base class of b2n_base_k16_s*.txt '
                        '(default: 16)')
    args = parser.parse_args(argv)
    for key in ('frames', 'size', 'classes', 'b2n_shots'):
        value = getattr(args, key)
        if value is not None and value <= 0:
            parser.error(f'--{key.replace("_", "-")} must be positive, '
                         f'got {value}.')
    if min(args.shots) <= 0:
        parser.error(f'--shots must be positive, got {args.shots}.')
    counts = {}
    for item in args.per_class:
        pool, _, number = item.partition('=')
        if pool not in POOLS or not number.isdigit() or int(number) < 1:
            parser.error(f'--per-class {item!r}: expected POOL=N with N >= '
                         f'1 and POOL one of {", ".join(POOLS)}.')
        counts[pool] = int(number)
    pools = args.pools or list(POOLS)
    print(f'world v{args.version}: {len(pools)} video pools, {args.frames} '
          f'frames of {args.size}x{args.size} px, seed {args.seed}',
          flush=True)
    start = time.time()
    paths = make_world_v2(
        args.root, num_frames=args.frames, size=args.size, seed=args.seed,
        version=args.version, pools=args.pools, classes=args.classes,
        counts=counts, shots=args.shots, b2n_shots=args.b2n_shots,
        progress=lambda msg: print(f'  [{time.time() - start:.0f}s] {msg}',
                                   flush=True))
    if args.pools is None and args.classes is None and not counts:
        print('test sets (videos): ' + ', '.join(
            f'{k} {v}' for k, v in test_set_sizes().items()))
    print(f'done in {time.time() - start:.1f}s: {len(paths) - 1} files in '
          f'{args.root}')


if __name__ == '__main__':
    main()
