"""Work that mmengine repeats in every run, done once per process.

Each run of a long-lived process (``tools/run_grid.py --persistent-workers``
runs hundreds of small trains and tests in one) pays, on the development
CPU:

* about 0.8 s for each of the four times ``Config.pretty_text`` runs yapf
  over the same config (the config dump, the environment log, the
  visualizer and the runtime-info hook);
* about 0.7 s for ``collect_env``, which starts compilers to ask their
  versions, for the environment log.

yapf's ``FormatCode`` is a pure function of the text and the style, and the
environment of a process does not change while it runs, so
:func:`memoize_repeated_setup` puts a small cache in front of the names
``mmengine.config.config`` and ``mmengine.runner.runner`` call. What comes
out is unchanged (``tests/test_compat.py``).
"""
import copy
from collections import OrderedDict

_CACHE_SIZE = 16


def _memoized_format_code(original):
    cache: 'OrderedDict[tuple, tuple]' = OrderedDict()

    def format_code(text, style_config=None, **kwargs):
        key = (text, repr(style_config), repr(sorted(kwargs.items())))
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        result = original(text, style_config=style_config, **kwargs)
        cache[key] = result
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return result

    return format_code


def _memoized_collect_env(original):
    found = []

    def collect_env():
        if not found:
            found.append(original())
        return copy.deepcopy(found[0])  # callers may edit their copy

    return collect_env


def memoize_repeated_setup() -> None:
    """Cache mmengine's config formatting and environment collection
    (idempotent)."""
    from mmengine.config import config as config_module
    from mmengine.runner import runner as runner_module
    for module, name, wrap in (
            (config_module, 'FormatCode', _memoized_format_code),
            (runner_module, 'collect_env', _memoized_collect_env)):
        original = getattr(module, name)
        if getattr(original, '_mmvlprompt_memoized', False):
            continue
        wrapped = wrap(original)
        wrapped._mmvlprompt_memoized = True
        wrapped.__wrapped__ = original
        setattr(module, name, wrapped)
