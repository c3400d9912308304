"""Dataset helpers and transforms."""
from .annotations import (AnnotationLine, read_annotations, write_annotations,
                          write_class_list)
from .checked_video_dataset import CheckedVideoDataset
from .label_range import annotated_labels, check_label_range
from .video_io import write_video
from .transforms import CheckedDecordDecode, CheckedDecordInit
from .video_caption_dataset import VideoCaptionDataset

__all__ = ['write_video', 'CheckedDecordInit',
           'CheckedDecordDecode', 'CheckedVideoDataset', 'check_label_range',
           'annotated_labels', 'AnnotationLine', 'read_annotations',
           'write_annotations', 'write_class_list', 'VideoCaptionDataset']
