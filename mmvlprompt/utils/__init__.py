"""Helpers that are not tied to one model role."""
from .class_names import (generated_class_names, load_class_names,
                          normalize_class_name, read_class_name_file)

__all__ = ['generated_class_names', 'load_class_names',
           'normalize_class_name', 'read_class_name_file']
