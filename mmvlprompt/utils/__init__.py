"""Helpers that are not tied to one model role."""
from .class_names import generated_class_names, load_class_names

__all__ = ['generated_class_names', 'load_class_names']
