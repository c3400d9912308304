"""Training hooks registered into ``mmaction.registry.HOOKS``."""
from .epoch_seed_hook import EpochSeedHook
from .label_range_hook import LabelRangeHook
from .nonfinite_check_hook import NonFiniteCheckHook, NonFiniteLossError
from .skipped_video_hook import SkippedVideoHook

__all__ = ['EpochSeedHook', 'LabelRangeHook', 'SkippedVideoHook',
           'NonFiniteCheckHook', 'NonFiniteLossError']
