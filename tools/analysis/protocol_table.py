"""Gather test results across splits and seeds into the paper's tables.

Reads, under the given paths (files or folders, searched recursively):

* metric JSONs that ``tools/test.py`` writes, ``<work_dir>/<ts>/<ts>.json``
  (the newest per work dir is used);
* prediction dumps from ``tools/test.py --dump <work_dir>/preds.pkl``:
  ``preds.pkl`` (one set) or ``preds_<prefix>.pkl`` (one per set), scored
  here (top-1, top-5).

Each result belongs to the cell named by its work dir, which by default is
the config name: ``<method>_k400_zs`` (zero-shot), ``<method>_fs_<dataset>
_k<K>`` (few-shot), ``<method>_b2n_<dataset>[_s<seed>]`` (base-to-novel);
any other name is a fully supervised run. Tables (accuracies in %):

* zero-shot: mean +- std of top-1 over the splits of UCF-101, HMDB-51, K600;
* few-shot: top-1 per dataset and K;
* base-to-novel: base and novel top-1 averaged over seeds, and the harmonic
  mean of those averages, per dataset;
* fully supervised: top-1 and top-5.

Example::

    python tools/analysis/protocol_table.py work_dirs --out-dir tables

prints the Markdown tables and writes ``<protocol>.md`` and
``<protocol>.csv`` into ``tables/``.
"""
import argparse
import csv
import io
import json
import os.path as osp
import pickle
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmvlprompt.evaluation.protocol_stats import (  # noqa: E402
    harmonic_mean, mean_std)

ZS_GROUPS = (('ucf', 'UCF-101'), ('hmdb', 'HMDB-51'), ('k600', 'K600'))
FS_DATASETS = (('hmdb51', 'HMDB-51'), ('ucf101', 'UCF-101'),
               ('ssv2', 'SSv2'))
FS_SHOTS = (2, 4, 8, 16)
B2N_DATASETS = (('k400', 'K-400'), ('hmdb51', 'HMDB-51'),
                ('ucf101', 'UCF-101'), ('ssv2', 'SSv2'))
CELL_PATTERNS = (
    ('zero_shot', re.compile(r'^(?P<method>.+)_k400_zs$')),
    ('few_shot', re.compile(r'^(?P<method>.+)_fs_(?P<dataset>[^_]+)'
                            r'_k(?P<k>\d+)$')),
    ('base2novel', re.compile(r'^(?P<method>.+)_b2n_(?P<dataset>[^_]+)'
                              r'(?:_s(?P<seed>\d+))?$')),
)

Table = Tuple[List[str], List[List[str]]]


def parse_cell(name: str) -> dict:
    """Protocol and cell keys from a work-dir (config) name."""
    for protocol, pattern in CELL_PATTERNS:
        match = pattern.match(name)
        if match:
            return dict(protocol=protocol, **{
                k: v for k, v in match.groupdict().items() if v is not None})
    return dict(protocol='supervised', method=name)


def _read_json_metrics(path: Path) -> dict:
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f'{path}: empty metric file.')
    return json.loads(lines[-1])


def metric_jsons(work_dir) -> List[Path]:
    """The metric JSONs ``tools/test.py`` wrote in a work dir
    (``<work_dir>/<ts>/<ts>.json``), oldest first."""
    work_dir = Path(work_dir)
    found = [p for p in work_dir.glob('*/*.json')
             if p.stem == p.parent.name]
    return sorted(found, key=lambda p: p.stem)


