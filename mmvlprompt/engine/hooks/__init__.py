"""Training hooks registered in ``mmaction.registry.HOOKS``."""
from .nonfinite_check_hook import NonFiniteCheckHook, NonFiniteLossError

__all__ = ['NonFiniteCheckHook', 'NonFiniteLossError']
