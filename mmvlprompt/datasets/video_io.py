"""Write video files (for the synthetic data and the tests)."""
from pathlib import Path
from typing import Union

import numpy as np


def write_video(path: Union[str, Path], frames: np.ndarray, fps: int = 8):
    """Write ``(T, H, W, 3)`` uint8 RGB frames to an ``mp4v`` file.

    OpenCV's ``mp4v`` codec is used; decord decodes it.
    """
    import cv2
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path}.')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))  # RGB -> BGR
    writer.release()
