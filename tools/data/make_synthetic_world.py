"""Write the synthetic-world base-to-novel video benchmark.

Class names are phrases such as "a red square spinning"; the novel classes
are unseen combinations of the base classes' words. See
``mmvlprompt/datasets/synthetic_world.py``.

Example (what ``make demo`` runs)::

    python tools/data/make_synthetic_world.py data/synthetic_world \
        --train 8 --test 4 --seed 0
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.datasets.synthetic_world import (  # noqa: E402
    base_novel_split, make_synthetic_world)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--train', type=int, default=8,
                        help='training videos per base class')
    parser.add_argument('--test', type=int, default=4,
                        help='test videos per class (base and novel)')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    for key in ('train', 'test', 'frames', 'size'):
        if getattr(args, key) <= 0:
            parser.error(f'--{key} must be positive, '
                         f'got {getattr(args, key)}.')
    base, novel = base_novel_split()
    print(f'{len(base)} base and {len(novel)} novel classes, '
          f'{args.frames} frames of {args.size}x{args.size} px, seed '
          f'{args.seed}', flush=True)
    start = time.time()
    paths = make_synthetic_world(
        args.root, train_per_class=args.train, test_per_class=args.test,
        num_frames=args.frames, size=args.size, seed=args.seed,
        progress=lambda msg: print(f'  {msg}', flush=True)
        if msg.endswith((f'{len(base)}/{len(base)} classes',
                         f'{len(novel)}/{len(novel)} classes')) else None)
    print(f'done in {time.time() - start:.1f}s')
    for key, path in paths.items():
        print(f'{key:>16}: {path}')


if __name__ == '__main__':
    main()
