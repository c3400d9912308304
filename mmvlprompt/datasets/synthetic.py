"""Generate a tiny labelled video dataset for demos and tests.

Each class is a coloured square that moves in its own direction over a
plain background, so a small model can learn it in a few epochs. Videos are
written with OpenCV's ``mp4v`` codec, which decord decodes.
"""
from pathlib import Path
from typing import Dict, Sequence, Union

import numpy as np

DEFAULT_CLASSES = ('moving right', 'moving down', 'moving left', 'moving up')
_DIRECTIONS = ((1, 0), (0, 1), (-1, 0), (0, -1))
_COLOURS = ((230, 60, 60), (60, 200, 60), (60, 90, 230), (220, 200, 40))


def write_video(path: Union[str, Path], frames: np.ndarray, fps: int = 8):
    """Write ``(T, H, W, 3)`` uint8 RGB frames to an ``mp4v`` file."""
    import cv2
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path}.')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))  # RGB -> BGR
    writer.release()


def synthetic_clip(label: int, num_frames: int, size: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Frames of one clip of class ``label``: ``(T, size, size, 3)`` uint8."""
    dx, dy = _DIRECTIONS[label % len(_DIRECTIONS)]
    colour = np.array(_COLOURS[label % len(_COLOURS)], dtype=np.uint8)
    side = max(size // 4, 2)
    travel = size - side
    frames = np.full((num_frames, size, size, 3), 30, dtype=np.uint8)
    frames += rng.integers(0, 20, size=frames.shape, dtype=np.uint8)
    offset = rng.integers(0, travel + 1, size=2)
    for t in range(num_frames):
        step = int(round(t * travel / max(num_frames - 1, 1)))
        x = step if dx > 0 else travel - step if dx < 0 else offset[0]
        y = step if dy > 0 else travel - step if dy < 0 else offset[1]
        frames[t, y:y + side, x:x + side] = colour
    return frames


def make_synthetic_dataset(root: Union[str, Path],
                           class_names: Sequence[str] = DEFAULT_CLASSES,
                           videos_per_class: Dict[str, int] = None,
                           num_frames: int = 16,
                           size: int = 32,
                           seed: int = 0) -> Dict[str, Path]:
    """Write videos, ``<split>_list.txt`` annotation files and a label map.

    Args:
        root: Output folder.
        class_names: One name per class, in label order.
        videos_per_class: Videos per class for each split. Defaults to
            ``{'train': 4, 'val': 2}``.
        num_frames: Frames per video.
        size: Frame height and width in pixels.
        seed: Seed for the background noise and start positions.

    Returns:
        dict: Paths of ``root``, ``label_map`` and one annotation file per
        split (keys ``train``, ``val``, ...).
    """
    root = Path(root)
    (root / 'videos').mkdir(parents=True, exist_ok=True)
    videos_per_class = videos_per_class or {'train': 4, 'val': 2}
    rng = np.random.default_rng(seed)
    paths = {'root': root, 'label_map': root / 'label_map.txt'}
    paths['label_map'].write_text('\n'.join(class_names) + '\n')
    for split, count in videos_per_class.items():
        lines = []
        for label in range(len(class_names)):
            for i in range(count):
                name = f'{split}_{label:03d}_{i:03d}.mp4'
                write_video(root / 'videos' / name,
                            synthetic_clip(label, num_frames, size, rng))
                lines.append(f'{name} {label}')
        paths[split] = root / f'{split}_list.txt'
        paths[split].write_text('\n'.join(lines) + '\n')
    return paths
