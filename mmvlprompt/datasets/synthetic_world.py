"""A synthetic visual world with natural-language class names.

Every class is a phrase ``"a <colour> <shape> <action>"``, e.g.
``"a red square spinning"``. The world renders the same objects two ways:

* **videos** (:func:`render_video`): short clips on a cluttered background
  with sensor noise, blur and a moving camera. Every action changes the
  object over time (position, angle or visibility) and no single frame
  shows which action it is, so classes need more than one frame;
* **images** (:func:`render_image`): clean single pictures, as on the web,
  where the action is drawn with a still-image convention: faded copies
  along the motion ("stroboscopic" trails), several overlaid angles for
  spinning, and flash rays for blinking. Their captions
  (:func:`caption`) pretrain the tiny CLIP (``tools/pretrain_tiny_clip.py``).

The videos and the images differ the way action videos differ from web
images, so zero-shot transfer from the image-pretrained CLIP is above
chance but far from perfect.

The base/novel split (:func:`base_novel_split`) puts a class in the novel
half when ``(colour + shape + action) % 2 == 1`` (indices in the word
lists): every word occurs in both halves, so novel classes are unseen
combinations of seen words. Everything is deterministic given a seed.
"""
import itertools
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

COLOURS: Dict[str, Tuple[int, int, int]] = {  # RGB
    'red': (220, 40, 40),
    'green': (40, 180, 60),
    'blue': (50, 90, 235),
    'yellow': (235, 205, 40),
}
SHAPES = ('square', 'triangle', 'cross')
ACTIONS = ('sliding', 'bouncing', 'spinning', 'blinking')
CAPTION_TEMPLATES = ('{}', 'a photo of {}.', 'a picture of {}.',
                     'an image of {}.', 'a video of {}.', 'a drawing of {}.')


def class_name(colour: str, shape: str, action: str) -> str:
    """The phrase of one class, e.g. ``'a red square spinning'``."""
    return f'a {colour} {shape} {action}'


def all_classes() -> List[Tuple[str, str, str]]:
    """Every ``(colour, shape, action)`` triple, in a fixed order."""
    return list(itertools.product(COLOURS, SHAPES, ACTIONS))


def base_novel_split() -> Tuple[List[tuple], List[tuple]]:
    """Split :func:`all_classes` into base and novel triples.

    A triple is novel when the sum of its word indices is odd. Each word
    then appears in half of the base and half of the novel classes.
    """
    base, novel = [], []
    for triple in all_classes():
        c, s, a = triple
        idx = (list(COLOURS).index(c) + SHAPES.index(s) + ACTIONS.index(a))
        (novel if idx % 2 else base).append(triple)
    return base, novel


# ----------------------------------------------------------------------------
# drawing
# ----------------------------------------------------------------------------
def _shape_polygons(shape: str, cx: float, cy: float, radius: float,
                    angle: float) -> List[np.ndarray]:
    """Polygons (int32 ``(K, 2)`` arrays) of a shape centred at (cx, cy)."""
    if shape == 'square':
        pts = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        scale = radius * 0.8
    elif shape == 'triangle':
        pts = [(np.cos(t), np.sin(t))
               for t in (-np.pi / 2, np.pi / 6, 5 * np.pi / 6)]
        scale = radius
    elif shape == 'cross':
        w = 0.33
        pts = [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1),
               (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w)]
        scale = radius
    else:
        raise ValueError(f'unknown shape {shape!r}; use one of {SHAPES}.')
    pts = np.asarray(pts, dtype=np.float64) * scale
    rot = np.array([[np.cos(angle), -np.sin(angle)],
                    [np.sin(angle), np.cos(angle)]])
    pts = pts @ rot.T + (cx, cy)
    return [np.round(pts).astype(np.int32)]


def _draw_shape(canvas: np.ndarray, shape: str, colour, cx, cy, radius,
                angle, alpha: float = 1.0) -> None:
    """Draw a filled shape in place, blended with ``alpha``."""
    import cv2
    polys = _shape_polygons(shape, cx, cy, radius, angle)
    if alpha >= 1.0:
        cv2.fillPoly(canvas, polys, tuple(int(v) for v in colour),
                     lineType=cv2.LINE_AA)
        return
    layer = canvas.copy()
    cv2.fillPoly(layer, polys, tuple(int(v) for v in colour),
                 lineType=cv2.LINE_AA)
    cv2.addWeighted(layer, alpha, canvas, 1 - alpha, 0, dst=canvas)


def _grey(rng: np.random.Generator, low: int, high: int) -> np.ndarray:
    """A random low-saturation colour."""
    level = rng.integers(low, high)
    return np.clip(level + rng.integers(-12, 13, size=3), 0, 255)


