"""Paired verdicts of a grid: one method against every other, seed by seed.

Reads the finished cells of ``tools/run_grid.py`` (``metrics.json`` and the
prediction dumps next to it) and, for every setting (protocol, dataset and
K), compares the reference method (default ``vilt-clip``) with each other
method:

* per seed, ``reference - other`` on the **same test videos** (a trained
  method's seed s against the other's seed s; against the test-only
  zero-shot CLIP, each seed against its one run);
* the mean of those differences over seeds, with a 95 % bootstrap interval
  over test videos (each resample draws the videos once for every seed and
  both methods: :func:`mmvlprompt.evaluation.bootstrap.
  paired_seed_difference`);
* a verdict: ``ahead`` (the whole interval above 0), ``behind`` (below 0)
  or ``no difference detected``.

The score of a setting: top-1 (supervised, few-shot), top-1 of the 3
zero-shot subsets pooled (zero-shot) and the harmonic mean of base and novel
top-1 (base-to-novel; base and novel differences are listed too).

Example::

    python tools/analysis/grid_verdicts.py work_dirs/benchmark \
        --out work_dirs/benchmark/verdicts.md
"""
import argparse
import os.path as osp
import pickle
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
import grid_tables  # noqa: E402

from mmvlprompt.evaluation.bootstrap import paired_seed_difference  # noqa

ZERO_SHOT = 'zero-shot'


def load_correct(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Per-video 1/0 top-1 correctness and the labels of one dump."""
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    if not samples:
        raise ValueError(f'{path}: no predictions.')
    labels = np.array([int(np.asarray(s['gt_label']).reshape(-1)[0])
                       for s in samples])
    preds = np.array([int(np.asarray(s['pred_score']).argmax())
                      for s in samples])
    return (preds == labels).astype(np.float64), labels


def cell_sets(cell_dir: Path, protocol: str) -> Dict[str, Path]:
    """The dumps a cell's score is made of, by set name."""
    if protocol == 'base2novel':
        names = ['base', 'novel']
        found = {n: cell_dir / f'preds_{n}.pkl' for n in names}
    else:
        single = cell_dir / 'preds.pkl'
        found = {'all': single} if single.exists() else {
            p.stem[len('preds_'):]: p
            for p in sorted(cell_dir.glob('preds_*.pkl'))}
    missing = [str(p) for p in found.values() if not p.exists()]
    if not found or missing:
        raise FileNotFoundError(
            f'{cell_dir}: prediction dumps missing for a {protocol} cell '
            f'({missing or "no preds*.pkl"}).')
    return found


def setting_key(cell: dict) -> Tuple[str, str, Optional[int]]:
    return cell['protocol'], cell['dataset'], cell.get('shots')


def collect(paths: List[str]) -> Dict[tuple, Dict[str, Dict]]:
    """``{setting: {method: {seed: {set: (correct, labels)}}}}``."""
    out: Dict[tuple, Dict[str, Dict]] = defaultdict(lambda: defaultdict(
        dict))
    for data, path in grid_tables.load_cells(paths):
        cell = data['cell']
        sets = cell_sets(path.parent, cell['protocol'])
        out[setting_key(cell)][cell['method']][cell.get('seed')] = {
            name: load_correct(p) for name, p in sets.items()}
    return out


def _pairs(ref: Dict, other: Dict, where: str):
    """Seed-matched (sets_ref, sets_other) pairs; the test-only zero-shot
    run (seed None) pairs with every seed of the other side."""
    pairs = []
    for seed in sorted(s for s in ref if s is not None):
        match = other.get(seed, other.get(None))
        if match is None:
            continue
        names = sorted(ref[seed])
        if sorted(match) != names:
            raise ValueError(f'{where}: test sets differ ({names} and '
                             f'{sorted(match)}).')
        for name in names:
            if not np.array_equal(ref[seed][name][1], match[name][1]):
                raise ValueError(f'{where}, set {name!r}: the two methods '
                                 'were not tested on the same videos in '
                                 'the same order (labels differ).')
        pairs.append(([ref[seed][n][0] for n in names],
                      [match[n][0] for n in names]))
    return pairs


def verdict(low: float, high: float) -> str:
    if low > 0:
        return 'ahead'
    if high < 0:
        return 'behind'
    return 'no difference detected'


def compare(results, reference: str = 'vilt-clip', resamples: int = 2000,
            seed: int = 0) -> List[dict]:
    """One row per (setting, other method, score)."""
    rows = []
    for key in sorted(results, key=lambda k: (k[0], k[1], k[2] or 0)):
        protocol, dataset, shots = key
        methods = results[key]
        if reference not in methods:
            continue
        scores = [('hm', 'hm', None), ('base', 'mean', ['base']),
                  ('novel', 'mean', ['novel'])] \
            if protocol == 'base2novel' else [('top1', 'mean', None)]
        for method in methods:
            if method == reference:
                continue
            where = f'{protocol}/{dataset}' + (f'/K={shots}' if shots else
                                               '')
            pairs = _pairs(methods[reference], methods[method], where)
            if not pairs:
                continue
            for score, combine, only in scores:
                if only is not None:  # one set of base/novel: base=0
                    index = ['base', 'novel'].index(only[0])
                    use = [([a[index]], [b[index]]) for a, b in pairs]
                else:
                    use = pairs
                r = paired_seed_difference(use, combine=combine,
                                           resamples=resamples, seed=seed)
                rows.append(dict(protocol=protocol, dataset=dataset,
                                 shots=shots, score=score, method=method,
                                 seeds=len(pairs), mean=r['mean'],
                                 low=r['low'], high=r['high'],
                                 per_seed=r['per_seed'], videos=r['n'],
                                 verdict=verdict(r['low'], r['high'])))
    return rows


def to_markdown(rows: List[dict], reference: str) -> str:
    lines = [f'Paired verdicts: {reference} minus each method, in points; '
             'mean over seeds of the per-seed differences on the same test '
             'videos, 95 % bootstrap interval over test videos (2,000 '
             'resamples).', '',
             '| setting | score | method | seeds | videos | '
             f'{reference} - method | 95 % CI | per seed | verdict |',
             '|---|---|---|---:|---|---:|---|---|---|']
    for r in rows:
        setting = f"{r['protocol']} {r['dataset']}" + (
            f" K={r['shots']}" if r['shots'] else '')
        per_seed = ', '.join(f'{d:+.1f}' for d in r['per_seed'])
        videos = '+'.join(str(n) for n in r['videos'])
        lines.append(
            f"| {setting} | {r['score']} | {r['method']} | {r['seeds']} | "
            f"{videos} | {r['mean']:+.1f} | [{r['low']:+.1f}, "
            f"{r['high']:+.1f}] | {per_seed} | {r['verdict']} |")
    return '\n'.join(lines) + '\n'


def main(argv=None) -> List[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+', help='grid work dirs')
    parser.add_argument('--reference', default='vilt-clip')
    parser.add_argument('--resamples', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the Markdown table here')
    args = parser.parse_args(argv)
    rows = compare(collect(args.paths), args.reference, args.resamples,
                   args.seed)
    if not rows:
        sys.exit(f'no cell of {args.reference!r} with a method to compare '
                 f'under {args.paths}.')
    text = to_markdown(rows, args.reference)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return rows


if __name__ == '__main__':
    main()
