"""Version and platform workarounds, all in one place.

Each piece is small and acts only when needed:

* :mod:`.mmaction_drn` - the mmaction2 wheel lacks ``localizers/drn``.
* :mod:`.mmaction_multimodal` - transformers 5 breaks mmaction's optional
  VindLU models; they are then marked unavailable.
* :mod:`.safe_checkpoint` - MMEngine checkpoints under torch's
  ``weights_only=True`` loading, and our own messages for refused,
  unreadable and mismatched files.
* :mod:`.cpu_dist` - distributed training with gloo when CUDA is absent.
* :mod:`.cpu_amp` - ``--amp`` on CPU with bf16 autocast.
* :mod:`.atomic_save` - checkpoints and ``last_checkpoint`` written
  atomically (temporary file, then rename).
* :mod:`.repeated_setup` - mmengine formats a run's config with yapf four
  times and collects the environment in every run; both are done once per
  process.
* mmcv-lite's warning about missing compiled ops and setuptools' warning
  about pkg_resources (used by mmengine) are silenced.
"""
import warnings

from .mmaction_drn import patch_missing_drn
from .mmaction_multimodal import disable_incompatible_multimodal
from .safe_checkpoint import (CheckpointMismatchError,
                              UnreadableCheckpointError,
                              UnsafeCheckpointError,
                              allow_mmengine_checkpoints,
                              name_checkpoint_in_mismatch_errors,
                              refuse_unsafe_pickles, safe_torch_load,
                              use_safe_local_loader)

# mmcv-lite has no compiled ops; mmcv warns about it on every import although
# nothing here uses them.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
# mmengine 0.10.7 resolves `mmaction::` config paths with pkg_resources,
# which warns about its own deprecation each time (see requirements.txt).
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
# These must run before anything imports ``mmaction.models``.
patch_missing_drn()
disable_incompatible_multimodal()
allow_mmengine_checkpoints()
use_safe_local_loader()
name_checkpoint_in_mismatch_errors()

from .atomic_save import atomic_write, patch_atomic_writes  # noqa: E402
from .cpu_amp import (CPUAutocastOptimWrapper, amp_optim_wrapper_type,  # noqa: E402
                      amp_settings)
from .cpu_dist import setup_cpu_distributed  # noqa: E402
from .repeated_setup import memoize_repeated_setup  # noqa: E402

patch_atomic_writes()
memoize_repeated_setup()

__all__ = [
    'patch_missing_drn', 'disable_incompatible_multimodal',
    'allow_mmengine_checkpoints',
    'UnsafeCheckpointError', 'UnreadableCheckpointError',
    'CheckpointMismatchError', 'refuse_unsafe_pickles', 'safe_torch_load',
    'use_safe_local_loader', 'name_checkpoint_in_mismatch_errors',
    'CPUAutocastOptimWrapper', 'amp_optim_wrapper_type', 'amp_settings',
    'setup_cpu_distributed', 'atomic_write', 'patch_atomic_writes',
    'memoize_repeated_setup'
]
