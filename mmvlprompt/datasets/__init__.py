"""Dataset helpers and transforms."""
from .synthetic import make_synthetic_dataset
from .transforms import CheckedDecordInit

__all__ = ['make_synthetic_dataset', 'CheckedDecordInit']