def read_metrics(work_dir) -> Dict[str, float]:
    """Numeric metrics of the newest test run in a ``tools/test.py`` work
    dir; fails naming the dir when it holds no metric JSON."""
    files = metric_jsons(work_dir)
    if not files:
        raise FileNotFoundError(
            f'{work_dir}: no metric JSON (<work_dir>/<timestamp>/'
            '<timestamp>.json); did tools/test.py finish?')
    metrics = _read_json_metrics(files[-1])
    return {k: v for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _score_dump(path: Path, prefix: str) -> dict:
    """top-1/top-5 (fractions) of a tools/test.py --dump file."""
    with open(path, 'rb') as f:
        rows = pickle.load(f)
    if not rows:
        raise ValueError(f'{path}: no predictions.')
    scores = np.stack([np.asarray(r['pred_score'], dtype=np.float64)
                       for r in rows])  # (N, C)
    labels = np.array([int(np.asarray(r['gt_label']).reshape(-1)[0])
                       for r in rows])  # (N,)
    order = np.argsort(-scores, axis=1)
    key = f'{prefix}/acc' if prefix else 'acc'
    out = {f'{key}/top1': float((order[:, 0] == labels).mean())}
    if scores.shape[1] >= 5:
        out[f'{key}/top5'] = float(
            (order[:, :5] == labels[:, None]).any(1).mean())
    return out


def collect(paths: List[str], dump_stem: str = 'preds') -> Dict[str, dict]:
    """Metrics per work dir: ``{work_dir_name: {metric: value}}``.

    The newest metric JSON of a work dir is used; dump files add (and, for
    the same keys, override) metrics.
    """
    jsons: Dict[Path, List[Path]] = defaultdict(list)
    dumps: List[Path] = []
    dump_re = re.compile(rf'^{re.escape(dump_stem)}(?:_(?P<prefix>.+))?$')
    for root in map(Path, paths):
        if not root.exists():
            raise FileNotFoundError(f'{root} does not exist.')
        files = [root] if root.is_file() else sorted(root.rglob('*'))
        for path in files:
            if path.suffix == '.json' and path.stem == path.parent.name:
                jsons[path.parent.parent].append(path)
            elif path.suffix in ('.pkl', '.pickle') and dump_re.match(
                    path.stem):
                dumps.append(path)
    results: Dict[str, dict] = defaultdict(dict)
    for work_dir, files in jsons.items():
        newest = sorted(files, key=lambda p: p.stem)[-1]
        metrics = _read_json_metrics(newest)
        results[work_dir.name].update(
            {k: v for k, v in metrics.items() if isinstance(v, (int, float))})
    for path in dumps:
        prefix = dump_re.match(path.stem).group('prefix') or ''
        results[path.parent.name].update(_score_dump(path, prefix))
    return dict(results)


def _pct(value: Optional[float]) -> str:
    return '' if value is None else f'{100 * value:.1f}'


def _mean(values: List[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def zero_shot_table(cells: List[Tuple[dict, dict]]) -> Table:
    header = ['method'] + [title for _, title in ZS_GROUPS]
    rows = []
    for key, metrics in cells:
        row = [key['method']]
        for group, _ in ZS_GROUPS:
            values = [v for k, v in sorted(metrics.items())
                      if re.fullmatch(rf'{group}_s\d+/acc/top1', k)]
            if values:
                mean, std = mean_std(values)
                row.append(f'{100 * mean:.1f} ± {100 * std:.1f}')
            else:
                row.append('')
        rows.append(row)
    return header, rows


def few_shot_table(cells: List[Tuple[dict, dict]]) -> Table:
    header = ['method'] + [f'{title} K={k}' for _, title in FS_DATASETS
                           for k in FS_SHOTS]
    found: Dict[str, Dict[tuple, List[float]]] = defaultdict(
        lambda: defaultdict(list))
    for key, metrics in cells:
        if 'acc/top1' in metrics:
            found[key['method']][(key['dataset'], int(key['k']))].append(
                metrics['acc/top1'])
    rows = [[method] + [_pct(_mean(values.get((ds, k), [])))
                        for ds, _ in FS_DATASETS for k in FS_SHOTS]
            for method, values in found.items()]
    return header, rows


def base2novel_table(cells: List[Tuple[dict, dict]]) -> Table:
    header = ['method'] + [f'{title} {col}' for _, title in B2N_DATASETS
                           for col in ('base', 'novel', 'HM')]
    found: Dict[str, Dict[str, Dict[str, List[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for key, metrics in cells:
        for part in ('base', 'novel'):
            if f'{part}/acc/top1' in metrics:
                found[key['method']][key['dataset']][part].append(
                    metrics[f'{part}/acc/top1'])
    rows = []
    for method, per_ds in found.items():
        row = [method]
        for ds, _ in B2N_DATASETS:
            base = _mean(per_ds[ds]['base'])
            novel = _mean(per_ds[ds]['novel'])
            hm = harmonic_mean(base, novel) if None not in (base,
                                                            novel) else None
            row += [_pct(base), _pct(novel), _pct(hm)]
        rows.append(row)
    return header, rows


def supervised_table(cells: List[Tuple[dict, dict]]) -> Table:
    rows = [[key['method'], _pct(m.get('acc/top1')), _pct(m.get('acc/top5'))]
            for key, m in cells if 'acc/top1' in m]
    return ['config', 'top-1', 'top-5'], rows


BUILDERS = dict(zero_shot=zero_shot_table, few_shot=few_shot_table,
                base2novel=base2novel_table, supervised=supervised_table)


def build_tables(results: Dict[str, dict]) -> Dict[str, Table]:
    """One table per protocol that has results."""
    cells: Dict[str, List[Tuple[dict, dict]]] = defaultdict(list)
    for name, metrics in sorted(results.items()):
        key = parse_cell(name)
        cells[key['protocol']].append((key, metrics))
    tables = {}
    for protocol, builder in BUILDERS.items():
        if cells.get(protocol):
            header, rows = builder(cells[protocol])
            if rows:
                tables[protocol] = (header, sorted(rows))
    return tables


# ----------------------------------------------------------------------
# Long-format results (tools/run_grid.py, tools/analysis/grid_tables.py):
# records dict(dataset, method, seed, metric, value), values in percent
# ----------------------------------------------------------------------
LONG_HEADER = ('dataset', 'method', 'seed', 'metric', 'value')
PROTOCOL_TITLES = dict(supervised='Fully supervised', zero_shot='Zero-shot',
                       few_shot='Few-shot', base2novel='Base-to-novel')
B2N_METRICS = (('base_top1', 'base'), ('novel_top1', 'novel'), ('hm', 'HM'))
DATASET_TITLES = dict(ZS_GROUPS + FS_DATASETS + B2N_DATASETS)
_SPLIT_RE = re.compile(r'^(?P<group>.+)_s\d+$')


def _record_column(protocol: str, record: dict) -> Tuple[str, tuple]:
    """Dataset (group) of a record's column and the column's order within
    that dataset."""
    dataset, metric = record['dataset'], record['metric']
    if protocol == 'zero_shot':  # splits ucf_s1..3 pool into ucf
        match = _SPLIT_RE.match(dataset)
        dataset = match.group('group') if match else dataset
    if protocol == 'base2novel':
        names = [m for m, _ in B2N_METRICS]
        order = (names.index(metric) if metric in names else len(names),
                 metric)
    elif protocol == 'few_shot':
        match = re.fullmatch(r'top1_k(\d+)', metric)
        order = (int(match.group(1)) if match else 10**9, metric)
    else:
        order = (0 if metric == 'top1' else 1, metric)
    return dataset, order


def _column_title(protocol: str, dataset: str, metric: str) -> str:
    title = DATASET_TITLES.get(dataset, dataset)
    if protocol == 'base2novel':
        return f'{title} {dict(B2N_METRICS).get(metric, metric)}'
    if protocol == 'few_shot':
        return f"{title} K={metric[len('top1_k'):]}" if metric.startswith(
            'top1_k') else f'{title} {metric}'
    return title if metric == 'top1' else f'{title} {metric}'


def seed_summary(protocol: str, records: List[dict],
                 method_order: Optional[List[str]] = None) -> dict:
    """Values per (method, column) of one protocol's records.

    Columns are dataset x metric (datasets in order of first appearance;
    zero-shot splits ``<group>_s<i>`` pool into ``<group>``). Returns
    ``dict(columns=[title], methods=[name], values={(method, title):
    [values]}, seeds={method: [seeds]})``.
    """
    datasets: List[str] = []
    keys: Dict[str, set] = defaultdict(set)
    values: Dict[tuple, List[float]] = defaultdict(list)
    seeds: Dict[str, set] = defaultdict(set)
    for rec in records:
        dataset, order = _record_column(protocol, rec)
        if dataset not in datasets:
            datasets.append(dataset)
        keys[dataset].add((order, rec['metric']))
        title = _column_title(protocol, dataset, rec['metric'])
        values[(rec['method'], title)].append(float(rec['value']))
        seeds[rec['method']].add(rec['seed'])
    columns = [_column_title(protocol, ds, metric) for ds in datasets
               for _, metric in sorted(keys[ds])]
    found = list(dict.fromkeys(rec['method'] for rec in records))
    order = [m for m in (method_order or []) if m in found]
    methods = order + [m for m in found if m not in order]
    return dict(columns=columns, methods=methods, values=dict(values),
                seeds={m: sorted(s, key=str) for m, s in seeds.items()})


def _mean_pm_std(values: List[float]) -> str:
    if not values:
        return ''
    mean, std = mean_std(values)
    return f'{mean:.1f}' if len(values) == 1 else f'{mean:.1f} ± {std:.1f}'


def seed_table(protocol: str, records: List[dict],
               method_order: Optional[List[str]] = None) -> Table:
    """One protocol's table from long-format records: per method and
    column, the mean ± std (``ddof=0``) over seeds (and, for zero-shot,
    over the splits of a dataset); a single value is shown alone. The last
    column lists the seeds."""
    summary = seed_summary(protocol, records, method_order)
    header = ['method'] + summary['columns'] + ['seeds']
    rows = [[m] + [_mean_pm_std(summary['values'].get((m, col), []))
                   for col in summary['columns']]
            + [' '.join(str(s) for s in summary['seeds'][m]
                        if s is not None) or '-']
            for m in summary['methods']]
    return header, rows


def to_markdown(table: Table) -> str:
    header, rows = table
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(table[0])
    writer.writerows(table[1])
    return buf.getvalue()


def main(argv=None) -> Dict[str, Table]:
    parser = argparse.ArgumentParser(
        description='Protocol tables from test metric JSONs and dumps')
    parser.add_argument('paths', nargs='+',
                        help='work dirs, folders of work dirs, or files')
    parser.add_argument('--out-dir', help='write <protocol>.md and .csv here')
    parser.add_argument('--dump-stem', default='preds',
                        help='dump files are <stem>.pkl or <stem>_<set>.pkl')
    args = parser.parse_args(argv)
    tables = build_tables(collect(args.paths, args.dump_stem))
    if not tables:
        print('No results found under ' + ', '.join(args.paths))
    for protocol, table in tables.items():
        print(f'\n## {protocol}\n\n{to_markdown(table)}')
        if args.out_dir:
            out = Path(args.out_dir)
            out.mkdir(parents=True, exist_ok=True)
            (out / f'{protocol}.md').write_text(to_markdown(table))
            (out / f'{protocol}.csv').write_text(to_csv(table))
    return tables


if __name__ == '__main__':
    main()
