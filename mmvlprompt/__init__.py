"""mmvlprompt: multimodal prompt learning on CLIP for MMAction2.

Importing the package applies the compatibility shims (:mod:`.compat`) and
registers every module into ``mmaction.registry`` under the ``mmaction``
scope, so configs can use it with
``custom_imports=dict(imports=['mmvlprompt'], allow_failed_imports=False)``.
"""
from . import compat  # noqa: F401  (must come first)
from . import datasets, engine, models  # noqa: F401,E402
from . import evaluation  # noqa: F401,E402
from .version import __version__  # noqa: E402

__all__ = ['__version__']
