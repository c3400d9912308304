"""Inference helpers shared by the tools (``tools/infer.py``,
``tools/webdemo.py``): build a recognizer for any class names, sample and
decode clips of one video, score them, and score single frames."""
from .inference import (frame_probabilities, init_recognizer,
                        post_decode_pipeline, predict_video, prepare_clips,
                        read_clips, sample_clip_indices, score_clips)

__all__ = ['frame_probabilities', 'init_recognizer', 'post_decode_pipeline',
           'predict_video', 'prepare_clips', 'read_clips',
           'sample_clip_indices', 'score_clips']
