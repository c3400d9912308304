"""Protocol tables, long-format CSVs and plots from grid cells.

``tools/run_grid.py`` ends every finished cell with
``<work_dir>/<cell>/metrics.json``::

    {"cell": {"protocol": "base2novel", "method": "vilt-clip",
              "dataset": "ucf101", "seed": 1, "shots": null, ...},
     "metrics": {"base/acc/top1": 0.91, "novel/acc/top1": 0.72, ...}, ...}

This tool reads those files under one or more folders (several grids, e.g.
the four protocols of a benchmark, may be tabled together) and writes into
``--out-dir``:

* ``tables.md``: one Markdown table per protocol, mean ± std over seeds;
* ``<protocol>.md`` and ``<protocol>.csv``: the same table alone;
* ``results_<protocol>.csv``: long format, header
  ``dataset,method,seed,metric,value``, values in percent;
* ``results_<protocol>.png``: bars of mean ± std over seeds per column.

What a cell contributes (``cell_records``), by protocol:

* ``base2novel``: ``base_top1``, ``novel_top1`` (from ``base/acc/top1``,
  ``novel/acc/top1``) and ``hm`` (``b2n/hm``, or computed from the two);
* ``few_shot``: ``top1_k{shots}`` from ``acc/top1``;
* ``supervised``, ``zero_shot``: ``top1`` from ``acc/top1``.

A single-set test (``acc/top1``) gives one row for the cell's dataset; a
multi-set test of a non-base-to-novel cell gives one row per set prefix
(``ucf_s1/acc/top1`` -> dataset ``ucf_s1``), and in the zero-shot table the
splits ``<group>_s<i>`` pool into one ``<group>`` column (mean ± std over
splits and seeds).

Example::

    python tools/analysis/grid_tables.py work_dirs/grids --out-dir tables
"""
import argparse
import csv
import json
import os.path as osp
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import plot_results  # noqa: E402
import protocol_table as pt  # noqa: E402

METRICS_FILE = 'metrics.json'


def _top1(metrics: dict, key: str, where: str) -> float:
    if key not in metrics:
        logged = sorted(k for k in metrics if 'top1' in k or k == 'b2n/hm')
        raise KeyError(f'{where}: no {key!r} among the metrics (top-1 keys '
                       f'logged: {logged}).')
    return 100.0 * float(metrics[key])


def cell_records(cell: dict, metrics: dict, where: str = 'cell') -> List[dict]:
    """Long-format records (values in %) of one finished cell; fails naming
    ``where`` and the missing metric when the test did not log it."""
    protocol = cell['protocol']

    def rec(dataset, metric, value):
        return dict(dataset=dataset, method=cell['method'],
                    seed=cell.get('seed'), metric=metric, value=value)

    if protocol == 'base2novel':
        base = _top1(metrics, 'base/acc/top1', where)
        novel = _top1(metrics, 'novel/acc/top1', where)
        hm = 100.0 * float(metrics['b2n/hm']) if 'b2n/hm' in metrics \
            else pt.harmonic_mean(base, novel)
        return [rec(cell['dataset'], 'base_top1', base),
                rec(cell['dataset'], 'novel_top1', novel),
                rec(cell['dataset'], 'hm', hm)]
    if protocol == 'few_shot':
        if cell.get('shots') is None:
            raise KeyError(f'{where}: a few_shot cell needs shots=K.')
        metric = f"top1_k{int(cell['shots'])}"
    elif protocol in ('supervised', 'zero_shot'):
        metric = 'top1'
    else:
        raise ValueError(f'{where}: unknown protocol {protocol!r}; expected '
                         f'one of {list(pt.PROTOCOL_TITLES)}.')
    if 'acc/top1' in metrics:
        return [rec(cell['dataset'], metric, _top1(metrics, 'acc/top1',
                                                    where))]
    per_set = [k[:-len('/acc/top1')] for k in metrics
               if k.endswith('/acc/top1')]
    if not per_set:
        _top1(metrics, 'acc/top1', where)  # raises, listing what exists
    return [rec(prefix, metric, _top1(metrics, f'{prefix}/acc/top1', where))
            for prefix in per_set]


