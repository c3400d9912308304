"""Dataset helpers and transforms."""
from .annotations import (AnnotationLine, read_annotations, write_annotations,
                          write_class_list)
from .synthetic import make_synthetic_dataset
from .transforms import CheckedDecordInit

__all__ = ['make_synthetic_dataset', 'CheckedDecordInit', 'AnnotationLine',
           'read_annotations', 'write_annotations', 'write_class_list']
