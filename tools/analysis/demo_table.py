"""Base-to-novel results table of the demo, from tools/test.py dumps.

For each ``--method NAME CONFIG`` it reads ``WORK_DIR/NAME/preds_base.pkl``
and ``WORK_DIR/NAME/preds_novel.pkl`` (the per-set dumps of
``tools/test.py --dump WORK_DIR/NAME/preds.pkl``), the training time in
``WORK_DIR/NAME/train_seconds.txt`` (absent: not trained, 0) and counts the
trainable parameters of the model CONFIG builds. It prints a Markdown table
and writes ``WORK_DIR/results.md`` and ``WORK_DIR/results.csv`` with the
header ``method,base_top1,novel_top1,hm,trainable_params,train_seconds``
(accuracies in percent)::

    python tools/analysis/demo_table.py work_dirs/demo \
        --method zero-shot configs/demo/zeroshot-clip_world_v2.py \
        --method vilt-clip configs/demo/vilt-clip_world_v2.py
"""
import argparse
import csv
import os.path as osp
import pickle
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import mmvlprompt  # noqa: E402,F401  (registers modules, compat shims)
from mmvlprompt.evaluation import harmonic_mean  # noqa: E402

CSV_HEADER = ('method', 'base_top1', 'novel_top1', 'hm', 'trainable_params',
              'train_seconds')


def top1_from_dump(path: str) -> float:
    """Top-1 accuracy in percent of a ``tools/test.py --dump`` pickle."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no prediction dump (run '
                                'tools/test.py with --dump first).')
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    if not samples:
        raise ValueError(f'{path}: the dump holds no predictions.')
    correct = 0
    for sample in samples:
        pred = int(sample['pred_score'].argmax())
        correct += int(pred == int(sample['gt_label'].reshape(-1)[0]))
    return 100.0 * correct / len(samples)


def trainable_params(config: str) -> int:
    """Number of parameters with ``requires_grad`` in the model of config."""
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    model = MODELS.build(Config.fromfile(config).model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def collect_rows(work_dir: str, methods) -> list:
    """One dict per method with the CSV columns."""
    rows = []
    for name, config in methods:
        base = top1_from_dump(osp.join(work_dir, name, 'preds_base.pkl'))
        novel = top1_from_dump(osp.join(work_dir, name, 'preds_novel.pkl'))
        seconds_file = osp.join(work_dir, name, 'train_seconds.txt')
        seconds = float(open(seconds_file).read()) \
            if osp.isfile(seconds_file) else 0.0
        rows.append(dict(method=name, base_top1=round(base, 2),
                         novel_top1=round(novel, 2),
                         hm=round(harmonic_mean(base, novel), 2),
                         trainable_params=trainable_params(config),
                         train_seconds=round(seconds, 1)))
    return rows


def markdown_table(rows) -> str:
    """The rows as a Markdown table."""
    lines = ['| method | base top-1 | novel top-1 | HM | trainable params '
             '| train s |', '|---|---:|---:|---:|---:|---:|']
    for r in rows:
        lines.append(f"| {r['method']} | {r['base_top1']:.1f} | "
                     f"{r['novel_top1']:.1f} | {r['hm']:.1f} | "
                     f"{r['trainable_params']:,} | {r['train_seconds']:.0f} |")
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--method', nargs=2, action='append', required=True,
                        metavar=('NAME', 'CONFIG'),
                        help='a row: results in WORK_DIR/NAME, model CONFIG')
    args = parser.parse_args(argv)
    rows = collect_rows(args.work_dir, args.method)
    table = markdown_table(rows)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    with open(osp.join(args.work_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    print(table, end='')
    print(f"wrote {osp.join(args.work_dir, 'results.md')} and results.csv")


if __name__ == '__main__':
    main()
