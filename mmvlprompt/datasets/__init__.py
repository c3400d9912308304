"""Dataset helpers."""
from .synthetic import make_synthetic_dataset

__all__ = ['make_synthetic_dataset']
