"""Plot training curves and the base/novel/HM results of a work dir.

Reads

* every training log under ``WORK_DIR`` (MMEngine's
  ``<run>/vis_data/scalars.json``; one curve per run folder, named after the
  folder that holds the run, e.g. ``ivlp`` and ``vilt-clip`` in
  ``work_dirs/demo``), and
* ``WORK_DIR/results.csv`` (``tools/analysis/demo_table.py``), if present,

and writes ``training_curves.png`` (training loss and top-1 accuracy per
iteration) and ``results_bars.png`` (grouped bars: base, novel and HM top-1
per method) to ``--out-dir`` (default ``WORK_DIR``)::

    python tools/analysis/plot_results.py work_dirs/demo --out-dir docs
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
from typing import Dict, List


def read_training_logs(work_dir: str) -> Dict[str, List[dict]]:
    """Training records (those with a ``loss``) per run, keyed by the name
    of the folder holding the run; the latest run of a folder wins."""
    runs = {}
    pattern = osp.join(work_dir, '**', 'vis_data', 'scalars.json')
    for path in sorted(glob.glob(pattern, recursive=True)):
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        records = [r for r in records if 'loss' in r and 'step' in r]
        if not records:
            continue
        run_dir = osp.dirname(osp.dirname(osp.dirname(path)))
        name = osp.relpath(run_dir, work_dir)
        runs[osp.basename(work_dir) if name == '.' else name] = records
    return runs


def read_results(csv_path: str) -> List[dict]:
    """Rows of a demo ``results.csv``."""
    with open(csv_path, newline='') as f:
        rows = list(csv.DictReader(f))
    needed = {'method', 'base_top1', 'novel_top1', 'hm'}
    if rows and not needed <= set(rows[0]):
        raise ValueError(f'{csv_path}: expected columns {sorted(needed)}, '
                         f'got {list(rows[0])}.')
    return rows


def plot_curves(runs: Dict[str, List[dict]], out: str) -> None:
    """Loss and training top-1 against iteration, one line per run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3), dpi=80)
    for name, records in runs.items():
        steps = [r['step'] for r in records]
        ax_loss.plot(steps, [r['loss'] for r in records], label=name)
        if all('top1_acc' in r for r in records):
            ax_acc.plot(steps, [100 * r['top1_acc'] for r in records],
                        label=name)
    ax_loss.set(xlabel='iteration', ylabel='loss', title='training loss')
    ax_acc.set(xlabel='iteration', ylabel='top-1 (%)',
               title='training top-1 (batch)')
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_bars(rows: List[dict], out: str) -> None:
    """Grouped bars of base, novel and HM top-1 per method."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    keys = (('base_top1', 'base'), ('novel_top1', 'novel'), ('hm', 'HM'))
    x = np.arange(len(rows))
    width = 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(6, 3), dpi=80)
    for i, (key, label) in enumerate(keys):
        values = [float(r[key]) for r in rows]
        bars = ax.bar(x + (i - 1) * width, values, width, label=label)
        ax.bar_label(bars, fmt='%.0f', fontsize=7)
    ax.set_xticks(x, [r['method'] for r in rows])
    ax.set(ylabel='top-1 (%)', title='base-to-novel top-1')
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, ncols=3, loc='upper left')
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_seed_bars(columns: Dict[str, Dict[str, tuple]], title: str,
                   out: str) -> None:
    """Grouped bars with error bars: ``columns`` maps a table column to
    ``{method: (mean, std)}`` (percent); one bar per method and column."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    methods = list(dict.fromkeys(m for col in columns.values() for m in col))
    x = np.arange(len(columns))
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(columns) *
                                        max(len(methods), 1)), 3.2), dpi=80)
    for i, method in enumerate(methods):
        stats = [columns[c].get(method, (np.nan, 0.0)) for c in columns]
        offset = (i - (len(methods) - 1) / 2) * width
        ax.bar(x + offset, [s[0] for s in stats], width,
               yerr=[s[1] for s in stats], capsize=2, label=method)
    ax.set_xticks(x, list(columns), rotation=30, ha='right', fontsize=8)
    ax.set(ylabel='top-1 (%)', title=title)
    ax.set_ylim(0, 105)
    ax.grid(axis='y', alpha=0.3)
    ax.legend(fontsize=7, ncols=min(len(methods), 4), loc='upper left')
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--results', help='results CSV (default: '
                        'WORK_DIR/results.csv)')
    parser.add_argument('--out-dir', help='default: WORK_DIR')
    args = parser.parse_args(argv)
    if not osp.isdir(args.work_dir):
        parser.error(f'work dir {args.work_dir!r} does not exist.')
    out_dir = args.out_dir or args.work_dir
    os.makedirs(out_dir, exist_ok=True)
    runs = read_training_logs(args.work_dir)
    csv_path = args.results or osp.join(args.work_dir, 'results.csv')
    if not runs and not osp.isfile(csv_path):
        parser.error(f'{args.work_dir}: no training logs '
                     '(*/vis_data/scalars.json) and no results CSV '
                     f'{csv_path!r}: nothing to plot.')
    if runs:
        out = osp.join(out_dir, 'training_curves.png')
        plot_curves(runs, out)
        print(f'wrote {out} ({", ".join(runs)})')
    if osp.isfile(csv_path):
        out = osp.join(out_dir, 'results_bars.png')
        plot_bars(read_results(csv_path), out)
        print(f'wrote {out}')
    elif args.results:
        parser.error(f'--results {args.results!r} does not exist.')


if __name__ == '__main__':
    main()
