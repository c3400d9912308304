"""The camera of world v2: what videos have and still pictures do not.

The tiny CLIP of the benchmark was pretrained on still pictures only. World
v2's videos show the same kind of scene, but every frame is taken by one
camera (:class:`Camera`) whose viewpoint, optics, colour response, tone
curve and sensor differ from the pictures' style. The camera is the same
for the whole world (world A, world B, base and novel), with a small
per-video jitter (:meth:`Camera.draw`); each world version has its own
(:data:`CAMERA_MODELS`). So what a model learns about it on
one class set can carry over to another. Stills never pass through it.

Every step keeps the class information (hue is rotated, not lost; shapes
are warped, not hidden), so a model that learns the camera can undo it.
"""
from dataclasses import asdict, dataclass, field
from typing import Dict, Tuple

import numpy as np


@dataclass(frozen=True)
class CameraModel:
    """The world's camera: fixed settings and the ranges of per-video jitter.

    One per world version (:data:`CAMERA_MODELS`), so that every measured
    version can be re-made.

    Args:
        hue_degrees: Hue rotation of the colour matrix (about grey).
        saturation: Chroma kept by the colour matrix.
        gamma: Tone curve exponent (> 1: darker mid-tones).
        black_level, white_level: Output of a 0 and of a 255 input.
        keystone_top: Range of the far (top) edge's width relative to the
            near (bottom) edge.
        squash: Range of the seen floor's height, as a fraction of the
            frame's; above it is a plain far wall.
        blur_sigma: Range of the optics' Gaussian blur (px at 64 px).
        vignette: Range of the brightness lost at the corners.
        white_balance_std: Per-channel gain jitter.
        noise_sigma: Range of the sensor noise (0-255 scale).
        noise_shared: Fraction of the noise variance common to RGB.
    """
    hue_degrees: float = 30.0
    saturation: float = 0.75
    gamma: float = 1.4
    black_level: float = 20.0
    white_level: float = 235.0
    keystone_top: Tuple[float, float] = (0.62, 0.72)
    squash: Tuple[float, float] = (0.70, 0.80)
    blur_sigma: Tuple[float, float] = (0.8, 1.2)
    vignette: Tuple[float, float] = (0.35, 0.50)
    white_balance_std: float = 0.04
    noise_sigma: Tuple[float, float] = (5.0, 9.0)
    noise_shared: float = 0.6
    wall: Tuple[float, float] = field(default=(70.0, 150.0))


# world version -> its camera (docs/en/benchmark/world_v2.md, "Measured")
CAMERA_MODELS: Dict[str, CameraModel] = {
    # as declared
    '2.0': CameraModel(),
    # v2.0 left too little shape for even full fine-tuning: milder
    # geometry and optics; the colour response carries the gap instead
    '2.1': CameraModel(hue_degrees=60.0, saturation=0.85,
                       keystone_top=(0.80, 0.90), squash=(0.85, 0.95),
                       blur_sigma=(0.5, 0.8), vignette=(0.25, 0.40),
                       noise_sigma=(4.0, 7.0)),
}
LATEST = '2.1'
def camera_model(version: str = LATEST) -> CameraModel:
    """The camera of a world version (``'2.0'``, ``'2.1'``, ...)."""
    if version not in CAMERA_MODELS:
        raise KeyError(f'no camera for world version {version!r}; known: '
                       f'{sorted(CAMERA_MODELS)}.')
    return CAMERA_MODELS[version]


def hue_rotation_matrix(degrees: float) -> np.ndarray:
    """``(3, 3)`` rotation of RGB about the grey axis ``(1, 1, 1)``."""
    theta = np.deg2rad(degrees)
    axis = np.ones(3) / np.sqrt(3.0)
    cross = np.array([[0, -axis[2], axis[1]],
                      [axis[2], 0, -axis[0]],
                      [-axis[1], axis[0], 0]])
    return (np.cos(theta) * np.eye(3) + np.sin(theta) * cross +
            (1 - np.cos(theta)) * np.outer(axis, axis))


def colour_matrix(degrees: float, saturation: float) -> np.ndarray:
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
        model: The world's camera these settings were drawn from.
    """
    keystone_top: float
    squash: float
    blur_sigma: float
    vignette: float
    gains: Tuple[float, float, float]
    noise_sigma: float
    wall: float
    model: CameraModel = CameraModel()

    @classmethod
    def draw(cls, rng: np.random.Generator,
             model: CameraModel = CameraModel()) -> 'Camera':
        """The world's camera ``model`` with one video's jitter."""
        return cls(
            keystone_top=float(rng.uniform(*model.keystone_top)),
            squash=float(rng.uniform(*model.squash)),
            blur_sigma=float(rng.uniform(*model.blur_sigma)),
            vignette=float(rng.uniform(*model.vignette)),
            gains=tuple(float(g) for g in
                        rng.normal(1.0, model.white_balance_std, size=3)),
            noise_sigma=float(rng.uniform(*model.noise_sigma)),
            wall=float(rng.uniform(*model.wall)),
            model=model)

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
        m = self.model
        matrix = (colour_matrix(m.hue_degrees, m.saturation) *
                  np.asarray(self.gains)[:, None]).T
        blur = self.blur_sigma * size / 64.0
        out = np.empty_like(frames)
        for i in range(num):
            frame = cv2.warpPerspective(
                frames[i], warp, (size, size), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=(self.wall,) * 3).astype(np.float32)
            frame = cv2.GaussianBlur(frame, (0, 0), blur) * vignette
            frame = np.clip(frame @ matrix, 0, 255) / 255.0
            frame = m.black_level + (m.white_level - m.black_level) * \
                frame ** m.gamma
            shared = rng.normal(0, 1, size=(size, size, 1))
            own = rng.normal(0, 1, size=(size, size, 3))
            frame += self.noise_sigma * (
                np.sqrt(m.noise_shared) * shared +
                np.sqrt(1 - m.noise_shared) * own)
            out[i] = np.clip(np.round(frame), 0, 255).astype(np.uint8)
        return out
