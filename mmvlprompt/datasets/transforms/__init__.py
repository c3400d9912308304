from .checked_decord import (CheckedDecordDecode, CheckedDecordInit,
                             read_frames, short_error)

__all__ = ['CheckedDecordInit', 'CheckedDecordDecode', 'read_frames',
           'short_error']
