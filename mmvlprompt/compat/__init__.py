"""Version and platform workarounds, all in one place.

Each piece is small and acts only when needed:

* :mod:`.mmaction_drn` - the mmaction2 wheel lacks ``localizers/drn``.
* :mod:`.safe_checkpoint` - MMEngine checkpoints under torch's
  ``weights_only=True`` loading.
* :mod:`.cpu_dist` - distributed training with gloo when CUDA is absent.
* :mod:`.cpu_amp` - ``--amp`` on CPU with bf16 autocast.
* mmcv-lite's warning about missing compiled ops and setuptools' warning
  about pkg_resources (used by mmengine) are silenced.
"""
import warnings

from .mmaction_drn import patch_missing_drn
from .safe_checkpoint import allow_mmengine_checkpoints

# mmcv-lite has no compiled ops; mmcv warns about it on every import although
# nothing here uses them.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
# mmengine 0.10.7 resolves `mmaction::` config paths with pkg_resources,
# which warns about its own deprecation each time (see requirements.txt).
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
# Both must run before anything imports ``mmaction.models``.
patch_missing_drn()
allow_mmengine_checkpoints()

from .cpu_amp import (CPUAutocastOptimWrapper, amp_optim_wrapper_type,  # noqa: E402
                      amp_settings)
from .cpu_dist import setup_cpu_distributed  # noqa: E402

__all__ = [
    'patch_missing_drn', 'allow_mmengine_checkpoints',
    'CPUAutocastOptimWrapper', 'amp_optim_wrapper_type', 'amp_settings',
    'setup_cpu_distributed'
]
