"""Helpers that are not tied to one model role."""
from .class_names import load_class_names

__all__ = ['load_class_names']
