"""Time and peak memory of test-time retrieval ranking, chunked vs whole.

Ranks random unit embeddings (``N`` videos, ``N * captions`` texts, width
``D``) with :func:`~mmvlprompt.evaluation.retrieval_ranks` at a few chunk
sizes, and with MMAction2's ``RetrievalMetric.compute_metrics`` (the whole
similarity matrix in numpy, t2v only, one caption per video) as the
reference. Each measurement runs in a fresh process, so its peak resident
memory (``ru_maxrss``) above the process's memory once the embeddings exist
is the memory ranking needs. Prints one table, with median times over
``--repeats``::

    python tools/analysis/benchmark_retrieval.py --sizes 1000 10000 \
        --dim 512 --chunks 256 1024 --repeats 3
"""
import argparse
import json
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(method: str, num: int, dim: int, captions: int, chunk: int,
             repeats: int) -> dict:
    """Run one measurement in this process (the child side)."""
    import numpy as np
    import torch
    sys.path.insert(0, REPO)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    video = torch.nn.functional.normalize(torch.randn(num, dim,
                                                      generator=gen), dim=-1)
    text = torch.nn.functional.normalize(torch.randn(num * captions, dim,
                                                     generator=gen), dim=-1)
    text_to_video = torch.arange(num).repeat_interleave(captions)
    if method == 'mmaction':
        import mmvlprompt  # noqa: F401  (compat shims before mmaction)
        from mmaction.evaluation import RetrievalMetric
        results = [dict(video_feature=v, text_feature=t) for v, t in zip(
            video.numpy(), text.numpy())]
        run = lambda: RetrievalMetric().compute_metrics(results)  # noqa
    else:
        from mmvlprompt.evaluation import retrieval_ranks
        run = lambda: retrieval_ranks(video, text, text_to_video, chunk)  # noqa
    np.zeros(1)
    base = _rss_mb()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return dict(seconds=statistics.median(times),
                peak_mb=max(_rss_mb() - base, 0.0))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[1000, 10000], help='numbers of videos')
    parser.add_argument('--dim', type=int, default=512)
    parser.add_argument('--captions', type=int, default=1,
                        help='captions per video (chunked methods only)')
    parser.add_argument('--chunks', type=int, nargs='+', default=[256, 1024])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--no-reference', action='store_true',
                        help="skip MMAction2's whole-matrix RetrievalMetric")
    parser.add_argument('--child', nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one measurement, JSON on stdout
        method, num, dim, captions, chunk = args.child
        print(json.dumps(_measure(method, int(num), int(dim), int(captions),
                                  int(chunk), args.repeats)))
        return
    methods = [(f'chunked {c}', 'chunked', c) for c in args.chunks]
    if not args.no_reference and args.captions == 1:
        methods.append(('mmaction whole matrix', 'mmaction', 0))
    print(f'D={args.dim}, {args.captions} caption(s) per video, median of '
          f'{args.repeats}, 1 thread')
    print(f'{"videos x texts":>16} | {"method":<22} | {"time s":>8} | '
          f'{"peak MB":>8} | {"time / ref":>10} | {"mem / ref":>9}')
    for num in args.sizes:
        rows = []
        for label, method, chunk in methods:
            cmd = [sys.executable, __file__, '--repeats', str(args.repeats),
                   '--child', method, str(num), str(args.dim),
                   str(args.captions), str(chunk)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f'{label} at N={num} failed:\n'
                                   f'{proc.stderr[-2000:]}')
            rows.append((label, json.loads(proc.stdout.splitlines()[-1])))
        ref = rows[-1][1]
        for label, r in rows:
            print(f'{num:>7} x {num * args.captions:<6} | {label:<22} | '
                  f'{r["seconds"]:>8.2f} | {r["peak_mb"]:>8.0f} | '
                  f'{r["seconds"] / ref["seconds"]:>10.2f} | '
                  f'{r["peak_mb"] / max(ref["peak_mb"], 1):>9.2f}',
                  flush=True)


if __name__ == '__main__':
    main()
