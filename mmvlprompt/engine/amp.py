"""What ``--amp`` changes in a config, in one place for every tool.

``tools/train.py --amp`` and ``tools/analysis/benchmark.py --amp`` both call
:func:`apply_amp`, so that the benchmark times exactly what training runs:

* ``optim_wrapper`` gets the mixed-precision wrapper of this machine
  (:func:`mmvlprompt.compat.amp_settings`);
* a model with a frozen CLIP that accepts ``frozen_dtype`` holds its frozen
  weights in the autocast dtype (cast once, not at every step; see
  :mod:`mmvlprompt.models.utils.frozen_dtype`). A config that sets
  ``model.frozen_dtype`` itself keeps its value.
"""
import inspect
from typing import List

from mmaction.registry import MODELS
from mmengine.config import Config

from ..compat import amp_settings


def accepts_frozen_dtype(model_cfg) -> bool:
    """Whether the registered model type of ``model_cfg`` takes a
    ``frozen_dtype`` argument."""
    model_type = model_cfg.get('type')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else \
        model_type
    if cls is None:
        return False
    return 'frozen_dtype' in inspect.signature(cls.__init__).parameters


def frozen_dtype_for_amp(model_cfg, dtype: str):
    """The ``frozen_dtype`` that ``--amp`` in ``dtype`` gives ``model_cfg``:
    ``dtype`` for a frozen-backbone model that accepts the key, else None
    (trained CLIP weights need their fp32 master copy)."""
    if not accepts_frozen_dtype(model_cfg) or \
            not model_cfg.get('freeze_backbone', True) or \
            model_cfg.get('prompt_only_checkpoint', None) is False:
        return None
    return dtype


def apply_amp(cfg: Config) -> List[str]:
    """Fold ``--amp`` into ``cfg`` in place.

    Returns:
        list[str]: one line per change, for the tool to print.
    """
    messages = []
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    settings = amp_settings()
    if wrapper in ('AmpOptimWrapper', 'CPUAutocastOptimWrapper'):
        messages.append(f'--amp: optim_wrapper is already {wrapper}.')
        dtype = cfg.optim_wrapper.get('dtype') or settings['dtype']
    else:
        cfg.optim_wrapper.update(settings)
        dtype = settings['dtype']
        messages.append(f"--amp: {settings['type']} in {dtype}.")
    if 'frozen_dtype' not in cfg.model:
        held = frozen_dtype_for_amp(cfg.model, dtype)
        if held is not None:
            cfg.model.frozen_dtype = held
            messages.append(f'--amp: frozen CLIP weights held in {held} '
                            '(model.frozen_dtype).')
    return messages