def _clutter(canvas: np.ndarray, rng: np.random.Generator,
             count: int) -> None:
    """Random grey rectangles, ellipses and lines (distractors)."""
    import cv2
    h, w = canvas.shape[:2]
    for _ in range(count):
        colour = tuple(int(v) for v in _grey(rng, 40, 200))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        kind = rng.integers(0, 3)
        if kind == 0:
            dx, dy = rng.integers(3, w // 5, size=2)
            cv2.rectangle(canvas, (x, y), (x + int(dx), y + int(dy)), colour,
                          -1)
        elif kind == 1:
            axes = tuple(int(v) for v in rng.integers(2, w // 8, size=2))
            cv2.ellipse(canvas, (x, y), axes, float(rng.uniform(0, 180)), 0,
                        360, colour, -1)
        else:
            x2, y2 = int(rng.integers(0, w)), int(rng.integers(0, h))
            cv2.line(canvas, (x, y), (x2, y2), colour,
                     int(rng.integers(1, 3)))


# ----------------------------------------------------------------------------
# object motion
# ----------------------------------------------------------------------------
def _trajectory(action: str, num_steps: int, size: int,
                rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Per-step centre, angle and visibility of an object doing ``action``.

    Returns a dict of ``(num_steps,)`` arrays ``x``, ``y``, ``angle``,
    ``visible`` and the scalar ``radius``, in a ``size`` x ``size`` frame.
    """
    if action not in ACTIONS:
        raise ValueError(f'unknown action {action!r}; use one of {ACTIONS}.')
    radius = size * rng.uniform(0.12, 0.16)
    t = np.arange(num_steps, dtype=np.float64)
    lo, hi = radius + 2, size - radius - 2
    x = np.full(num_steps, rng.uniform(lo, hi))
    y = np.full(num_steps, rng.uniform(lo, hi))
    angle = np.full(num_steps, rng.uniform(0, 2 * np.pi))
    visible = np.ones(num_steps, dtype=bool)
    if action == 'sliding':  # straight across, left or right
        start, end = (lo, hi) if rng.random() < 0.5 else (hi, lo)
        x = start + (end - start) * t / max(num_steps - 1, 1)
    elif action == 'bouncing':  # up and down off the bottom
        floor = rng.uniform(size * 0.6, hi)
        height = rng.uniform(0.3, 0.45) * size
        period = rng.uniform(num_steps / 2.5, num_steps / 1.5)
        phase = rng.uniform(0, np.pi)
        y = floor - height * np.abs(np.sin(np.pi * t / period + phase))
    elif action == 'spinning':
        speed = rng.uniform(0.35, 0.6) * (1 if rng.random() < 0.5 else -1)
        angle = angle + speed * t
    elif action == 'blinking':
        period = int(rng.integers(1, 3))  # frames on, then as many off
        start = int(rng.integers(0, 2 * period))
        visible = ((t.astype(int) + start) // period) % 2 == 0
    return dict(x=x, y=y, angle=angle, visible=visible, radius=radius)


# ----------------------------------------------------------------------------
# videos and images
# ----------------------------------------------------------------------------
def render_video(colour: str, shape: str, action: str, num_frames: int,
                 size: int, rng: np.random.Generator) -> np.ndarray:
    """One video clip of a class: ``(T, size, size, 3)`` uint8 RGB.

    The scene has a grey cluttered background and the object; a camera that
    drifts and shakes crops it, then blur and Gaussian noise are applied.
    """
    import cv2
    margin = size // 8
    world = size + 2 * margin
    background = np.empty((world, world, 3), dtype=np.uint8)
    background[:] = _grey(rng, 60, 170)
    _clutter(background, rng, int(rng.integers(6, 14)))
    path = _trajectory(action, num_frames, size, rng)
    drift = rng.uniform(-1.0, 1.0, size=2)
    shake = rng.normal(0, 1.0, size=(num_frames, 2))
    cam = np.clip(margin + drift * np.arange(num_frames)[:, None] + shake,
                  0, 2 * margin)
    blur_sigma = rng.uniform(0.3, 1.0)
    noise_sigma = rng.uniform(4, 12)
    frames = np.empty((num_frames, size, size, 3), dtype=np.uint8)
    for i in range(num_frames):
        canvas = background.copy()
        if path['visible'][i]:
            _draw_shape(canvas, shape, COLOURS[colour],
                        path['x'][i] + margin, path['y'][i] + margin,
                        path['radius'], path['angle'][i])
        cx, cy = int(round(cam[i, 0])), int(round(cam[i, 1]))
        frame = canvas[cy:cy + size, cx:cx + size].astype(np.float32)
        frame = cv2.GaussianBlur(frame, (0, 0), blur_sigma)
        frame += rng.normal(0, noise_sigma, size=frame.shape)
        frames[i] = np.clip(frame, 0, 255).astype(np.uint8)
    return frames


def render_image(colour: str, shape: str, action: str, size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """One clean picture of a class: ``(size, size, 3)`` uint8 RGB.

    Plain background; the action is drawn as a still-image convention
    (faded copies along the motion, overlaid angles, or flash rays).
    """
    import cv2
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = _grey(rng, 70, 200)
    col = COLOURS[colour]
    if action == 'blinking':
        path = _trajectory('blinking', 1, size, rng)
        x, y, r = path['x'][0], path['y'][0], path['radius']
        for k in range(8):  # flash rays around the object
            t = k * np.pi / 4
            p1 = (int(x + 1.25 * r * np.cos(t)), int(y + 1.25 * r * np.sin(t)))
            p2 = (int(x + 1.7 * r * np.cos(t)), int(y + 1.7 * r * np.sin(t)))
            cv2.line(image, p1, p2, tuple(int(v) for v in col), 1,
                     cv2.LINE_AA)
        _draw_shape(image, shape, col, x, y, r, path['angle'][0])
        return image
    steps = 4
    path = _trajectory(action, 8, size, rng)
    idx = np.linspace(0, 7, steps).round().astype(int)
    for j, i in enumerate(idx):  # oldest copy faintest
        _draw_shape(image, shape, col, path['x'][i], path['y'][i],
                    path['radius'], path['angle'][i],
                    alpha=(j + 1) / steps)
    return image


def caption(colour: str, shape: str, action: str,
            rng: np.random.Generator) -> str:
    """A caption for an image of the class, from a random template."""
    template = CAPTION_TEMPLATES[rng.integers(len(CAPTION_TEMPLATES))]
    return template.format(class_name(colour, shape, action))


# ----------------------------------------------------------------------------
# dataset on disk
# ----------------------------------------------------------------------------
def _write_split(root: Path, split: str, triples: Sequence[tuple],
                 count: int, num_frames: int, size: int, seed: int,
                 progress) -> Path:
    from .video_io import write_video
    lines = []
    for label, triple in enumerate(triples):
        for i in range(count):
            # one generator per video: the video depends only on its identity
            rng = np.random.default_rng(
                [seed, sum(map(ord, split)), label, i])
            name = f'{split}/{"_".join(triple)}_{i:03d}.mp4'
            write_video(root / 'videos' / name,
                        render_video(*triple, num_frames, size, rng))
            lines.append(f'{name} {label}')
        if progress:
            progress(f'{split}: {label + 1}/{len(triples)} classes')
    ann = root / f'{split}_list.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return ann


def make_synthetic_world(root: Union[str, Path],
                         train_per_class: int = 8,
                         test_per_class: int = 4,
                         num_frames: int = 8,
                         size: int = 64,
                         seed: int = 0,
                         progress=None) -> Dict[str, Path]:
    """Write the base-to-novel video benchmark of the synthetic world.

    Files under ``root``:

    * ``label_map_base.txt``, ``label_map_novel.txt``, ``label_map_all.txt``:
      class phrases, one per line in label order;
    * ``train_base_list.txt``: training videos of the base classes;
    * ``test_base_list.txt``, ``test_novel_list.txt``: test videos, labels
      indexing the base and novel label maps respectively;
    * ``videos/<split>/<colour>_<shape>_<action>_<i>.mp4``.

    Args:
        root: Output folder.
        train_per_class: Training videos per base class.
        test_per_class: Test videos per class (base and novel).
        num_frames: Frames per video.
        size: Frame height and width in pixels.
        seed: Seed; the same seed writes the same videos.
        progress: Optional callable taking a message, called per class.

    Returns:
        dict: Paths with keys ``root``, ``label_map_base``,
        ``label_map_novel``, ``label_map_all``, ``train_base``,
        ``test_base`` and ``test_novel``.
    """
    root = Path(root)
    for split in ('train_base', 'test_base', 'test_novel'):
        (root / 'videos' / split).mkdir(parents=True, exist_ok=True)
    base, novel = base_novel_split()
    paths = {'root': root}
    for key, triples in (('base', base), ('novel', novel),
                         ('all', all_classes())):
        paths[f'label_map_{key}'] = root / f'label_map_{key}.txt'
        paths[f'label_map_{key}'].write_text(
            '\n'.join(class_name(*t) for t in triples) + '\n')
    for split, triples, count in (('train_base', base, train_per_class),
                                  ('test_base', base, test_per_class),
                                  ('test_novel', novel, test_per_class)):
        paths[split] = _write_split(root, split, triples, count, num_frames,
                                    size, seed, progress)
    return paths


def image_caption_batch(batch_size: int, size: int,
                        rng: np.random.Generator
                        ) -> Tuple[np.ndarray, List[str]]:
    """Random clean pictures of the world and their captions.

    Classes are drawn uniformly from *all* classes, base and novel: the
    pretraining corpus knows every word combination, as a web corpus would.

    Returns:
        tuple: ``(N, size, size, 3)`` uint8 RGB images and ``N`` captions.
    """
    triples = all_classes()
    images = np.empty((batch_size, size, size, 3), dtype=np.uint8)
    captions = []
    for i in range(batch_size):
        triple = triples[rng.integers(len(triples))]
        images[i] = render_image(*triple, size, rng)
        captions.append(caption(*triple, rng))
    return images, captions
