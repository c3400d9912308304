"""The benchmark worlds' scene: vocabulary, class sets, videos and pictures.

The scene of world v2 (:mod:`.world_v2`, which sees it through a camera;
world v1, removed, rendered it as it is), and the still pictures that
pretrain their tiny CLIP (``checkpoints/vlp-bench/``); moved here from
``mmvlprompt/datasets/bench_world.py``. Objects are coloured shapes that
move; a class
name is either an *appearance* phrase ``"a <colour> <shape>"`` (e.g.
``"a red star"``) or a *motion* phrase ``"something <motion>"`` (e.g.
``"something spinning"``).

* Vocabulary: 10 colours x 10 shapes x 8 motions. The colours and shapes
  are split into two halves, ``A`` and ``B`` (:data:`COLOURS_A` ...), so
  that class sets with disjoint words can be formed:

  ============== ======================== ==========================
  set            classes                  role
  ============== ======================== ==========================
  ``world_a``    colours A x shapes A     supervised (25 classes)
  ``world_b``    colours B x shapes B     zero-shot (3 subsets of 20),
                                          few-shot appearance set
  ``b2n_base``   colours A x shapes B     base-to-novel base (25)
  ``b2n_novel``  colours B x shapes A     base-to-novel novel (25)
  ``motion``     the 8 motions            few-shot motion-only set
  ``comp``       ``world_a`` by parity    compositional base/novel
  ============== ======================== ==========================

  Base and novel of ``b2n`` share no word; nor do ``world_a`` and
  ``world_b``. The motion base/novel split halves the motions
  (:data:`MOTIONS_BASE`, :data:`MOTIONS_NOVEL`).
* Videos (:func:`render_clip`): a varied, cluttered, noisy background with a
  shaking camera; the object has a random position, angle and size. In an
  appearance video the motion is random (not the class); in a motion video
  the object is random and the motion is the class. Positions wrap around
  the frame (a torus) and start uniformly, angles start uniformly, so every
  frame's distribution is the same for all motions: no single frame tells
  the motion, only the frame set does.
* Pictures (:func:`render_picture`, :func:`picture_caption_batch`): the web
  corpus of the tiny CLIP. Same clutter, noise, blur and a wider range of
  scales and backgrounds; a caption names the object and sometimes a motion,
  which a still picture can only hint at with faded copies (a convention
  that video frames never show). Every word of the vocabulary occurs.

Everything is deterministic given the generator passed in.
"""
import itertools
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

COLOURS: Dict[str, Tuple[int, int, int]] = {  # RGB
    'red': (220, 35, 35),
    'orange': (250, 140, 15),
    'yellow': (240, 225, 30),
    'green': (35, 170, 55),
    'cyan': (30, 215, 225),
    'blue': (35, 75, 235),
    'purple': (140, 40, 205),
    'pink': (250, 125, 195),
    'white': (250, 250, 250),
    'brown': (125, 75, 30),
}
SHAPES = ('square', 'circle', 'triangle', 'cross', 'star', 'ring', 'bar',
          'diamond', 'crescent', 'arrow')
MOTIONS = ('resting', 'sliding', 'spinning', 'jumping',
           'shaking', 'circling', 'wobbling', 'drifting')

COLOURS_A = ('red', 'yellow', 'cyan', 'purple', 'white')
COLOURS_B = ('orange', 'green', 'blue', 'pink', 'brown')
SHAPES_A = ('square', 'triangle', 'star', 'bar', 'crescent')
SHAPES_B = ('circle', 'cross', 'ring', 'diamond', 'arrow')
MOTIONS_BASE = ('resting', 'sliding', 'spinning', 'jumping')
MOTIONS_NOVEL = ('shaking', 'circling', 'wobbling', 'drifting')

TEMPLATES = ('{}', '{}.', 'a photo of {}.', 'a picture of {}.',
             'an image of {}.', 'a blurry photo of {}.',
             'a cluttered photo of {}.', 'a close-up photo of {}.',
             'a small photo of {}.', 'there is {}.', 'a video of {}.')


# ----------------------------------------------------------------------------
# class sets
# ----------------------------------------------------------------------------
def appearance_name(colour: str, shape: str) -> str:
    """``'a red star'``."""
    return f'a {colour} {shape}'


def motion_name(motion: str) -> str:
    """``'something spinning'``."""
    return f'something {motion}'


def _grid(colours, shapes) -> List[Tuple[str, str]]:
    return list(itertools.product(colours, shapes))


