"""Model roles, each registered into ``mmaction.registry.MODELS``."""
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from .similarity import *  # noqa: F401,F403
