"""Video opening and decoding that name the file at fault, or skip it.

Two transforms share one error policy (:class:`_VideoErrorPolicy`):

* :class:`CheckedDecordInit` opens the video (missing file, unreadable
  container, zero frames);
* :class:`CheckedDecordDecode` decodes the sampled frames (a file that opens
  but is damaged inside, e.g. a truncated or overwritten ``mdat``).

With ``on_error='raise'`` (default) a failure is a ``RuntimeError`` naming the
file. With ``on_error='skip'`` the transform returns ``None``, so that
MMEngine's training dataset fetches another sample, and leaves the reason in
``results['video_error']``. When the dataset counts skips itself
(:class:`~mmvlprompt.datasets.CheckedVideoDataset` sets
``results['skips_counted'] = True``), the transform stays silent and the
dataset reports the file, its annotation line and the reason with the
batch; otherwise it logs the file here.

:func:`read_frames` decodes only what is sampled: each distinct frame
once, in one sorted batched call (decord seeks back and decodes again for an
index lower than the previous one, and copies a repeated frame again).
"""
import re
from typing import Dict, Optional, Sequence

import numpy as np

from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS
from mmengine.logging import print_log

ON_ERROR = ('raise', 'skip')
# keys shared with CheckedVideoDataset
ERROR_KEY = 'video_error'
COUNTED_KEY = 'skips_counted'


class _VideoErrorPolicy:
    """``on_error`` handling shared by the checked decord transforms."""

    stage = 'read'

    def _init_policy(self, on_error: str) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f'{type(self).__name__}.on_error={on_error!r}: '
                             f'expected one of {ON_ERROR}.')
        self.on_error = on_error

    def _checked(self, step, results: Dict) -> Optional[Dict]:
        """Run ``step(results)``; apply the policy if it fails."""
        filename = results.get('filename', '<unknown file>')
        try:
            return step(results)
        except Exception as err:  # decord and file-client errors vary
            message = (f'cannot {self.stage} video {filename!r}: '
                       f'{type(err).__name__}: {short_error(err)}')
            if self.on_error == 'raise':
                raise RuntimeError(message) from err
            results[ERROR_KEY] = message
            if not results.get(COUNTED_KEY, False):
                print_log(message + ' (skipped)', logger='current',
                          level=30)
            return None


def read_frames(reader, frame_inds: Sequence[int]) -> np.ndarray:
    """Frames ``(N, H, W, 3)`` of a decord ``VideoReader`` at ``frame_inds``.

    The indices may come in any order and repeat (``SampleFrames`` wraps
    around a short video, several clips overlap); every distinct frame is
    decoded once, in one ``get_batch`` call with the indices sorted.
    """
    inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)  # (N,)
    unique, inverse = np.unique(inds, return_inverse=True)  # (U,), (N,)
    frames = reader.get_batch(unique).asnumpy()  # (U, H, W, 3)
    if len(unique) == len(inds) and (unique == inds).all():
        return frames
    return frames[inverse.reshape(-1)]  # (N, H, W, 3)


def short_error(err: Exception, limit: int = 300) -> str:
    """decord's messages carry C++ stack traces and ``[time] file:line:``
    prefixes; keep the last line without them."""
    lines = [ln.strip() for ln in str(err).strip().splitlines() if ln.strip()]
    text = _DECORD_PREFIX.sub('', lines[-1]) if lines else ''
    return text if len(text) <= limit else text[:limit] + '...'


_DECORD_PREFIX = re.compile(r'\[\d{2}:\d{2}:\d{2}\] \S+:\d+: ')


@TRANSFORMS.register_module()
class CheckedDecordInit(_VideoErrorPolicy, DecordInit):
    """:class:`DecordInit` with clear errors for missing or corrupt videos.

    decord reads from an in-memory buffer and reports a corrupt file as
    ``ERROR opening: , Invalid data`` without its name. This transform
    re-raises every open failure (missing file, unreadable container, zero
    frames) as a ``RuntimeError`` naming the file, or, with
    ``on_error='skip'``, returns ``None`` so that MMEngine's dataset fetches
    another sample (training only; test-time datasets still fail, since a
    skipped test video would bias the metric). See the module docstring for
    how skips are reported.

    Args:
        on_error (str): ``'raise'`` (default) or ``'skip'``.
        **kwargs: Passed to :class:`DecordInit` (``io_backend``,
            ``num_threads``, ...).
    """

    stage = 'open'

    def __init__(self, on_error: str = 'raise', **kwargs) -> None:
        self._init_policy(on_error)
        super().__init__(**kwargs)

    def _open(self, results: Dict) -> Dict:
        results = super().transform(results)
        if results['total_frames'] < 1:
            raise RuntimeError('the video has no frames')
        return results

    def transform(self, results: Dict) -> Optional[Dict]:
        return self._checked(self._open, results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(on_error={self.on_error!r}, '
                f'io_backend={self.io_backend!r}, '
                f'num_threads={self.num_threads})')


@TRANSFORMS.register_module()
class CheckedDecordDecode(_VideoErrorPolicy, DecordDecode):
    """:class:`DecordDecode` that names the file when decoding fails.

    A video whose container opens but whose frame data is damaged fails
    only here, with decord's ``Error sending packet`` and no file name. This
    transform raises a ``RuntimeError`` naming the file, or, with
    ``on_error='skip'``, skips the sample like :class:`CheckedDecordInit`.

    In ``'accurate'`` mode the frames are read with :func:`read_frames`:
    each distinct index decoded once, sorted, in one batched call; the
    returned frames keep the sampler's order and repeats.

    Args:
        on_error (str): ``'raise'`` (default) or ``'skip'``.
        mode (str): Passed to :class:`DecordDecode` (``'accurate'`` or
            ``'efficient'``).
    """

    stage = 'decode'

    def __init__(self, on_error: str = 'raise',
                 mode: str = 'accurate') -> None:
        self._init_policy(on_error)
        super().__init__(mode=mode)

    def _decord_load_frames(self, container, frame_inds: np.ndarray) -> list:
        if self.mode == 'accurate':
            return list(read_frames(container, frame_inds))
        return super()._decord_load_frames(container, frame_inds)

    def transform(self, results: Dict) -> Optional[Dict]:
        return self._checked(super().transform, results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(on_error={self.on_error!r}, '
                f'mode={self.mode!r})')