def class_sets() -> Dict[str, List[tuple]]:
    """Every class set, as lists of ``(colour, shape)`` or ``(motion,)``.

    Keys: ``world_a``, ``world_b``, ``b2n_base``, ``b2n_novel``, ``motion``,
    ``motion_base``, ``motion_novel``, ``comp_base``, ``comp_novel``.
    """
    world_a = _grid(COLOURS_A, SHAPES_A)
    comp_base = [(c, s) for c, s in world_a
                 if (COLOURS_A.index(c) + SHAPES_A.index(s)) % 2 == 0]
    comp_novel = [t for t in world_a if t not in comp_base]
    return dict(
        world_a=world_a,
        world_b=_grid(COLOURS_B, SHAPES_B),
        b2n_base=_grid(COLOURS_A, SHAPES_B),
        b2n_novel=_grid(COLOURS_B, SHAPES_A),
        motion=[(m,) for m in MOTIONS],
        motion_base=[(m,) for m in MOTIONS_BASE],
        motion_novel=[(m,) for m in MOTIONS_NOVEL],
        comp_base=comp_base,
        comp_novel=comp_novel)


def class_name(triple: tuple) -> str:
    """Name of a class tuple of :func:`class_sets`."""
    return motion_name(*triple) if len(triple) == 1 else \
        appearance_name(*triple)


def class_words(triples: Sequence[tuple]) -> set:
    """The content words (colours, shapes, motions) of some classes."""
    return {w for t in triples for w in t}


def zero_shot_subsets(num_subsets: int = 3, size: int = 20,
                      seed: int = 0) -> List[List[tuple]]:
    """``num_subsets`` random subsets of ``world_b`` (as K600's 3 x 160).

    Each subset keeps the ``world_b`` order of its classes.
    """
    world_b = class_sets()['world_b']
    if not 0 < size <= len(world_b):
        raise ValueError(f'size={size}: expected 1..{len(world_b)}.')
    out = []
    for k in range(num_subsets):
        keep = np.random.default_rng([seed, 600, k]).permutation(
            len(world_b))[:size]
        out.append([world_b[i] for i in sorted(keep)])
    return out


# ----------------------------------------------------------------------------
# drawing
# ----------------------------------------------------------------------------
def _polygon(shape: str) -> Optional[np.ndarray]:
    """Unit-radius outline of a polygonal shape, ``(K, 2)``."""
    if shape == 'square':
        pts = [(-.8, -.8), (.8, -.8), (.8, .8), (-.8, .8)]
    elif shape == 'triangle':
        pts = [(np.cos(t), np.sin(t)) for t in
               (-np.pi / 2, np.pi / 6, 5 * np.pi / 6)]
    elif shape == 'cross':
        w = 0.33
        pts = [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1),
               (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w)]
    elif shape == 'star':
        pts = [((1.0 if k % 2 == 0 else 0.42) * np.cos(-np.pi / 2 +
                                                       k * np.pi / 5),
                (1.0 if k % 2 == 0 else 0.42) * np.sin(-np.pi / 2 +
                                                       k * np.pi / 5))
               for k in range(10)]
    elif shape == 'bar':
        pts = [(-1, -.3), (1, -.3), (1, .3), (-1, .3)]
    elif shape == 'diamond':
        pts = [(0, -1), (.55, 0), (0, 1), (-.55, 0)]
    elif shape == 'arrow':
        pts = [(-1, -.22), (.2, -.22), (.2, -.6), (1, 0), (.2, .6),
               (.2, .22), (-1, .22)]
    else:
        return None
    return np.asarray(pts, dtype=np.float64)


