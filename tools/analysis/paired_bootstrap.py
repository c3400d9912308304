"""Paired difference of two models' top-1 on the same test videos.

Reads two prediction dumps of ``tools/test.py --dump`` (for a multi-set
test, the per-set files ``preds_<set>.pkl``; several comma-separated dumps
per model are concatenated, e.g. the 3 zero-shot subsets, whose pooled
top-1 is the mean of the subsets' when they are the same size) and prints
each model's top-1
and ``A - B`` in points, each with a 95 % bootstrap interval over the test
videos (paired: one draw of videos for both models).

Example::

    python tools/analysis/paired_bootstrap.py \
        work_dirs/world_v2/vificlip/preds_world_a.pkl \
        work_dirs/world_v2/zs/preds_world_a.pkl --names vificlip zero-shot
"""
import argparse
import json
import os.path as osp
import pickle
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmvlprompt.evaluation.bootstrap import (  # noqa: E402
    bootstrap_interval, paired_difference)


def correctness(paths: str):
    """Per-video 1/0 top-1 correctness and labels of comma-separated dumps
    (concatenated in order)."""
    samples = []
    for path in paths.split(','):
        with open(path, 'rb') as f:
            part = pickle.load(f)
        if not part:
            raise ValueError(f'{path}: no predictions.')
        samples += part
    labels = np.array([int(np.asarray(s['gt_label']).reshape(-1)[0])
                       for s in samples])
    preds = np.array([int(np.asarray(s['pred_score']).argmax())
                      for s in samples])
    return (preds == labels).astype(np.float64), labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('a', help='dump(s) of model A (.pkl, comma-separated)')
    parser.add_argument('b', help='dump(s) of model B, the same test videos')
    parser.add_argument('--names', nargs=2, default=('A', 'B'))
    parser.add_argument('--resamples', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args(argv)
    a, labels_a = correctness(args.a)
    b, labels_b = correctness(args.b)
    if labels_a.shape != labels_b.shape or (labels_a != labels_b).any():
        sys.exit(f'{args.a} and {args.b} are not the same test videos '
                 f'({labels_a.size} and {labels_b.size} labels, in order).')
    kw = dict(resamples=args.resamples, seed=args.seed)
    out = {args.names[0]: bootstrap_interval(a, **kw),
           args.names[1]: bootstrap_interval(b, **kw),
           f'{args.names[0]} - {args.names[1]}': paired_difference(a, b,
                                                                   **kw)}
    for name, r in out.items():
        print(f'{name:>30}: {r["mean"]:6.1f}  95% CI [{r["low"]:.1f}, '
              f'{r["high"]:.1f}]  (n={r["n"]})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
