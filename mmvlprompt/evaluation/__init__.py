"""Evaluation loops and protocol statistics, registered into mmaction."""
from .multi_set_loop import MultiSetTestLoop, MultiSetValLoop
from .protocol_stats import harmonic_mean, mean_std

__all__ = ['MultiSetValLoop', 'MultiSetTestLoop', 'harmonic_mean',
           'mean_std']
