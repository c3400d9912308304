"""Write an MMAction2 annotation file (``relative/path label`` per line).

From a ``class_name/video.ext`` folder::

    python tools/data/build_file_list.py tree data/hmdb51/videos \\
        --label-map data/hmdb51/label_map.txt -o data/hmdb51/all_videos.txt

From an official Kinetics CSV (``label,youtube_id,time_start,time_end,...``)::

    python tools/data/build_file_list.py kinetics \\
        data/kinetics400/annotations/validate.csv \\
        --label-map data/kinetics400/label_map_k400.txt --prefix val/ \\
        -o data/kinetics400/kinetics400_val_list_videos.txt

Kinetics file names follow MMAction2's download script and the published
splits: ``<youtube_id>_<start:06d>_<end:06d>.mp4``, e.g.
``val/0wR5jVB-WPk_000417_000427.mp4``. ``--layout class`` puts them in class
folders instead (``abseiling/<name>``, spaces in class names become ``_``).

Labels index ``--label-map`` (a .txt label map or an id,name .csv); class
names are matched as written or after normalisation (``brush_hair`` matches
``brush hair``). Without it, labels are the sorted folder names or the sorted
labels of the CSV: give the train map when listing a validation split.
"""
import argparse
import sys
from collections import Counter

from mmvlprompt.datasets import write_annotations
from mmvlprompt.datasets.metadata import (VIDEO_EXTENSIONS,
                                          file_list_from_folders,
                                          file_list_from_kinetics_csv)
from mmvlprompt.utils import read_class_name_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('format', choices=['tree', 'kinetics'],
                        help='tree: a class_name/video folder; kinetics: an '
                        'official Kinetics CSV')
    parser.add_argument('source', help='folder (tree) or CSV (kinetics)')
    parser.add_argument('-o', '--out', required=True,
                        help='annotation file to write')
    parser.add_argument('--label-map',
                        help='class names the labels index (.txt or .csv)')
    parser.add_argument('--ext', nargs='+', default=None,
                        help='tree: video extensions to list (default: '
                        f'{" ".join(VIDEO_EXTENSIONS)}); kinetics: the '
                        'extension of the file names (default .mp4)')
    parser.add_argument('--layout', choices=['flat', 'class'], default='flat',
                        help='kinetics: flat file names (default) or '
                        'class_name/ folders')
    parser.add_argument('--prefix', default='',
                        help='kinetics: folder prepended to every path, '
                        'e.g. train/')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = None
    if args.label_map:
        names = [n for n, _ in read_class_name_file(args.label_map)]
        print(f'label map: {len(names)} classes from {args.label_map}')
    print(f'listing {args.source} ...')
    if args.format == 'tree':
        exts = [e if e.startswith('.') else '.' + e
                for e in (args.ext or VIDEO_EXTENSIONS)]
        entries = file_list_from_folders(args.source, names, exts)
    else:
        ext = (args.ext or ['.mp4'])[0]
        entries = file_list_from_kinetics_csv(
            args.source, names, args.layout, args.prefix,
            ext if ext.startswith('.') else '.' + ext)
    count = write_annotations(args.out, entries)
    per_class = Counter(e.label for e in entries)
    print(f'wrote {count} videos of {len(per_class)} classes to {args.out} '
          f'({min(per_class.values())}-{max(per_class.values())} per class)')


if __name__ == '__main__':
    try:
        main()
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
