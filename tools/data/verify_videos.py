"""Check that every annotated video exists and decodes; write a cleaned list.

Example::

    python tools/data/verify_videos.py data/ucf101/train_list.txt \\
        --root data/ucf101/videos --workers 8

Each video is opened with decord and its first and last frames are decoded.
A summary of missing and corrupt files is printed, the lines of readable
videos are written unchanged to the cleaned list (default:
``<annotation>_verified.txt`` next to the input) and the bad ones, with the
reason, to ``--bad-list`` if given. Nothing is deleted or modified. The exit
status is 0 unless ``--strict`` is set and a video is missing or corrupt.
"""
import argparse
import sys
from pathlib import Path

from mmengine.utils import ProgressBar

from mmvlprompt.datasets import read_annotations, write_annotations
from mmvlprompt.datasets.video_check import iter_video_status, summarize

SHOWN = 20  # bad files listed in the summary


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('ann_file', help='MMAction2 annotation file')
    parser.add_argument('--root', default='',
                        help='folder the video paths are relative to '
                        "(the config's data_prefix)")
    parser.add_argument('-o', '--out',
                        help='cleaned annotation file (default: '
                        '<ann_file stem>_verified<suffix>)')
    parser.add_argument('--bad-list',
                        help='also write "<path> <label> <state> <reason>" '
                        'for every bad video')
    parser.add_argument('--workers', type=int, default=1,
                        help='parallel decoding processes (default 1)')
    parser.add_argument('--strict', action='store_true',
                        help='exit with status 1 if any video is bad')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f'--workers {args.workers}: expected >= 1.')
    return args


def print_summary(summary: dict, root: str):
    print(f'\n{summary["total"]} videos: {summary["ok"]} ok, '
          f'{len(summary["missing"])} missing, '
          f'{len(summary["corrupt"])} corrupt'
          + (f' (paths relative to {root})' if root else ''))
    for state in ('missing', 'corrupt'):
        bad = summary[state]
        if bad:
            print(f'{state}:')
        for status in bad[:SHOWN]:
            reason = f'  ({status.reason})' if status.reason else ''
            print(f'  line {status.entry.line}: {status.entry.path}{reason}')
        if len(bad) > SHOWN:
            print(f'  ... and {len(bad) - SHOWN} more')


def main(argv=None):
    args = parse_args(argv)
    ann = Path(args.ann_file)
    out = Path(args.out) if args.out else ann.with_name(
        f'{ann.stem}_verified{ann.suffix or ".txt"}')
    if out.resolve() == ann.resolve():
        raise ValueError(f'--out {out} would overwrite the input; choose '
                         'another file.')
    entries = read_annotations(ann)
    print(f'checking {len(entries)} videos from {ann} '
          f'with {args.workers} worker(s)')
    results = []
    bar = ProgressBar(len(entries))
    for status in iter_video_status(entries, args.root or None, args.workers):
        results.append(status)
        bar.update()
    summary = summarize(results)
    print_summary(summary, args.root)
    count = write_annotations(out, [r.entry for r in results
                                    if r.state == 'ok'])
    print(f'wrote {count} readable videos to {out}')
    if args.bad_list:
        bad = summary['missing'] + summary['corrupt']
        Path(args.bad_list).write_text(''.join(
            f'{r.entry.path} {r.entry.label} {r.state} {r.reason}'.rstrip()
            + '\n' for r in sorted(bad, key=lambda r: r.entry.line)))
        print(f'wrote {len(bad)} bad videos to {args.bad_list}')
    return 1 if args.strict and count < len(entries) else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
