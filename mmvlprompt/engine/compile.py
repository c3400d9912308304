"""``--compile``: ``torch.compile`` through MMEngine's ``compile`` key.

``cfg.compile`` is MMEngine's switch: ``True`` or a dict of
``torch.compile`` options (``dict(backend='inductor', mode=...)``).
MMEngine compiles the model's ``train_step`` when training starts; for
``tools/test.py`` and ``tools/analysis/benchmark.py`` the same key compiles
``test_step`` / the timed functions (:func:`compile_options`). It is an
option: the default step does not rely on it.
"""
from typing import Callable, Optional

import torch
from mmengine.config import Config


def apply_compile(cfg: Config, enabled: bool) -> Optional[str]:
    """Turn ``cfg.compile`` on for ``--compile`` (a dict already in the
    config, e.g. from ``--cfg-options compile.backend=...``, is kept).

    Returns:
        str: a line for the tool to print, or None when off.
    """
    if enabled and not cfg.get('compile'):
        cfg.compile = True
    options = compile_options(cfg)
    if options is None:
        return None
    return f'--compile: torch.compile({_describe(options)})'


def compile_options(cfg) -> Optional[dict]:
    """``torch.compile`` keyword arguments from ``cfg.compile``, or None
    when compiling is off.

    Raises:
        ValueError: naming ``compile`` when it is neither a bool nor a dict.
    """
    value = cfg.get('compile', None)
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f'compile={value!r}: expected True, False or a dict '
                         'of torch.compile options.')
    return dict(value)


def compile_function(fn: Callable, options: Optional[dict]) -> Callable:
    """``torch.compile(fn, **options)``, or ``fn`` when ``options`` is None."""
    return fn if options is None else torch.compile(fn, **options)


def compile_test_step(runner) -> None:
    """Compile ``runner.model.test_step`` (and ``val_step``) as MMEngine
    compiles ``train_step``, when ``cfg.compile`` asks for it."""
    options = compile_options(runner.cfg)
    if options is None:
        return
    for target in ('val_step', 'test_step'):
        setattr(runner.model, target,
                compile_function(getattr(runner.model, target), options))


def _describe(options: dict) -> str:
    return ', '.join(f'{k}={v!r}' for k, v in options.items())
