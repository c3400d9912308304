"""Format the JSON files of ``tools/analysis/gpu_table.sh`` as one table.

    python tools/analysis/gpu_table.py OUT_DIR > table.md

One row per run and case: median step time, its ratio to the frozen-CLIP
limit and to the peer-style step, peak memory, launching operators and
``copy_`` per step, and (with ``--profile-steps``) the GPU's kernel time
against the wall time per step.
"""
import argparse
import json
from pathlib import Path

RUNS = ('fp32', 'bf16', 'bf16_cp', 'bf16_32f', 'bf16_vitl14')


def _num(value, fmt):
    return '-' if value is None else format(value, fmt)


def rows(out_dir: Path):
    """``(run, case, stats, config)`` for every JSON in ``out_dir``, runs in
    the order of :data:`RUNS` then by name."""
    files = sorted(out_dir.glob('*.json'),
                   key=lambda p: (RUNS.index(p.stem) if p.stem in RUNS
                                  else len(RUNS), p.stem))
    for path in files:
        data = json.loads(path.read_text())
        for case, stats in data['cases'].items():
            yield path.stem, case, stats, data['config']


def format_table(out_dir: Path) -> str:
    lines = []
    first = None
    for run, case, s, config in rows(out_dir):
        if first is None:
            first = config
            lines += [
                f"{config['device']}, torch {config['torch']}, "
                f"{config['date']}; batch {config['batch_size']}, "
                f"{config['num_classes']} classes ({config['class_names']}); "
                'median of the timed steps', '',
                '| run | case | median s | x limit | x peer | peak MiB '
                '| ops | copy_ | GPU ms | wall ms | GPU busy |',
                '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
        gpu = s.get('gpu_profile') or {}
        lines.append(
            f"| {run} ({config['arch']}, {config['frames']} f) | {case} | "
            f"{s['median_s']:.3f} | {_num(s.get('x_limit'), '.2f')} | "
            f"{_num(s.get('x_peer'), '.2f')} | "
            f"{_num(s.get('peak_mib'), ',.0f')} | "
            f"{_num(s.get('launch_ops'), ',d')} | "
            f"{_num(s.get('copy_ops'), ',d')} | "
            f"{_num(gpu.get('gpu_ms'), '.1f')} | "
            f"{_num(gpu.get('wall_ms'), '.1f')} | "
            f"{_num(gpu.get('busy') and 100 * gpu['busy'], '.0f')} |")
    if first is None:
        raise SystemExit(f'{out_dir}: no benchmark JSON files.')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    args = parser.parse_args(argv)
    print(format_table(Path(args.out_dir)))


if __name__ == '__main__':
    main()
