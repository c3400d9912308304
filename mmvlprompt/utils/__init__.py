"""Helpers that are not tied to one model role."""
from .class_names import (load_class_names, normalize_class_name,
                          read_class_name_file)

__all__ = ['load_class_names', 'normalize_class_name', 'read_class_name_file']
