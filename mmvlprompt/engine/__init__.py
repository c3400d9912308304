"""Training and testing entry-point helpers."""
from .hooks import EpochSeedHook, LabelRangeHook, SkippedVideoHook
from .runner_setup import (add_common_args, build_runner, check_file,
                           load_config, parse_with_common)

__all__ = ['add_common_args', 'build_runner', 'check_file', 'load_config',
           'parse_with_common', 'EpochSeedHook', 'LabelRangeHook',
           'SkippedVideoHook']
