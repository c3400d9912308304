"""Decoded frames kept in memory across samples, epochs and runs.

A grid of small cells (``make benchmark``) decodes the same test videos once
per cell and the same training videos once per epoch. With
:class:`CachedDecordInit` and :class:`CachedDecordDecode` in place of the
checked decord transforms, a process decodes each frame of a file once
and serves later requests from memory; in a persistent grid worker
(``tools/run_grid.py --persistent-workers``) that holds across cells. The
frames served are the decoded ones, unchanged, so results do not change.

The cache is one per process (each dataloader worker process has its own),
keyed by file path, size and modification time, so a re-written file is
decoded again. It is bounded: least-recently used entries are dropped above
``max_mb`` (the largest asked for by any transform instance, or the
environment variable ``MMVLP_FRAME_CACHE_MB``, which wins when set; 0
turns caching off).
"""
import os
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import numpy as np

from mmaction.registry import TRANSFORMS

from .checked_decord import CheckedDecordDecode, CheckedDecordInit

ENV_MB = 'MMVLP_FRAME_CACHE_MB'


class FrameCache:
    """A byte-bounded LRU cache of decoded frames and video lengths.

    Args:
        max_mb (float): Budget in MiB for the frames (lengths are tiny and
            not counted).
    """

    def __init__(self, max_mb: float = 1024) -> None:
        self.max_bytes = int(max_mb * 2**20)
        self.frames: 'OrderedDict[tuple, np.ndarray]' = OrderedDict()
        self.lengths: Dict[tuple, Tuple[int, float]] = {}
        self.bytes = 0
        self.hits = self.misses = 0

    @staticmethod
    def file_key(filename: str) -> Optional[tuple]:
        """``(path, size, mtime_ns)``; None if the file cannot be stat'ed
        (then nothing is cached and the decoder reports the error)."""
        try:
            st = os.stat(filename)
        except OSError:
            return None
        return (filename, st.st_size, st.st_mtime_ns)

    def get(self, key: tuple) -> Optional[np.ndarray]:
        frames = self.frames.get(key)
        if frames is None:
            self.misses += 1
            return None
        self.frames.move_to_end(key)
        self.hits += 1
        return frames

    def put(self, key: tuple, frames: np.ndarray) -> None:
        if self.max_bytes <= 0 or frames.nbytes > self.max_bytes:
            return
        old = self.frames.pop(key, None)
        if old is not None:
            self.bytes -= old.nbytes
        self.frames[key] = frames
        self.bytes += frames.nbytes
        while self.bytes > self.max_bytes:
            _, dropped = self.frames.popitem(last=False)
            self.bytes -= dropped.nbytes

    def clear(self) -> None:
        self.frames.clear()
        self.lengths.clear()
        self.bytes = self.hits = self.misses = 0


_CACHE = FrameCache(0)


def get_frame_cache(max_mb: Optional[float] = None) -> FrameCache:
    """The process's cache, its budget raised to ``max_mb`` if larger
    (``MMVLP_FRAME_CACHE_MB`` overrides both)."""
    env = os.environ.get(ENV_MB)
    if env is not None:
        try:
            _CACHE.max_bytes = int(float(env) * 2**20)
        except ValueError:
            raise ValueError(f'{ENV_MB}={env!r}: expected a number of MiB '
                             '(0 turns the frame cache off).') from None
    elif max_mb is not None:
        _CACHE.max_bytes = max(_CACHE.max_bytes, int(max_mb * 2**20))
    return _CACHE


@TRANSFORMS.register_module()
class CachedDecordInit(CheckedDecordInit):
    """:class:`CheckedDecordInit` that opens a video only when its length is
    not known yet (see the module docstring).

    On a known file it sets ``total_frames`` and ``avg_fps`` from the cache
    and leaves ``video_reader`` as None; :class:`CachedDecordDecode` opens
    the file itself if the frames it needs are not cached.

    Args:
        max_mb (float): Frame cache budget in MiB (default 1024).
        on_error (str): As :class:`CheckedDecordInit`.
        **kwargs: Passed to :class:`CheckedDecordInit`.
    """

    def __init__(self, max_mb: float = 1024, on_error: str = 'raise',
                 **kwargs) -> None:
        super().__init__(on_error=on_error, **kwargs)
        self.max_mb = max_mb

    def transform(self, results: Dict) -> Optional[Dict]:
        cache = get_frame_cache(self.max_mb)
        key = FrameCache.file_key(results['filename'])
        known = cache.lengths.get(key) if key and cache.max_bytes > 0 \
            else None
        if known is not None:
            results['total_frames'], results['avg_fps'] = known
            results['video_reader'] = None
            results['frame_cache_key'] = key
            return results
        out = super().transform(results)
        if out is not None and key is not None and cache.max_bytes > 0:
            cache.lengths[key] = (out['total_frames'], out['avg_fps'])
            out['frame_cache_key'] = key
        return out


@TRANSFORMS.register_module()
class CachedDecordDecode(CheckedDecordDecode):
    """:class:`CheckedDecordDecode` that serves frames decoded before.

    Each frame is cached on its own, keyed by file and frame index, so
    training clips whose indices change between epochs hit too. Cached
    frames are served as copies (later in-place transforms cannot change
    them); the missing ones are decoded (opening the file if
    :class:`CachedDecordInit` did not) in one batched call and stored.

    Args:
        on_error (str), mode (str): As :class:`CheckedDecordDecode`.
        whole_video_frames (int): A video of at most this many frames is
            decoded whole at its first miss (default 64).
    """

    def __init__(self, on_error: str = 'raise', mode: str = 'accurate',
                 whole_video_frames: int = 64) -> None:
        super().__init__(on_error=on_error, mode=mode)
        self.whole_video_frames = whole_video_frames

    def _cached(self, results: Dict) -> Dict:
        cache = get_frame_cache()
        file_key = results.pop('frame_cache_key', None)
        if results['frame_inds'].ndim != 1:
            results['frame_inds'] = np.squeeze(results['frame_inds'])
        inds = np.asarray(results['frame_inds'], dtype=np.int64).reshape(-1)
        if file_key is None or cache.max_bytes <= 0:
            if results.get('video_reader') is None:
                results = _OPENER._open(results)
            # DecordDecode.transform with this class's frame reading; the
            # error policy already wraps this method
            return super(CheckedDecordDecode, self).transform(results)
        # one entry per decoded frame, so that training clips whose indices
        # change from epoch to epoch still hit
        found = {int(i): cache.get((file_key, self.mode, int(i)))
                 for i in np.unique(inds)}
        missing = [i for i, frame in found.items() if frame is None]
        total = int(results.get('total_frames', 0))
        if missing and 0 < total <= self.whole_video_frames:
            # a short video is decoded whole at the first miss, so that
            # later random clips of it never reopen the file
            missing = [i for i in range(total)
                       if (file_key, self.mode, i) not in cache.frames]
        if missing:
            if results.get('video_reader') is None:
                results = _OPENER._open(results)
            reader = results['video_reader']
            decoded = self._decord_load_frames(
                reader, np.asarray(missing, dtype=np.int64))
            for i, frame in zip(missing, decoded):
                cache.put((file_key, self.mode, i), frame)
                if i in found:
                    found[i] = frame
        results['video_reader'] = None
        imgs = [found[int(i)].copy() for i in inds]
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results

    def transform(self, results: Dict) -> Optional[Dict]:
        return self._checked(self._cached, results)


# a plain opener for cache misses after a cached length (same io backend
# defaults as the configs' CheckedDecordInit)
_OPENER = CheckedDecordInit()
