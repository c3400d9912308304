"""Check that annotated videos exist and decode."""
import os
import multiprocessing
from typing import Iterator, List, NamedTuple, Optional, Sequence

from .annotations import AnnotationLine

OK, MISSING, CORRUPT = 'ok', 'missing', 'corrupt'


class VideoStatus(NamedTuple):
    """Outcome of checking one annotated video.

    Attributes:
        entry: The annotation line.
        state: ``'ok'``, ``'missing'`` or ``'corrupt'``.
        reason: Why it is corrupt (empty otherwise).
        num_frames: Frames decord reports (0 unless the file opened).
    """
    entry: AnnotationLine
    state: str
    reason: str = ''
    num_frames: int = 0


def check_video(path: str) -> tuple:
    """Open ``path`` with decord and decode its first and last frame.

    Returns:
        tuple: ``(state, reason, num_frames)``.
    """
    if not os.path.isfile(path):
        return MISSING, '', 0
    try:
        import decord
        reader = decord.VideoReader(path, num_threads=1)
        num_frames = len(reader)
        if num_frames < 1:
            return CORRUPT, 'no frames', 0
        reader.get_batch([0, num_frames - 1]).asnumpy()
    except Exception as error:  # decord raises its own DECORDError types
        reason = str(error).strip().splitlines()
        return CORRUPT, f'{type(error).__name__}: ' + (
            reason[0] if reason else 'cannot decode'), 0
    return OK, '', num_frames


def _check(job):
    entry, path = job
    return VideoStatus(entry, *check_video(path))


def iter_video_status(entries: Sequence[AnnotationLine],
                      root: Optional[str] = None,
                      workers: int = 1) -> Iterator[VideoStatus]:
    """Check every video, yielding results in annotation order.

    Args:
        entries: Annotation lines.
        root: Folder the paths are relative to (MMAction2's
            ``data_prefix``); None uses the paths as they are.
        workers: Parallel processes (decoding is CPU-bound).
    """
    if workers < 1:
        raise ValueError(f'workers={workers}: expected >= 1.')
    jobs = [(e, os.path.join(root, e.path) if root else e.path)
            for e in entries]
    if workers == 1:
        yield from map(_check, jobs)
        return
    # fork starts workers at once; spawn (e.g. macOS, Windows) re-imports
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context(
        'fork' if 'fork' in methods else 'spawn')
    with context.Pool(workers) as pool:
        yield from pool.imap(_check, jobs, chunksize=8)


def summarize(results: List[VideoStatus]) -> dict:
    """Counts by state and the bad results, for reports."""
    return dict(total=len(results),
                ok=sum(r.state == OK for r in results),
                missing=[r for r in results if r.state == MISSING],
                corrupt=[r for r in results if r.state == CORRUPT])
