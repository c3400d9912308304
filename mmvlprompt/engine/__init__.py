"""Training and testing entry-point helpers."""
from .amp import apply_amp, frozen_dtype_for_amp
from .compile import (apply_compile, compile_function, compile_options,
                      compile_test_step)
from .cfg_options import CfgOptionsAction, add_cfg_options, parse_cfg_value
from .hooks import (EpochSeedHook, LabelRangeHook, NonFiniteCheckHook,
                    NonFiniteLossError, SkippedVideoHook)
from .resume import find_resumable_checkpoint, resume_candidates
from .runner_setup import (add_common_args, build_runner, check_file,
                           load_config, load_model_config, parse_with_common)
from .teardown import (RunSession, destroy_process_group,
                       shutdown_dataloader_workers)

__all__ = ['apply_amp', 'frozen_dtype_for_amp', 'apply_compile',
           'compile_function', 'compile_options', 'compile_test_step', 'CfgOptionsAction', 'add_cfg_options', 'parse_cfg_value',
           'add_common_args', 'build_runner', 'check_file', 'load_config', 'load_model_config',
           'parse_with_common', 'EpochSeedHook', 'LabelRangeHook',
           'SkippedVideoHook', 'RunSession', 'destroy_process_group',
           'shutdown_dataloader_workers', 'NonFiniteCheckHook',
           'NonFiniteLossError', 'find_resumable_checkpoint',
           'resume_candidates']
