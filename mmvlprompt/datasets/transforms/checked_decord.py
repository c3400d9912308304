"""Video opening that names the file at fault, or skips it in training."""
from typing import Dict, Optional

from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS
from mmengine.logging import print_log

ON_ERROR = ('raise', 'skip')


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """:class:`DecordInit` with clear errors for missing or corrupt videos.

    decord reads from an in-memory buffer and reports a corrupt file as
    ``ERROR opening: , Invalid data`` without its name. This transform
    re-raises every open failure (missing file, unreadable container, zero
    frames) as a ``RuntimeError`` naming the file, or, with
    ``on_error='skip'``, logs the file and returns ``None`` so that
    MMEngine's dataset fetches another sample (training only; test-time
    datasets still fail, since a skipped test video would bias the metric).

    Args:
        on_error (str): ``'raise'`` (default) or ``'skip'``.
        **kwargs: Passed to :class:`DecordInit` (``io_backend``,
            ``num_threads``, ...).
    """

    def __init__(self, on_error: str = 'raise', **kwargs) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f'CheckedDecordInit.on_error={on_error!r}: '
                             f'expected one of {ON_ERROR}.')
        super().__init__(**kwargs)
        self.on_error = on_error

    def transform(self, results: Dict) -> Optional[Dict]:
        filename = results['filename']
        try:
            results = super().transform(results)
            if results['total_frames'] < 1:
                raise RuntimeError('the video has no frames')
            return results
        except Exception as err:  # decord and file-client errors vary
            message = f'cannot read video {filename!r}: ' \
                f'{type(err).__name__}: {err}'
            if self.on_error == 'skip':
                print_log(message + ' (skipped)', logger='current',
                          level=30)
                return None
            raise RuntimeError(message) from err

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(on_error={self.on_error!r}, '
                f'io_backend={self.io_backend!r}, '
                f'num_threads={self.num_threads})')
