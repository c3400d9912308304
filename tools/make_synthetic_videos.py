"""Write a tiny synthetic video dataset (for the demo and smoke tests).

Example::

    python tools/make_synthetic_videos.py data/synthetic --train 4 --val 2
"""
import argparse

from mmvlprompt.datasets import make_synthetic_dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--train', type=int, default=4,
                        help='training videos per class')
    parser.add_argument('--val', type=int, default=2,
                        help='validation videos per class')
    parser.add_argument('--frames', type=int, default=16)
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    paths = make_synthetic_dataset(
        args.root, videos_per_class={'train': args.train, 'val': args.val},
        num_frames=args.frames, size=args.size, seed=args.seed)
    for key, path in paths.items():
        print(f'{key:>10}: {path}')


if __name__ == '__main__':
    main()
