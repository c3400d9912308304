"""Deterministic few-shot and base/novel annotation files.

Few-shot: exactly K videos of every class, the same for the same seed::

    python tools/data/make_splits.py few-shot data/ucf101/train_list.txt \\
        --shots 16 --seed 1 --label-map data/ucf101/label_map.txt \\
        -o data/ucf101/splits/train_16shot_s1.txt

Base/novel: split the classes in two and write, for every annotation file,
``<stem>_base.txt`` and ``<stem>_novel.txt`` whose labels index
``base_classes.txt`` and ``novel_classes.txt`` (the published convention)::

    python tools/data/make_splits.py base-novel \\
        data/ucf101/train_list.txt data/ucf101/val_list.txt \\
        --label-map data/ucf101/label_map.txt --base-fraction 0.5 --seed 0 \\
        -o data/ucf101/b2n
    # then 16 shots of the base classes per seed:
    python tools/data/make_splits.py few-shot \\
        data/ucf101/b2n/train_list_base.txt \\
        --shots 16 --seed 1 -o data/ucf101/b2n/train_base_16shot_s1.txt

The class split is given (``--base-classes FILE`` and optionally
``--novel-classes FILE``, .txt or .csv, kept in the file's order) or drawn:
``--num-base N`` or ``--base-fraction F`` (default 0.5, rounded up) with
``--seed S``, or the first classes with ``--first``. Drawn lists are in label
order.
"""
import argparse
import sys
from pathlib import Path

from mmvlprompt.datasets import (read_annotations, write_annotations,
                                 write_class_list)
from mmvlprompt.datasets.metadata import LabelLookup
from mmvlprompt.datasets.splits import (base_novel_split, sample_few_shot,
                                        split_classes)
from mmvlprompt.utils import read_class_name_file


def read_names(path):
    return [n for n, _ in read_class_name_file(path)]


def few_shot(args):
    entries = read_annotations(args.ann_file)
    names = read_names(args.label_map) if args.label_map else None
    picked = sample_few_shot(entries, args.shots, args.seed,
                             len(names) if names else None, names)
    count = write_annotations(args.out, picked)
    print(f'{args.ann_file}: {len(entries)} videos -> {count} '
          f'({args.shots} per class, seed {args.seed}) in {args.out}')


def base_novel(args):
    names = read_names(args.label_map)
    lookup = LabelLookup(names)
    if args.base_classes:
        base = lookup.labels(read_names(args.base_classes), 'base classes')
        novel = (lookup.labels(read_names(args.novel_classes),
                               'novel classes') if args.novel_classes else
                 [i for i in range(len(names)) if i not in set(base)])
    else:
        if args.novel_classes:
            raise ValueError('--novel-classes needs --base-classes.')
        base, novel = split_classes(len(names), args.num_base,
                                    args.base_fraction,
                                    None if args.first else args.seed)
    out = Path(args.out)
    write_class_list(out / 'base_classes.txt', [names[i] for i in base])
    write_class_list(out / 'novel_classes.txt', [names[i] for i in novel])
    print(f'{len(base)} base and {len(novel)} novel classes -> '
          f'{out}/base_classes.txt, {out}/novel_classes.txt')
    for ann in args.ann_file:
        ann = Path(ann)
        base_lines, novel_lines = base_novel_split(read_annotations(ann),
                                                   base, novel)
        for part, lines in (('base', base_lines), ('novel', novel_lines)):
            target = out / f'{ann.stem}_{part}{ann.suffix or ".txt"}'
            write_annotations(target, lines)
            print(f'{ann}: {len(lines)} {part} videos -> {target}')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    fs = sub.add_parser('few-shot', help='K videos per class',
                        description='Keep exactly K videos of every class, '
                        'the same for the same seed (examples: '
                        'make_splits.py --help).')
    fs.add_argument('ann_file', help='annotation file to sample from')
    fs.add_argument('--shots', type=int, required=True, help='K per class')
    fs.add_argument('--seed', type=int, default=0, help='sampling seed')
    fs.add_argument('--label-map', help='class names: every class must have '
                    'K videos, and errors name them')
    fs.add_argument('-o', '--out', required=True, help='file to write')
    fs.set_defaults(run=few_shot)
    bn = sub.add_parser('base-novel', help='base and novel class halves',
                        description='Split the classes into base and novel '
                        'and write relabelled annotation files (examples: '
                        'make_splits.py --help).')
    bn.add_argument('ann_file', nargs='+', help='annotation file(s) to split')
    bn.add_argument('--label-map', required=True,
                    help='full class list the input labels index')
    bn.add_argument('--base-classes', help='base class names (.txt/.csv)')
    bn.add_argument('--novel-classes', help='novel class names (default: '
                    'the other classes)')
    bn.add_argument('--num-base', type=int, help='number of base classes')
    bn.add_argument('--base-fraction', type=float,
                    help='share of base classes, rounded up (default 0.5)')
    bn.add_argument('--seed', type=int, default=0,
                    help='seed of the class draw (default 0)')
    bn.add_argument('--first', action='store_true',
                    help='take the first classes instead of drawing them')
    bn.add_argument('-o', '--out', required=True, help='output folder')
    bn.set_defaults(run=base_novel)
    args = parser.parse_args(argv)
    if args.command == 'base-novel' and args.base_classes and (
            args.num_base is not None or args.base_fraction is not None):
        parser.error('give --base-classes or --num-base/--base-fraction, '
                     'not both.')
    return args


def main(argv=None):
    args = parse_args(argv)
    args.run(args)


if __name__ == '__main__':
    try:
        main()
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
