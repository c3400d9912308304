"""The camera of world v2: what videos have and still pictures do not.

The tiny CLIP of the benchmark was pretrained on still pictures only. World
v2's videos show the same kind of scene, but every frame is taken by one
camera (:class:`Camera`) whose viewpoint, optics, colour response, tone
curve and sensor differ from the pictures' style. The camera is the same
for the whole world (world A, world B, base and novel), with a small
per-video jitter (:meth:`Camera.draw`), so what a model learns about it on
one class set can carry over to another. Stills never pass through it.

Every step keeps the class information (hue is rotated, not lost; shapes
are warped, not hidden), so a model that learns the camera can undo it.
"""
from dataclasses import asdict, dataclass
from typing import Dict, Tuple

import numpy as np

# the world's camera: fixed settings, then the ranges of per-video jitter
HUE_DEGREES = 30.0        # hue rotation of the colour matrix (grey axis)
SATURATION = 0.75         # chroma kept by the colour matrix
GAMMA = 1.4               # tone curve exponent (darker mid-tones)
BLACK_LEVEL = 20.0        # output of a 0 input (lifted blacks)
WHITE_LEVEL = 235.0       # output of a 255 input (clipped whites)
KEYSTONE_TOP = (0.62, 0.72)   # top edge width / bottom edge width
SQUASH = (0.70, 0.80)         # height of the seen floor / frame height
BLUR_SIGMA = (0.8, 1.2)       # px, at 64 px frames
VIGNETTE = (0.35, 0.50)       # brightness lost at the corners
WHITE_BALANCE_STD = 0.04      # per-channel gain jitter
NOISE_SIGMA = (5.0, 9.0)      # 0-255 scale
NOISE_SHARED = 0.6            # fraction of noise variance common to RGB


def hue_rotation_matrix(degrees: float) -> np.ndarray:
    """``(3, 3)`` rotation of RGB about the grey axis ``(1, 1, 1)``."""
    theta = np.deg2rad(degrees)
    axis = np.ones(3) / np.sqrt(3.0)
    cross = np.array([[0, -axis[2], axis[1]],
                      [axis[2], 0, -axis[0]],
                      [-axis[1], axis[0], 0]])
    return (np.cos(theta) * np.eye(3) + np.sin(theta) * cross +
            (1 - np.cos(theta)) * np.outer(axis, axis))


def colour_matrix(degrees: float = HUE_DEGREES,
                  saturation: float = SATURATION) -> np.ndarray:
    """Hue rotation followed by desaturation towards the grey axis."""
    grey = np.full((3, 3), 1.0 / 3.0)
    desat = saturation * np.eye(3) + (1 - saturation) * grey
    return desat @ hue_rotation_matrix(degrees)


@dataclass(frozen=True)
class Camera:
    """One video's camera settings (the world's camera plus its jitter).

    Args:
        keystone_top: Width of the seen floor's far (top) edge relative to
            its near (bottom) edge, in the frame.
        squash: Height of the seen floor in the frame, as a fraction of the
            frame; above it is a plain far wall.
        blur_sigma: Gaussian blur of the optics, in pixels of a 64 px frame.
        vignette: Fraction of brightness lost at the frame corners.
        gains: Per-channel white-balance gains (RGB).
        noise_sigma: Sensor noise standard deviation (0-255 scale).
        wall: Grey level of the far wall.
    """
    keystone_top: float
    squash: float
    blur_sigma: float
    vignette: float
    gains: Tuple[float, float, float]
    noise_sigma: float
    wall: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> 'Camera':
        """The world's camera with one video's jitter."""
        return cls(
            keystone_top=float(rng.uniform(*KEYSTONE_TOP)),
            squash=float(rng.uniform(*SQUASH)),
            blur_sigma=float(rng.uniform(*BLUR_SIGMA)),
            vignette=float(rng.uniform(*VIGNETTE)),
            gains=tuple(float(g) for g in
                        rng.normal(1.0, WHITE_BALANCE_STD, size=3)),
            noise_sigma=float(rng.uniform(*NOISE_SIGMA)),
            wall=float(rng.uniform(70, 150)))

    def as_dict(self) -> Dict[str, object]:
        """The settings as a plain dict (for logs and sidecars)."""
        return asdict(self)

    def homography(self, size: int) -> np.ndarray:
        """``(3, 3)`` map from scene pixels to frame pixels (keystone)."""
        import cv2
        s = float(size)
        top_w = self.keystone_top * s
        top_y = (1.0 - self.squash) * s
        src = np.float32([[0, 0], [s, 0], [s, s], [0, s]])
        dst = np.float32([[(s - top_w) / 2, top_y], [(s + top_w) / 2, top_y],
                          [s, s], [0, s]])
        return cv2.getPerspectiveTransform(src, dst)

    def apply(self, frames: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
        """Take ``(T, H, W, 3)`` uint8 RGB scene frames through the camera.

        Returns:
            np.ndarray: ``(T, H, W, 3)`` uint8 RGB, the same shape.
        """
        import cv2
        if frames.ndim != 4 or frames.shape[-1] != 3 or \
                frames.shape[1] != frames.shape[2]:
            raise ValueError(f'Camera.apply: expected (T, S, S, 3) frames, '
                             f'got {frames.shape}.')
        num, size = frames.shape[0], frames.shape[1]
        warp = self.homography(size)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        centre = (size - 1) / 2.0
        r2 = ((xx - centre) ** 2 + (yy - centre) ** 2) / (2 * centre ** 2)
        vignette = (1.0 - self.vignette * r2)[..., None]
        matrix = (colour_matrix() * np.asarray(self.gains)[:, None]).T
        blur = self.blur_sigma * size / 64.0
        out = np.empty_like(frames)
        for i in range(num):
            frame = cv2.warpPerspective(
                frames[i], warp, (size, size), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=(self.wall,) * 3).astype(np.float32)
            frame = cv2.GaussianBlur(frame, (0, 0), blur) * vignette
            frame = np.clip(frame @ matrix, 0, 255) / 255.0
            frame = BLACK_LEVEL + (WHITE_LEVEL - BLACK_LEVEL) * \
                frame ** GAMMA
            shared = rng.normal(0, 1, size=(size, size, 1))
            own = rng.normal(0, 1, size=(size, size, 3))
            frame += self.noise_sigma * (np.sqrt(NOISE_SHARED) * shared +
                                         np.sqrt(1 - NOISE_SHARED) * own)
            out[i] = np.clip(np.round(frame), 0, 255).astype(np.uint8)
        return out
