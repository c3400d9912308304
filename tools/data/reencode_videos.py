"""Write a training copy of a video dataset that is cheap to decode.

Example::

    python tools/data/reencode_videos.py data/kinetics400/videos_train \\
        data/kinetics400/videos_train_256 --workers 16

Every video under ``SRC_DIR`` (``.mp4 .avi .mkv .mov .m4v``) is re-encoded
to the same relative path and file name under ``DST_DIR``, so annotation
files keep working with only ``data_prefix`` changed (``.webm`` files are
left out: WebM cannot hold H.264; Something-Something v2's are 240 px high
and short already):

* short side ``--short-side`` (default 256, MMAction2's convention; smaller
  videos keep their size, ``0`` keeps every size), even width and height;
* H.264 (libx264, ``--crf``, ``--preset``) with a key frame every
  ``--keyint`` frames (default 16), so that seeking to a sampled frame
  decodes at most ``keyint - 1`` frames before it; raw downloads often have
  one every 250 frames, and an 8-frame clip spread over the video then
  decodes nearly all of it;
* ``tune=fastdecode`` and no B-frames: about 1.5-2x cheaper to decode at
  the same size, for files about 10-20 % larger;
* the same frames and frame rate; audio and other streams are dropped.

A re-encoded copy is kept only when it decodes faster: the tool times
decoding 8 evenly spread frames of the original and of the copy (decord, one
thread, best of 3) and, when the copy is not faster (a small MPEG-4 ``.avi``
can decode 0.6-0.7x as fast after re-encoding), writes the original bytes
instead and says so in the summary (``--no-measure`` keeps every copy).

The originals are only read. Each copy is written to a hidden ``.part-``
file and renamed when complete, so an interrupted run leaves no half
videos; running the same command again skips the copies that exist
(resumable; ``--overwrite`` redoes them). A video that cannot be decoded
is reported with the reason and gets no copy; the exit status is then 1.
"""
import argparse
import multiprocessing
import os
import shutil
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import List, Tuple

from mmengine.utils import ProgressBar

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.m4v')
PART_PREFIX = '.part-'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src_dir', help='dataset folder (read only)')
    parser.add_argument('dst_dir', help='folder of the copy (created)')
    parser.add_argument('--short-side', type=int, default=256,
                        help='short side of the copy in pixels; larger '
                        'videos are scaled down, smaller ones keep their '
                        'size; 0 keeps all sizes (default 256)')
    parser.add_argument('--keyint', type=int, default=16,
                        help='frames between key frames (default 16)')
    parser.add_argument('--crf', type=int, default=23,
                        help='x264 quality, lower is better (default 23)')
    parser.add_argument('--preset', default='veryfast',
                        help='x264 speed preset (default veryfast)')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1,
                        help='parallel processes (default: all cores)')
    parser.add_argument('--overwrite', action='store_true',
                        help='re-encode copies that already exist')
    parser.add_argument('--no-measure', dest='measure', action='store_false',
                        help='keep every re-encoded copy, without timing it '
                        'against its original')
    args = parser.parse_args(argv)
    for key, low in (('short_side', 0), ('keyint', 1), ('workers', 1)):
        if getattr(args, key) < low:
            parser.error(f'--{key.replace("_", "-")} {getattr(args, key)}: '
                         f'expected >= {low}.')
    src, dst = Path(args.src_dir).resolve(), Path(args.dst_dir).resolve()
    if not src.is_dir():
        parser.error(f'SRC_DIR {args.src_dir!r} is not a folder.')
    if src == dst or src in dst.parents or dst in src.parents:
        parser.error(f'DST_DIR {args.dst_dir!r} overlaps SRC_DIR '
                     f'{args.src_dir!r}; the copy must go to a separate '
                     'folder so that the originals are never touched.')
    return args


def output_size(width: int, height: int, short_side: int) -> Tuple[int, int]:
    """``(width, height)`` with the short side at most ``short_side``
    (0: unchanged), both even as yuv420p needs."""
    scale = 1.0
    if short_side and min(width, height) > short_side:
        scale = short_side / min(width, height)

    def even(x: float) -> int:
        return max(2, int(x / 2 + 0.5) * 2)  # nearest even, halves up
    return even(width * scale), even(height * scale)


def list_videos(src: Path) -> List[Path]:
    """Relative paths of the videos under ``src``, sorted."""
    return sorted(p.relative_to(src) for p in src.rglob('*')
                  if p.is_file() and p.suffix.lower() in VIDEO_EXTS
                  and not p.name.startswith(PART_PREFIX))


