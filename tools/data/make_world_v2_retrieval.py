"""Write world v2's video-text retrieval benchmark.

Videos of world A's and world B's classes seen through world v2's camera,
each with several captions (phrasings of its class); see
``mmvlprompt/worlds/captions.py``.

Example (what ``make retrieval`` runs)::

    python tools/data/make_world_v2_retrieval.py data/world_v2_retrieval \
        --train 4 --test 6 --train-captions 3 --test-captions 2 --seed 0
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.worlds.captions import (  # noqa: E402
    make_world_v2_retrieval, retrieval_classes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--train', type=int, default=4,
                        help='training videos per class')
    parser.add_argument('--test', type=int, default=6,
                        help='test videos per class')
    parser.add_argument('--train-captions', type=int, default=3,
                        help='captions per training video')
    parser.add_argument('--test-captions', type=int, default=2,
                        help='captions per test video')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    num_classes = len(retrieval_classes())
    print(f'{num_classes} classes: {args.train} training videos with '
          f'{args.train_captions} captions and {args.test} test videos with '
          f'{args.test_captions} captions each, {args.frames} frames of '
          f'{args.size}x{args.size} px, seed {args.seed}', flush=True)
    start = time.time()
    try:
        paths = make_world_v2_retrieval(
            args.root, args.train, args.test, args.train_captions,
            args.test_captions, args.frames, args.size, args.seed,
            progress=lambda msg: print(f'  {msg}', flush=True)
            if msg.endswith(f'{num_classes}/{num_classes} classes') else None)
    except ValueError as err:
        parser.error(str(err))
    print(f'done in {time.time() - start:.1f}s')
    for key, path in paths.items():
        print(f'{key:>6}: {path}')


if __name__ == '__main__':
    main()
