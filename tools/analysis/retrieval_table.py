"""Retrieval results table of `make retrieval` from dumped predictions.

Each method's ``tools/test.py --dump`` file holds, per test video, its
embedding and its captions' embeddings; this tool ranks them with
:class:`~mmvlprompt.evaluation.VideoTextRetrievalMetric` and writes
``DIR/results_retrieval.csv`` (recalls in percent) and
``DIR/results_retrieval.md``::

    python tools/analysis/retrieval_table.py work_dirs/retrieval \
        --method zero-shot work_dirs/retrieval/zero-shot/preds.pkl \
        --method ivlp work_dirs/retrieval/ivlp/preds.pkl \
        --method vilt-clip work_dirs/retrieval/vilt-clip/preds.pkl
"""
import argparse
import csv
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import mmengine  # noqa: E402

from mmvlprompt.evaluation import VideoTextRetrievalMetric  # noqa: E402

COLUMNS = ('t2v_R1', 't2v_R5', 't2v_R10', 'v2t_R1', 'v2t_R5', 'v2t_R10',
           't2v_MdR', 'v2t_MdR')
HEADER = ['method'] + [c.lower() for c in COLUMNS]


def metrics_from_dump(path: str) -> dict:
    """Retrieval metrics of one dump, plus ``num_videos``/``num_texts``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such dump; run tools/test.py '
                                '... --dump FILE first.')
    preds = mmengine.load(path)
    metric = VideoTextRetrievalMetric()
    metric.process(None, preds)
    out = metric.compute_metrics(metric.results)
    out['num_videos'] = len(metric.results)
    out['num_texts'] = sum(len(r['text']) for r in metric.results)
    return out


def chance(num_candidates: int, num_targets: int = 1) -> dict:
    """R@1/5/10 (percent) and median rank (1-based) of a random ranking of
    ``num_candidates`` with ``num_targets`` correct ones, the best of which
    counts (v2t with several captions per video)."""
    def hit(k):  # P(best target ranked within the first k)
        miss = 1.0
        for i in range(num_targets):
            miss *= max(num_candidates - k - i, 0) / (num_candidates - i)
        return 1 - miss
    median = next(k for k in range(1, num_candidates + 1) if hit(k) >= 0.5)
    return dict(R1=100 * hit(1), R5=100 * hit(5), R10=100 * hit(10),
                MdR=median)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--method', nargs=2, action='append', required=True,
                        metavar=('NAME', 'DUMP'))
    args = parser.parse_args(argv)
    rows = [(name, metrics_from_dump(dump)) for name, dump in args.method]
    csv_path = osp.join(args.work_dir, 'results_retrieval.csv')
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for name, m in rows:
            writer.writerow([name] + [f'{m[c]:.2f}' for c in COLUMNS])
    n_v, n_t = rows[0][1]['num_videos'], rows[0][1]['num_texts']
    lines = ['| ' + ' | '.join(HEADER) + ' |',
             '|' + '---|' * len(HEADER)]
    lines += ['| ' + ' | '.join([name] + [f'{m[c]:.1f}' for c in COLUMNS])
              + ' |' for name, m in rows]
    # random rankings; v2t with the mean number of captions per video
    t2v, v2t = chance(n_v), chance(n_t, round(n_t / n_v))
    lines.append('| chance | ' + ' | '.join(
        [f'{t2v[k]:.1f}' for k in ('R1', 'R5', 'R10')] +
        [f'{v2t[k]:.1f}' for k in ('R1', 'R5', 'R10')] +
        [f'{t2v["MdR"]}', f'{v2t["MdR"]}']) + ' |')
    table = '\n'.join(lines)
    md_path = osp.join(args.work_dir, 'results_retrieval.md')
    with open(md_path, 'w') as f:
        f.write(f'{n_v} test videos, {n_t} captions\n\n{table}\n')
    print(f'{n_v} test videos, {n_t} captions')
    print(table)
    print(f'wrote {csv_path} and {md_path}')


if __name__ == '__main__':
    main()