def draw_object(canvas: np.ndarray, shape: str, colour, cx: float,
                cy: float, radius: float, angle: float,
                alpha: float = 1.0) -> None:
    """Draw a filled shape on an ``(H, W, 3)`` uint8 canvas, in place."""
    import cv2
    if shape not in SHAPES:
        raise ValueError(f'unknown shape {shape!r}; use one of {SHAPES}.')
    target = canvas if alpha >= 1.0 else canvas.copy()
    col = tuple(int(v) for v in colour)
    pts = _polygon(shape)
    if pts is not None:
        rot = np.array([[np.cos(angle), -np.sin(angle)],
                        [np.sin(angle), np.cos(angle)]])
        poly = np.round((pts * radius) @ rot.T + (cx, cy)).astype(np.int32)
        cv2.fillPoly(target, [poly], col, lineType=cv2.LINE_AA)
    elif shape in ('circle', 'ring'):
        r = max(int(round(radius * 0.9)), 1)
        thick = -1 if shape == 'circle' else max(int(round(radius * .35)), 1)
        cv2.circle(target, (int(round(cx)), int(round(cy))),
                   r - (0 if thick < 0 else thick // 2), col, thick,
                   cv2.LINE_AA)
    else:  # crescent: a disc minus an offset disc
        h, w = canvas.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ox, oy = 0.45 * radius * np.cos(angle), 0.45 * radius * np.sin(angle)
        inside = ((xx - cx) ** 2 + (yy - cy) ** 2 <= (0.95 * radius) ** 2) & \
            ((xx - cx - ox) ** 2 + (yy - cy - oy) ** 2 > (0.8 * radius) ** 2)
        target[inside] = col
    if alpha < 1.0:
        cv2.addWeighted(target, alpha, canvas, 1 - alpha, 0, dst=canvas)


def draw_wrapped(canvas: np.ndarray, shape: str, colour, cx: float,
                 cy: float, radius: float, angle: float,
                 alpha: float = 1.0) -> None:
    """:func:`draw_object` on a torus: copies across the frame edges."""
    h, w = canvas.shape[:2]
    cx, cy = cx % w, cy % h
    reach = radius * 1.1
    for dx in (-w, 0, w):
        for dy in (-h, 0, h):
            x, y = cx + dx, cy + dy
            if -reach < x < w + reach and -reach < y < h + reach:
                draw_object(canvas, shape, colour, x, y, radius, angle, alpha)


def _background(size: int, rng: np.random.Generator,
                clutter: Tuple[int, int] = (6, 16)) -> np.ndarray:
    """A low-saturation background: grey level, tint, gradient, clutter."""
    import cv2
    level = rng.uniform(55, 185)
    tint = rng.normal(0, 8, size=3)
    grad = rng.normal(0, 25, size=2)
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1) - 0.5
    bg = level + tint[None, None] + (grad[0] * xx + grad[1] * yy)[..., None]
    bg = np.clip(bg, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(*clutter))):
        grey = rng.uniform(30, 220)
        col = tuple(int(np.clip(grey + v, 0, 255))
                    for v in rng.normal(0, 10, size=3))
        x, y = (int(v) for v in rng.integers(0, size, size=2))
        kind = rng.integers(0, 4)
        if kind == 0:
            dx, dy = (int(v) for v in rng.integers(2, max(3, size // 4),
                                                   size=2))
            cv2.rectangle(bg, (x, y), (x + dx, y + dy), col, -1)
        elif kind == 1:
            axes = tuple(int(v) for v in rng.integers(2, max(3, size // 7),
                                                      size=2))
            cv2.ellipse(bg, (x, y), axes, float(rng.uniform(0, 180)), 0, 360,
                        col, -1)
        else:
            x2, y2 = (int(v) for v in rng.integers(0, size, size=2))
            cv2.line(bg, (x, y), (x2, y2), col, int(rng.integers(1, 3)))
    return bg


def _finish(frame: np.ndarray, blur: float, noise: float,
            rng: np.random.Generator) -> np.ndarray:
    """Blur and sensor noise, back to uint8."""
    import cv2
    out = cv2.GaussianBlur(frame.astype(np.float32), (0, 0), blur)
    out += rng.normal(0, noise, size=out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _lit(colour: str, rng: np.random.Generator) -> np.ndarray:
    """The colour under a random illumination."""
    return np.clip(np.array(COLOURS[colour]) * rng.uniform(0.8, 1.1), 0, 255)


# ----------------------------------------------------------------------------
# motion
# ----------------------------------------------------------------------------
def motion_path(motion: str, num_frames: int, size: int,
                rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Per-frame centre ``x``, ``y`` (on the torus) and ``angle``.

    Every path starts at a uniform position and angle; the motion only
    decides how they change, so a single frame's position and angle are
    uniform whatever the motion. Speeds are in pixels of a 64 px frame.
    """
    if motion not in MOTIONS:
        raise ValueError(f'unknown motion {motion!r}; use one of {MOTIONS}.')
    t = np.arange(num_frames, dtype=np.float64)
    unit = size / 64.0
    x0, y0 = rng.uniform(0, size, size=2)
    a0 = rng.uniform(0, 2 * np.pi)
    x, y = np.full(num_frames, x0), np.full(num_frames, y0)
    angle = np.full(num_frames, a0)
    sign = 1 if rng.random() < 0.5 else -1
    if motion in ('sliding', 'drifting'):
        speed = rng.uniform(3.0, 4.5) if motion == 'sliding' else \
            rng.uniform(0.7, 1.1)
        theta = rng.uniform(0, 2 * np.pi)
        x = x0 + unit * speed * t * np.cos(theta)
        y = y0 + unit * speed * t * np.sin(theta)
    elif motion == 'jumping':  # a new place every frame
        x, y = rng.uniform(0, size, size=(2, num_frames))
        x[0], y[0] = x0, y0
    elif motion == 'spinning':
        angle = a0 + sign * rng.uniform(0.45, 0.75) * t
    elif motion == 'wobbling':
        period = rng.uniform(3, 5)
        angle = a0 + rng.uniform(0.5, 0.8) * np.sin(
            2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    elif motion == 'shaking':
        x = x0 + unit * rng.normal(0, 1.8, size=num_frames)
        y = y0 + unit * rng.normal(0, 1.8, size=num_frames)
    elif motion == 'circling':
        radius = unit * rng.uniform(7, 11)
        omega = sign * rng.uniform(0.6, 0.9)
        phase = rng.uniform(0, 2 * np.pi)
        x = x0 + radius * (np.cos(omega * t + phase) - np.cos(phase))
        y = y0 + radius * (np.sin(omega * t + phase) - np.sin(phase))
    return dict(x=x % size, y=y % size, angle=angle)


# ----------------------------------------------------------------------------
# videos and pictures
# ----------------------------------------------------------------------------
def render_clip(colour: str, shape: str, motion: str, num_frames: int,
                size: int, rng: np.random.Generator) -> np.ndarray:
    """One video clip: ``(T, size, size, 3)`` uint8 RGB.

    A fixed background seen by a shaking camera, the object following
    :func:`motion_path` at a random size, then blur and noise per frame.
    """
    margin = max(size // 16, 1)
    world = _background(size + 2 * margin, rng)
    radius = size * rng.uniform(0.14, 0.26)
    col = _lit(colour, rng)
    path = motion_path(motion, num_frames, size, rng)
    shake = np.clip(np.round(rng.normal(0, 0.7, size=(num_frames, 2))),
                    -margin, margin).astype(int) + margin
    blur, noise = rng.uniform(0.3, 0.9), rng.uniform(3, 10)
    frames = np.empty((num_frames, size, size, 3), dtype=np.uint8)
    for i in range(num_frames):
        sx, sy = shake[i]
        frame = world[sy:sy + size, sx:sx + size].copy()
        draw_wrapped(frame, shape, col, path['x'][i], path['y'][i], radius,
                     path['angle'][i])
        frames[i] = _finish(frame, blur, noise, rng)
    return frames


def render_picture(colour: str, shape: str, size: int,
                   rng: np.random.Generator,
                   motion: Optional[str] = None) -> np.ndarray:
    """One web-like picture: ``(size, size, 3)`` uint8 RGB.

    Clutter, noise and blur as in the videos, with wider scale and noise
    ranges. With a ``motion``, faded earlier copies along its path hint at
    it, as a still picture can (for ``'resting'`` and ``'shaking'`` the
    copies coincide with the object or nearly).
    """
    image = _background(size, rng, clutter=(3, 20))
    radius = size * rng.uniform(0.11, 0.32)
    col = _lit(colour, rng)
    if motion is None:
        path = motion_path('resting', 1, size, rng)
        steps = [0]
    else:
        path = motion_path(motion, 7, size, rng)
        steps = [0, 2, 4, 6]
    for j, i in enumerate(steps):  # oldest copy faintest
        draw_wrapped(image, shape, col, path['x'][i], path['y'][i], radius,
                     path['angle'][i], alpha=(j + 1) / len(steps))
    return _finish(image, rng.uniform(0.2, 1.1), rng.uniform(0, 14), rng)


def picture_caption(colour: str, shape: str, motion: Optional[str],
                    rng: np.random.Generator) -> str:
    """A caption of a picture from a random template.

    Names the object; with a ``motion``, either ``'a red star spinning'``
    or (one time in four) only ``'something spinning'``.
    """
    text = appearance_name(colour, shape)
    if motion is not None:
        text = motion_name(motion) if rng.random() < 0.25 else \
            f'{text} {motion}'
    return TEMPLATES[rng.integers(len(TEMPLATES))].format(text)


def picture_caption_batch(batch_size: int, size: int,
                          rng: np.random.Generator,
                          motion_fraction: float = 0.4
                          ) -> Tuple[np.ndarray, List[str]]:
    """Random pictures of *all* colours, shapes and motions, and captions.

    The corpus contains every word, as web data would; which words a
    prompt method sees in training is decided by the class sets only.

    Returns:
        tuple: ``(N, size, size, 3)`` uint8 RGB images and ``N`` captions.
    """
    colours = list(COLOURS)
    images = np.empty((batch_size, size, size, 3), dtype=np.uint8)
    captions = []
    for i in range(batch_size):
        colour = colours[rng.integers(len(colours))]
        shape = SHAPES[rng.integers(len(SHAPES))]
        motion = MOTIONS[rng.integers(len(MOTIONS))] \
            if rng.random() < motion_fraction else None
        images[i] = render_picture(colour, shape, size, rng, motion)
        captions.append(picture_caption(colour, shape, motion, rng))
    return images, captions
