"""Frozen CLIP weights held in the compute dtype (``model.frozen_dtype``).

Under autocast, every use of an fp32 weight by a matrix product is preceded
by a cast to bf16/fp16, and autocast caches that cast only for weights that
require gradients. The frozen CLIP (~150 M parameters for ViT-B/16) is
therefore cast again in every forward, and in backward: on a GPU these
``copy_`` kernels were about a fifth of a training step. Holding the frozen
weights in the compute dtype, cast once when the model is built, removes
them. Prompts, mappings and their optimizer state stay fp32.

Left in fp32, because autocast computes them in fp32 anyway (casting them
down would add casts back up):

* the parameters of normalisation layers (``LayerNorm`` and the like);
* scalar parameters (CLIP's ``logit_scale``, whose exponential is the
  logits' temperature).

A model holding low-precision weights computes under autocast in that dtype
(:func:`compute_autocast`), also where no caller opened one (validation and
testing loops), so it stays usable everywhere.
"""
from contextlib import nullcontext
from typing import ContextManager, Optional

import torch
from torch import nn

FROZEN_DTYPES = {None: None, 'float32': None, 'bfloat16': torch.bfloat16,
                 'float16': torch.float16}
_NORMS = (nn.LayerNorm, nn.GroupNorm, nn.modules.batchnorm._BatchNorm)


def parse_frozen_dtype(value, key: str = 'model.frozen_dtype'
                       ) -> Optional[torch.dtype]:
    """The low-precision dtype named by ``value``, or None for fp32.

    Raises:
        ValueError: naming ``key`` for anything but None, ``'float32'``,
            ``'bfloat16'`` or ``'float16'``.
    """
    if not isinstance(value, (str, type(None))) or value not in FROZEN_DTYPES:
        raise ValueError(f'{key}={value!r}: expected one of '
                         f'{sorted(k for k in FROZEN_DTYPES if k)} or None.')
    return FROZEN_DTYPES[value]


def hold_frozen_weights(module: nn.Module, dtype: torch.dtype) -> int:
    """Cast ``module``'s frozen floating parameters to ``dtype``, once.

    Parameters that require gradients, those of normalisation layers and
    scalars are left as they are (see the module docstring).

    Returns:
        int: the number of parameters cast.
    """
    keep = {id(p) for m in module.modules() if isinstance(m, _NORMS)
            for p in m.parameters(recurse=False)}
    cast = 0
    for param in module.parameters():
        if param.requires_grad or not param.is_floating_point() or \
                param.numel() == 1 or id(param) in keep or \
                param.dtype == dtype:
            continue
        param.data = param.data.to(dtype)
        cast += 1
    return cast


def compute_autocast(dtype: Optional[torch.dtype],
                     device: torch.device) -> ContextManager:
    """Autocast in ``dtype`` on ``device``, unless one is already active
    (then the caller's is kept) or ``dtype`` is None (fp32 weights)."""
    if dtype is None or torch.is_autocast_enabled(device.type):
        return nullcontext()
    return torch.autocast(device.type, dtype=dtype)
