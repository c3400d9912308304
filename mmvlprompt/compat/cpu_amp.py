"""Mixed precision on CPU: bf16 autocast optimizer wrapper.

MMEngine 0.10.7's ``AmpOptimWrapper`` asserts that a GPU (or NPU/MLU/MUSA) is
present, so ``tools/train.py --amp`` cannot use it on a CPU-only machine.
:class:`CPUAutocastOptimWrapper` runs the forward pass under
``torch.autocast('cpu', dtype=torch.bfloat16)``. bf16 has the exponent range
of fp32, so no gradient scaler is needed.

:func:`amp_settings` picks the mixed-precision mode of ``--amp`` (bf16 where
the device supports it, fp16 with dynamic loss scaling only where it does
not).
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmaction.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Optimizer wrapper that autocasts the forward pass to bf16 on CPU.

    Args:
        dtype (str): Autocast dtype, ``'bfloat16'`` (default) or
            ``'float16'``.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs):
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(
                f"optim_wrapper.dtype={dtype!r}: expected 'bfloat16' or "
                "'float16'.")
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


def amp_settings() -> dict:
    """The optim-wrapper settings ``--amp`` uses on this machine.

    The one place where the mixed-precision mode is chosen:

    * CUDA with bf16 (compute capability 8.0 or newer, e.g. A100, H100,
      H200): ``AmpOptimWrapper`` with ``dtype='bfloat16'``. bf16 has fp32's
      exponent range, so the loss scale is a constant 1 (the scaler still
      skips a step whose gradients are not finite).
    * CUDA without bf16 (V100, T4, ...): ``AmpOptimWrapper`` in fp16 with
      dynamic loss scaling.
    * no CUDA: :class:`CPUAutocastOptimWrapper` in bf16.

    Returns:
        dict: keys to merge into ``cfg.optim_wrapper``.
    """
    if not torch.cuda.is_available():
        return dict(type='CPUAutocastOptimWrapper', dtype='bfloat16')
    if torch.cuda.get_device_capability() >= (8, 0):
        return dict(type='AmpOptimWrapper', dtype='bfloat16',
                    loss_scale=1.0)
    return dict(type='AmpOptimWrapper', dtype='float16',
                loss_scale='dynamic')


def amp_optim_wrapper_type() -> str:
    """Optim wrapper type for ``--amp`` on this machine."""
    return amp_settings()['type']