def load_cells(paths: List[str]) -> List[Tuple[dict, dict, Path]]:
    """``(cell, metrics, file)`` of every ``metrics.json`` under the paths:
    paths in the order given, cells of a grid in the grid's order."""
    found = []
    for root in map(Path, paths):
        if not root.exists():
            raise FileNotFoundError(f'{root} does not exist.')
        files = [root] if root.is_file() else sorted(
            root.rglob(METRICS_FILE))
        entries = []
        for path in files:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or not {'cell', 'metrics'} <= set(
                    data):
                raise ValueError(f'{path}: not a grid cell result (expected '
                                 'the keys "cell" and "metrics").')
            entries.append((data['cell'], data['metrics'], path))
        entries.sort(key=lambda e: e[0].get('index', 0))
        found += entries
    return found


def collect_records(paths: List[str]) -> Dict[str, List[dict]]:
    """Long-format records per protocol from the cells under the paths."""
    records: Dict[str, List[dict]] = defaultdict(list)
    for cell, metrics, path in load_cells(paths):
        records[cell['protocol']] += cell_records(cell, metrics, str(path))
    return dict(records)


def write_long_csv(records: List[dict], path: Path) -> None:
    """``dataset,method,seed,metric,value`` rows, values in % (4 d.p.)."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(pt.LONG_HEADER)
        for r in records:
            writer.writerow([r['dataset'], r['method'],
                             '' if r['seed'] is None else r['seed'],
                             r['metric'], f"{r['value']:.4f}"])


def _bars(protocol: str, records: List[dict],
          method_order: Optional[List[str]]) -> dict:
    summary = pt.seed_summary(protocol, records, method_order)
    return {col: {m: pt.mean_std(summary['values'][(m, col)])
                  for m in summary['methods']
                  if (m, col) in summary['values']}
            for col in summary['columns']}


def write_tables(records: Dict[str, List[dict]], out_dir,
                 method_order: Optional[List[str]] = None,
                 plots: bool = True) -> List[Path]:
    """Write tables.md, <protocol>.md/.csv, results_<protocol>.csv and
    (``plots``) results_<protocol>.png; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written, sections = [], []
    protocols = [p for p in pt.PROTOCOL_TITLES if records.get(p)]
    for protocol in protocols:
        table = pt.seed_table(protocol, records[protocol], method_order)
        md = pt.to_markdown(table)
        sections.append(f'## {pt.PROTOCOL_TITLES[protocol]}\n\n'
                        f'Top-1 (%), mean ± std over seeds.\n\n{md}')
        for name, text in ((f'{protocol}.md', md),
                           (f'{protocol}.csv', pt.to_csv(table))):
            (out / name).write_text(text)
            written.append(out / name)
        long_csv = out / f'results_{protocol}.csv'
        write_long_csv(records[protocol], long_csv)
        written.append(long_csv)
        if plots:
            png = out / f'results_{protocol}.png'
            plot_results.plot_seed_bars(
                _bars(protocol, records[protocol], method_order),
                f'{pt.PROTOCOL_TITLES[protocol]}: top-1, mean ± std over '
                'seeds', str(png))
            written.append(png)
    (out / 'tables.md').write_text('\n'.join(sections) if sections
                                   else 'No finished cells.\n')
    written.append(out / 'tables.md')
    return written


def main(argv=None) -> Dict[str, List[dict]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+', help='grid work dirs (searched '
                        f'recursively for {METRICS_FILE}) or such files')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--methods', nargs='+',
                        help='row order (others follow as found)')
    parser.add_argument('--no-plots', action='store_true')
    args = parser.parse_args(argv)
    records = collect_records(args.paths)
    files = write_tables(records, args.out_dir, args.methods,
                         plots=not args.no_plots)
    print((Path(args.out_dir) / 'tables.md').read_text())
    print('wrote ' + ', '.join(str(f) for f in files))
    return records


if __name__ == '__main__':
    main()