def reencode(src: str, dst: str, short_side: int = 256, keyint: int = 16,
             crf: int = 23, preset: str = 'veryfast') -> int:
    """Re-encode the first video stream of ``src`` into ``dst``.

    Returns:
        int: Frames written.
    """
    import av
    from av.video.frame import PictureType
    with av.open(src) as inp:
        ist = inp.streams.video[0]
        rate = ist.average_rate or ist.guessed_rate or Fraction(25)
        rate = Fraction(rate).limit_denominator(1001000)
        width, height = output_size(ist.codec_context.width,
                                    ist.codec_context.height, short_side)
        with av.open(dst, 'w') as out:
            ost = out.add_stream('libx264', rate=rate)
            ost.width, ost.height, ost.pix_fmt = width, height, 'yuv420p'
            ost.codec_context.gop_size = keyint
            # fixed key-frame interval: no scene-cut key frames in between
            ost.options = {'crf': str(crf), 'preset': preset,
                           'tune': 'fastdecode',
                           'x264-params': f'keyint={keyint}:'
                           f'min-keyint={keyint}:scenecut=0:bframes=0'}
            count = 0
            for frame in inp.decode(ist):
                frame = frame.reformat(width=width, height=height,
                                       format='yuv420p')
                frame.pts, frame.time_base = count, 1 / rate
                # the source's key frames would force key frames here too
                frame.pict_type = PictureType.NONE
                out.mux(ost.encode(frame))
                count += 1
            out.mux(ost.encode(None))  # flush
    if count == 0:
        raise RuntimeError('no frames decoded')
    return count


def decode_seconds(path: str, frames: int = 8, repeats: int = 3) -> float:
    """Best-of-``repeats`` seconds to open ``path`` and decode ``frames``
    evenly spread frames with decord on one thread, as training samples."""
    import decord
    best = float('inf')
    for _ in range(repeats):
        start = time.perf_counter()
        reader = decord.VideoReader(path, num_threads=1)
        total = len(reader)
        indices = [min(total - 1, int((i + 0.5) * total / frames))
                   for i in range(frames)]
        reader.get_batch(indices)
        best = min(best, time.perf_counter() - start)
        del reader
    return best


def copy_is_faster(original: str, copy: str) -> Tuple[bool, float]:
    """Whether ``copy`` decodes faster than ``original``, and the speed-up
    (original seconds / copy seconds)."""
    speedup = decode_seconds(original) / max(decode_seconds(copy), 1e-9)
    return speedup > 1.0, speedup


def _job(job) -> Tuple[str, str, str]:
    """Re-encode one video; returns ``(rel, state, detail)``."""
    rel, src_dir, dst_dir, opts = job
    src, dst = Path(src_dir) / rel, Path(dst_dir) / rel
    if dst.exists() and not opts['overwrite']:
        return rel, 'skipped', 'exists'
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(PART_PREFIX + dst.name)
    try:
        count = reencode(str(src), str(part), opts['short_side'],
                         opts['keyint'], opts['crf'], opts['preset'])
    except Exception as err:  # PyAV/FFmpeg errors vary
        part.unlink(missing_ok=True)
        return rel, 'failed', f'{type(err).__name__}: {err}'
    state, detail = 'written', f'{count} frames'
    if opts.get('measure', True):
        try:
            faster, speedup = copy_is_faster(str(src), str(part))
        except Exception as err:  # the copy is written; timing is advice
            faster, speedup = True, None
            detail += f' (not timed: {type(err).__name__}: {err})'
        if speedup is not None:
            detail += f', decodes {speedup:.2f}x as fast'
        if not faster:  # never make a file slower: keep the original
            shutil.copyfile(src, part)
            state = 'kept'
    os.replace(part, dst)  # atomic: a copy is complete or absent
    return rel, state, detail


def main(argv=None) -> int:
    args = parse_args(argv)
    src, dst = Path(args.src_dir), Path(args.dst_dir)
    videos = list_videos(src)
    if not videos:
        print(f'{src}: no videos ({" ".join(VIDEO_EXTS)}) found.',
              file=sys.stderr)
        return 1
    opts = dict(short_side=args.short_side, keyint=args.keyint,
                crf=args.crf, preset=args.preset, overwrite=args.overwrite,
                measure=args.measure)
    jobs = [(str(rel), str(src), str(dst), opts) for rel in videos]
    workers = min(args.workers, len(jobs))
    print(f're-encoding {len(jobs)} videos from {src} to {dst} '
          f'(short side {args.short_side or "kept"}, key frame every '
          f'{args.keyint} frames) with {workers} worker(s)')
    results = []
    bar = ProgressBar(len(jobs))
    if workers == 1:
        outcomes = map(_job, jobs)
    else:
        methods = multiprocessing.get_all_start_methods()
        pool = multiprocessing.get_context(
            'fork' if 'fork' in methods else 'spawn').Pool(workers)
        outcomes = pool.imap_unordered(_job, jobs)
    for outcome in outcomes:
        results.append(outcome)
        bar.update()
    if workers > 1:
        pool.close()
        pool.join()
    states = {s: [r for r in results if r[1] == s]
              for s in ('written', 'kept', 'skipped', 'failed')}
    print(f'\n{len(states["written"])} written, {len(states["kept"])} kept '
          'as the original bytes (the copy was not faster to decode), '
          f'{len(states["skipped"])} already there (skipped), '
          f'{len(states["failed"])} failed')
    for rel, _, detail in sorted(states['kept']):
        print(f'  kept original: {src / rel}: re-encoded copy {detail}')
    for rel, _, detail in sorted(states['failed']):
        print(f'  failed: {src / rel}: {detail}', file=sys.stderr)
    return 1 if states['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
