"""How many CPU cores it takes to feed a GPU: clips/s per data worker.

Example (before/after ``tools/data/reencode_videos.py``, side by side)::

    python tools/analysis/benchmark_data.py configs/vlprompt_k400.py \\
        data/videos data/videos_256 --decoders decord pyav opencv \\
        --step-s 0.068 --batch 8 --json work_dirs/data_bench.json

For every video of every ``VIDEOS`` folder (or file) and every decoder it
times, on one process with one decoding thread unless a decoder says
otherwise:

* **decode**: open the file, sample the frame indices with the config's
  train sampler (the transforms between its ``*Init`` and ``*Decode``
  steps, e.g. ``UniformSample``), decode them;
* **pipeline**: the whole ``train_pipeline`` of the config (resize, crop,
  flip, format, pack) with that decoder's open/decode steps swapped in.

The time is the process's CPU time (all its threads), so ``1 / time`` is
clips/s **per core**, what a dataloader worker delivers, and it is less
disturbed by other processes than wall time. Each measurement is repeated
``--repeats`` times, interleaved over folders and decoders so that a busy
machine slows all alike, and the median is reported, with the wall time.
The last table gives the cores per GPU that the whole pipeline needs to
keep up with ``--batch`` clips every ``--step-s`` seconds (the GPU step),
for the mean cost over the videos of each folder.

Decoders (all install from pip alone and bring their own FFmpeg):

* ``decord``: the config's own steps (``CheckedDecordInit`` /
  ``CheckedDecordDecode``: each distinct frame decoded once, sorted, in
  one batched call);
* ``decord-mmaction``: MMAction2's ``DecordInit`` / ``DecordDecode`` (the
  sampler's indices passed as they come);
* ``decord-2threads``: the config's steps with ``num_threads=2``;
* ``pyav``: MMAction2's ``PyAVInit`` / ``PyAVDecode`` (decodes from the
  start up to the last sampled frame); ``pyav-threads``: with FFmpeg's
  frame threads (``multi_thread=True``);
* ``opencv``: MMAction2's ``OpenCVInit`` / ``OpenCVDecode``.

``--sampler dense`` replaces the config's sampler by MMAction2's
``SampleFrames(clip_len=T, frame_interval=N)`` (``--frame-interval``,
default 8), which wraps around videos shorter than ``N T`` frames
(unsorted, repeated indices).
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mmvlprompt  # noqa: E402,F401  (registers modules)

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')
# name: (init step or None for the config's, decode step or None, extra
# args for the config's init step)
DECODERS = {
    'decord': (None, None, {}),
    'decord-mmaction': (dict(type='DecordInit'), dict(type='DecordDecode'),
                        {}),
    'decord-2threads': (None, None, dict(num_threads=2)),
    'pyav': (dict(type='PyAVInit'), dict(type='PyAVDecode'), {}),
    'pyav-threads': (dict(type='PyAVInit'),
                     dict(type='PyAVDecode', multi_thread=True), {}),
    'opencv': (dict(type='OpenCVInit'), dict(type='OpenCVDecode'), {}),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('videos', nargs='+',
                        help='folders (or files) of videos; several are '
                        'measured side by side, e.g. before and after '
                        're-encoding')
    parser.add_argument('--decoders', nargs='+', default=['decord', 'pyav'],
                        choices=sorted(DECODERS))
    parser.add_argument('--sampler', choices=['config', 'dense'],
                        default='config')
    parser.add_argument('--frame-interval', type=int, default=8,
                        help='frame interval of --sampler dense (default 8)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--step-s', type=float, default=0.068,
                        help='GPU training step in seconds (default: the '
                        'H200 bf16 step of the K400 recipe)')
    parser.add_argument('--batch', type=int, default=8,
                        help='clips per GPU step (default 8)')
    parser.add_argument('--no-pipeline', action='store_true',
                        help='time decoding only')
    parser.add_argument('--json', help='write all numbers to this file')
    from mmengine.config import DictAction
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    for key in ('repeats', 'batch'):
        if getattr(args, key) < 1:
            parser.error(f'--{key} {getattr(args, key)}: expected >= 1.')
    if args.step_s <= 0:
        parser.error(f'--step-s {args.step_s}: expected > 0.')
    return args


def list_videos(path: str) -> List[str]:
    """The file, or the videos under the folder (sorted relative paths)."""
    if osp.isfile(path):
        return [osp.basename(path)]
    if not osp.isdir(path):
        raise FileNotFoundError(f'VIDEOS {path!r} does not exist.')
    found = sorted(osp.relpath(osp.join(d, f), path)
                   for d, _, files in os.walk(path) for f in files
                   if f.lower().endswith(VIDEO_EXTS))
    if not found:
        raise FileNotFoundError(f'{path}: no videos ({", ".join(VIDEO_EXTS)})')
    return found


def split_pipeline(pipeline: List[dict]):
    """``(init, sampler steps, decode, rest)`` of a train pipeline."""
    types = [str(t['type']) for t in pipeline]
    inits = [i for i, t in enumerate(types) if t.endswith('Init')]
    decodes = [i for i, t in enumerate(types) if t.endswith('Decode')]
    if not inits or not decodes or inits[0] > decodes[0]:
        raise ValueError(f'train_pipeline needs an *Init step before a '
                         f'*Decode step; its types are {types}.')
    i, d = inits[0], decodes[0]
    return pipeline[i], pipeline[i + 1:d], pipeline[d], pipeline[d + 1:]


def decoder_steps(name: str, init: dict, decode: dict):
    """The open and decode steps of decoder ``name`` (errors raised)."""
    new_init, new_decode, extra = DECODERS[name]
    init = copy.deepcopy(new_init or init)
    decode = copy.deepcopy(new_decode or decode)
    init.update(extra)
    for step in (init, decode):
        if 'on_error' in step:
            step['on_error'] = 'raise'  # a benchmark must not skip
    return init, decode


def build_pipelines(cfg, args) -> Dict[str, dict]:
    """``{decoder: {'decode': Compose, 'pipeline': Compose}}``."""
    from mmengine.dataset import Compose
    init, sampler, decode, rest = split_pipeline(list(cfg.train_pipeline))
    if args.sampler == 'dense':
        clip_len = next((s['clip_len'] for s in sampler if 'clip_len' in s),
                        8)
        sampler = [dict(type='SampleFrames', clip_len=clip_len,
                        frame_interval=args.frame_interval, num_clips=1)]
    out = {}
    for name in args.decoders:
        first, last = decoder_steps(name, init, decode)
        head = [first] + copy.deepcopy(list(sampler)) + [last]
        out[name] = dict(decode=Compose(head),
                         pipeline=Compose(head + copy.deepcopy(list(rest))))
    return out


def time_once(pipeline, filename: str):
    """``(cpu_s, wall_s)`` of one pass of ``pipeline`` on ``filename``."""
    results = dict(filename=filename, label=0, start_index=0,
                   modality='RGB')
    cpu, wall = time.process_time(), time.perf_counter()
    out = pipeline(results)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if out is None:
        raise RuntimeError(f'{filename}: the pipeline returned None.')
    return cpu, wall


def run(args) -> dict:
    from mmvlprompt.engine.runner_setup import load_model_config
    cfg = load_model_config(args.config, args.cfg_options, random_clip=False)
    pipes = build_pipelines(cfg, args)
    sets = [(osp.basename(osp.dirname(osp.abspath(v)) if osp.isfile(v)
                          else osp.normpath(v)), v, list_videos(v))
            for v in args.videos]
    if len({label for label, _, _ in sets}) < len(sets):
        raise ValueError(f'VIDEOS {args.videos}: give folders with '
                         'different names, they label the columns.')
    kinds = ['decode'] + ([] if args.no_pipeline else ['pipeline'])
    times = {}  # (set, decoder, video, kind) -> [(cpu, wall)]
    total = args.repeats * sum(len(v) for _, _, v in sets) * \
        len(pipes) * len(kinds)
    for label, root, videos in sets:  # warm-up: imports, file clients
        path = root if osp.isfile(root) else osp.join(root, videos[0])
        for pipe in pipes.values():
            for kind in kinds:
                time_once(pipe[kind], path)
    done, start = 0, time.perf_counter()
    for rep in range(args.repeats):
        for label, root, videos in sets:
            for video in videos:
                path = root if osp.isfile(root) else osp.join(root, video)
                for name, pipe in pipes.items():
                    for kind in kinds:
                        times.setdefault((label, name, video, kind), []) \
                            .append(time_once(pipe[kind], path))
                        done += 1
            print(f'\r  repeat {rep + 1}/{args.repeats}: {done}/{total} '
                  f'clips, {time.perf_counter() - start:.0f} s',
                  end='', file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rows = []
    for (label, name, video, kind), samples in times.items():
        cpu = statistics.median(c for c, _ in samples)
        wall = statistics.median(w for _, w in samples)
        rows.append(dict(set=label, decoder=name, video=video, kind=kind,
                         cpu_ms=1e3 * cpu, wall_ms=1e3 * wall,
                         clips_per_s_core=1 / cpu if cpu else math.inf))
    need = args.batch / args.step_s  # clips/s one GPU consumes
    summary = []
    for label, _, videos in sets:
        for name in pipes:
            for kind in kinds:
                cpu = [r['cpu_ms'] for r in rows if r['set'] == label
                       and r['decoder'] == name and r['kind'] == kind]
                mean_s = sum(cpu) / len(cpu) / 1e3
                summary.append(dict(
                    set=label, decoder=name, kind=kind,
                    clips_per_s_core=1 / mean_s,
                    cores_per_gpu=need * mean_s))
    load = os.getloadavg() if hasattr(os, 'getloadavg') else None
    return dict(config=args.config, sampler=args.sampler,
                decoders=args.decoders, repeats=args.repeats,
                step_s=args.step_s, batch=args.batch, clips_per_s_gpu=need,
                cpu_count=os.cpu_count(), loadavg=load, rows=rows,
                summary=summary)


def print_tables(result: dict) -> None:
    rows, sets = result['rows'], []
    for r in rows:
        if r['set'] not in sets:
            sets.append(r['set'])
    decoders, kinds = result['decoders'], sorted(
        {r['kind'] for r in rows}, key=['decode', 'pipeline'].index)
    cell = {(r['set'], r['decoder'], r['video'], r['kind']): r for r in rows}
    videos = []
    for r in rows:
        if r['video'] not in videos:
            videos.append(r['video'])
    for kind in kinds:
        print(f'\n{kind}: clips/s per core (median CPU ms per clip; '
              f'wall ms)')
        cols = [(s, d) for s in sets for d in decoders]
        header = ['video'] + [f'{s}/{d}' for s, d in cols]
        if len(sets) > 1:
            header += [f'{sets[-1]} vs {sets[0]} ({d})' for d in decoders]
        print('| ' + ' | '.join(header) + ' |')
        print('|' + '---|' * len(header))
        for video in videos:
            line = [video]
            for s, d in cols:
                r = cell.get((s, d, video, kind))
                line.append('-' if r is None else
                            f'{r["clips_per_s_core"]:.1f} ({r["cpu_ms"]:.0f};'
                            f' {r["wall_ms"]:.0f})')
            if len(sets) > 1:
                for d in decoders:
                    a = cell.get((sets[0], d, video, kind))
                    b = cell.get((sets[-1], d, video, kind))
                    line.append('-' if a is None or b is None else
                                f'{a["cpu_ms"] / b["cpu_ms"]:.1f}x')
            print('| ' + ' | '.join(line) + ' |')
    print(f'\ncores per GPU for {result["batch"]} clips every '
          f'{result["step_s"]} s ({result["clips_per_s_gpu"]:.0f} clips/s), '
          'mean cost over the videos:')
    print('| set | decoder | ' + ' | '.join(
        f'{k} clips/s/core | {k} cores/GPU' for k in kinds) + ' |')
    print('|---|---|' + '---|---|' * len(kinds))
    summary = {(s['set'], s['decoder'], s['kind']): s
               for s in result['summary']}
    for s in sets:
        for d in decoders:
            parts = []
            for k in kinds:
                x = summary[(s, d, k)]
                parts += [f'{x["clips_per_s_core"]:.1f}',
                          f'{x["cores_per_gpu"]:.1f}']
            print(f'| {s} | {d} | ' + ' | '.join(parts) + ' |')
    if result['loadavg']:
        print(f'\n{result["cpu_count"]} CPUs, load average at the end '
              f'{result["loadavg"][0]:.1f}')


def main(argv=None) -> None:
    args = parse_args(argv)
    result = run(args)
    print_tables(result)
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
