"""Write a label map (one class name per line, in label order) from a
dataset's own metadata.

Examples::

    # Kinetics: sorted class names of the official CSVs (as in MMAction2)
    python tools/data/build_label_map.py kinetics \\
        data/kinetics400/annotations/train.csv \\
        -o data/kinetics400/label_map_k400.txt
    # UCF-101: classInd.txt order (index 1 -> label 0)
    python tools/data/build_label_map.py ucf101 \\
        data/ucf101/ucfTrainTestlist/classInd.txt -o data/ucf101/label_map.txt
    # HMDB-51: sorted class folders, or the official split files' names
    python tools/data/build_label_map.py hmdb51 \\
        data/hmdb51/testTrainMulti_7030_splits -o data/hmdb51/label_map.txt
    # Something-Something v2: labels.json index order
    python tools/data/build_label_map.py sthv2 data/sthv2/labels.json \\
        -o data/sthv2/label_map.txt
    # any class_name/video tree: sorted folder names
    python tools/data/build_label_map.py tree data/my_dataset/videos \\
        -o data/my_dataset/label_map.txt

Names are written as the dataset spells them; the model turns them into
prompt text when it loads them (``normalize_class_names``). An output path
ending in ``.csv`` gets an ``id,name`` table instead.
"""
import argparse
import sys

from mmvlprompt.datasets import write_class_list
from mmvlprompt.datasets.metadata import (classes_from_folders,
                                          classes_from_hmdb,
                                          classes_from_kinetics_csv,
                                          classes_from_ssv2_json,
                                          classes_from_ucf_classind)

SOURCES = {
    'kinetics': ('one or more official Kinetics CSVs',
                 lambda paths: classes_from_kinetics_csv(paths)),
    'ucf101': ("UCF-101's classInd.txt",
               lambda paths: classes_from_ucf_classind(paths[0])),
    'hmdb51': ('the folder of HMDB-51 class folders or of its split files',
               lambda paths: classes_from_hmdb(paths[0])),
    'sthv2': ("Something-Something v2's labels.json",
              lambda paths: classes_from_ssv2_json(paths[0])),
    'tree': ('a folder with one sub-folder per class',
             lambda paths: classes_from_folders(paths[0])),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('format', choices=sorted(SOURCES),
                        help='; '.join(f'{k}: {v[0]}'
                                       for k, v in sorted(SOURCES.items())))
    parser.add_argument('source', nargs='+',
                        help='metadata file(s) or folder')
    parser.add_argument('-o', '--out', required=True,
                        help='label map to write (.txt, or .csv for id,name)')
    args = parser.parse_args(argv)
    if args.format != 'kinetics' and len(args.source) != 1:
        parser.error(f'{args.format} takes one source, got '
                     f'{len(args.source)}.')
    return args


def main(argv=None):
    args = parse_args(argv)
    print(f'reading {args.format} metadata from {", ".join(args.source)}')
    names = SOURCES[args.format][1](args.source)
    count = write_class_list(args.out, names)
    preview = ', '.join(names[:3]) + (', ...' if count > 3 else '')
    print(f'wrote {count} class names to {args.out} ({preview})')


if __name__ == '__main__':
    try:
        main()
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
