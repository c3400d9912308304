from .checked_decord import (CheckedDecordDecode, CheckedDecordInit,
                             read_frames, short_error)
from .frame_cache import (CachedDecordDecode, CachedDecordInit, FrameCache,
                          get_frame_cache)

__all__ = ['CheckedDecordInit', 'CheckedDecordDecode', 'read_frames',
           'short_error', 'CachedDecordInit', 'CachedDecordDecode',
           'FrameCache', 'get_frame_cache']
