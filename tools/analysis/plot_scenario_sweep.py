"""Scenario-loss weight sensitivity of ViLT-CLIP on base-to-novel.

Reads every finished base-to-novel grid cell (``metrics.json``) of one
dataset (``--dataset``: the default ``appearance`` is world v1's, world v2's
grid calls its cells ``world_v2``) under ``BENCH_DIR``, sub-folders
included: ``vilt-clip-no-scenario`` (weight 0), ``vilt-clip`` (the declared
weight) and ``vilt-clip-w<weight>`` cells, whichever grids wrote them.
World v1's figure came from its grid and its sweep grid in
``BENCH_DIR/sweep`` (``configs/grids/bench_world.py``, removed; last at
commit 477aca7, and ``configs/grids/bench_world_sweep.py``, removed; last
at commit f711691). Plots base, novel and HM top-1 (mean ± std over seeds)
against the weight as a multiple of the declared one, prints the table and
writes it next to the figure as ``<out stem>.csv``::

    python tools/analysis/plot_scenario_sweep.py work_dirs/benchmark \\
        --declared 8.84 --out work_dirs/benchmark/scenario_weight_sweep.png
"""
import argparse
import csv
import os.path as osp
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
import grid_tables  # noqa: E402
from mmvlprompt.evaluation.protocol_stats import mean_std  # noqa: E402

METRICS = ('base_top1', 'novel_top1', 'hm')
_WEIGHT_RE = re.compile(r'^vilt-clip-w([0-9.]+)$')


def sweep_records(bench_dir: str, declared: float, dataset: str):
    """``{multiple: {metric: [value per seed]}}`` of the sweep's cells."""
    out = defaultdict(lambda: defaultdict(list))
    # every metrics.json under the folder, sweep/ included
    for data, path in grid_tables.load_cells([bench_dir]):
        cell, metrics = data['cell'], data['metrics']
        if cell.get('protocol') != 'base2novel' or \
                cell.get('dataset') != dataset:
            continue
        method = cell['method']
        match = _WEIGHT_RE.match(method)
        if method == 'vilt-clip-no-scenario':
            multiple = 0.0
        elif method == 'vilt-clip':
            multiple = 1.0
        elif match:
            multiple = round(float(match.group(1)) / declared, 2)
        else:
            continue
        for rec in grid_tables.cell_records(cell, metrics, str(path)):
            out[multiple][rec['metric']].append(rec['value'])
    return {m: dict(v) for m, v in sorted(out.items())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('bench_dir')
    parser.add_argument('--declared', type=float, required=True,
                        help='the declared scenario-loss weight (x1)')
    parser.add_argument('--dataset', default='appearance')
    parser.add_argument('--out', required=True, help='figure (.png)')
    args = parser.parse_args(argv)
    data = sweep_records(args.bench_dir, args.declared, args.dataset)
    if not data:
        raise SystemExit(f'{args.bench_dir}: no finished sweep cells of '
                         f'{args.dataset!r} (run the benchmark grids first).')
    rows = []
    print(f'scenario-loss weight sweep ({args.dataset}, declared weight '
          f'{args.declared}):')
    print('| weight | x declared | seeds | base top-1 | novel top-1 | HM |')
    print('|---:|---:|---:|---:|---:|---:|')
    for multiple, metrics in data.items():
        stats = {k: mean_std(metrics[k]) for k in METRICS}
        seeds = len(metrics.get('hm', []))
        rows.append(dict(multiple=multiple,
                         weight=round(multiple * args.declared, 2),
                         seeds=seeds, **{f'{k}_mean': round(s[0], 2)
                                         for k, s in stats.items()},
                         **{f'{k}_std': round(s[1], 2)
                            for k, s in stats.items()}))
        print(f"| {rows[-1]['weight']} | {multiple} | {seeds} | " + ' | '.join(
            f'{s[0]:.1f} ± {s[1]:.1f}' for s in stats.values()) + ' |')
    with open(Path(args.out).with_suffix('.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.4))
    xs = list(range(len(rows)))
    for key, label in zip(METRICS, ('base', 'novel', 'HM')):
        ax.errorbar(xs, [r[f'{key}_mean'] for r in rows],
                    yerr=[r[f'{key}_std'] for r in rows], marker='o',
                    capsize=3, label=label)
    ax.set_xticks(xs, [f"x{r['multiple']:g}\n({r['weight']:g})"
                       for r in rows])
    ax.set_xlabel('scenario-loss weight (x declared)')
    ax.set_ylabel('top-1 (%)')
    ax.set_title(f'ViLT-CLIP, base-to-novel {args.dataset}')
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
