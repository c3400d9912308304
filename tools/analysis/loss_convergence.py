"""Training loss curve of an MMEngine run and world v2's convergence check.

Reads ``<work_dir>/<timestamp>/vis_data/scalars.json`` (the newest run
under the work dir), smooths the loss with a moving average, and reports
gate G4 of ``docs/en/benchmark/world_v2.md``: the last 20 % of iterations
must lower the smoothed loss by less than 10 % of its total fall (first
smoothed value minus the lowest). ``--plot`` draws the curve.

Example::

    python tools/analysis/loss_convergence.py \
        work_dirs/world_v2/vificlip_supervised_s1 --plot curve.png
"""
import argparse
import glob
import json
import os.path as osp
import sys

import numpy as np


def read_loss(work_dir: str, key: str = 'loss'):
    """``(iterations, losses)`` of the newest run under ``work_dir``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json.')
    steps, losses = [], []
    with open(files[-1]) as f:
        for line in f:
            rec = json.loads(line)
            if key in rec and 'step' in rec:
                steps.append(int(rec['step']))
                losses.append(float(rec[key]))
    if len(losses) < 5:
        raise ValueError(f'{files[-1]}: {len(losses)} {key!r} values; need '
                         'at least 5.')
    return np.array(steps), np.array(losses)


def convergence(losses: np.ndarray, window: int = 5,
                tail: float = 0.2) -> dict:
    """Smoothed-loss fall overall and over the last ``tail`` of the run."""
    window = max(1, min(window, len(losses) // 4))
    smooth = np.convolve(losses, np.ones(window) / window, mode='valid')
    start = int(round((1 - tail) * len(smooth)))
    total = float(smooth[0] - smooth.min())
    last = float(smooth[start] - smooth[start:].min())
    ratio = last / total if total > 0 else float('inf')
    return dict(first=float(smooth[0]), final=float(smooth[-1]),
                total_fall=total, tail_fall=last, tail_ratio=ratio,
                converged=bool(total > 0 and ratio < 0.1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--plot', help='PNG of the loss curves')
    args = parser.parse_args(argv)
    curves = {}
    for wd in args.work_dirs:
        steps, losses = read_loss(wd)
        r = convergence(losses)
        curves[wd] = (steps, losses)
        print(f'{wd}: loss {r["first"]:.3f} -> {r["final"]:.3f}; last 20 % '
              f'lowers it by {100 * r["tail_ratio"]:.0f} % of the total fall'
              f' -> {"converged" if r["converged"] else "NOT converged"}')
    if args.plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for wd, (steps, losses) in curves.items():
            ax.plot(steps, losses, label=osp.basename(wd.rstrip('/')))
        ax.set_xlabel('iteration')
        ax.set_ylabel('training loss')
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f'wrote {args.plot}')
    sys.stdout.flush()


if __name__ == '__main__':
    main()
