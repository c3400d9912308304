"""Stand-in for ``mmaction.models.localizers.drn`` when the wheel lacks it.

The mmaction2 1.2.0 wheel and sdist ship ``mmaction/models/localizers/__init__.py``
which imports ``.drn.drn``, but the ``drn`` folder itself is missing from the
archive. ``import mmaction.models`` (and every registry build that triggers it)
then fails with ``ModuleNotFoundError``. A source install has the folder and
needs nothing.

:func:`patch_missing_drn` registers two tiny modules in ``sys.modules`` only when
the folder is absent. The stand-in ``DRN`` class raises a clear error if anyone
tries to build it; nothing is added to any registry.
"""
import importlib.util
import sys
import types
from pathlib import Path
from typing import Optional

_PKG = 'mmaction.models.localizers.drn'


class _MissingDRN:
    """Placeholder for the DRN localizer, absent from the mmaction2 wheel."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is not available: the installed mmaction2 wheel lacks '
            '`mmaction/models/localizers/drn/`. Install mmaction2 from source '
            'to use it.')


def find_mmaction_root() -> Optional[Path]:
    """Return the folder of the installed ``mmaction`` package, or None."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def patch_missing_drn(mmaction_root: Optional[Path] = None) -> bool:
    """Install the stand-in modules if ``localizers/drn`` is missing.

    Args:
        mmaction_root: Folder of the ``mmaction`` package. Defaults to the
            installed one.

    Returns:
        bool: True if the stand-in was installed, False if nothing was done
        (the folder exists, mmaction is absent, or the modules are loaded).
    """
    root = mmaction_root if mmaction_root is not None else find_mmaction_root()
    if root is None or (Path(root) / 'models' / 'localizers' / 'drn').is_dir():
        return False
    if _PKG in sys.modules:
        return False
    package = types.ModuleType(_PKG)
    package.__path__ = []  # mark as a package
    package.__doc__ = 'mmvlprompt stand-in: the mmaction2 wheel lacks drn/.'
    module = types.ModuleType(_PKG + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_PKG] = package
    sys.modules[_PKG + '.drn'] = module
    return True
