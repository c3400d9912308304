"""World v2's camera (mmvlprompt/worlds/camera.py) on flat and step
frames, whose outputs follow by hand from the camera's documented steps:
tone curve, black and white levels, vignette, blur in pixels of a 64 px
frame, and sensor noise with a shared fraction across RGB."""
import numpy as np
import pytest

from mmvlprompt.worlds import camera as cam

MODEL = cam.camera_model('2.1')


def _camera(**kw):
    """No geometry, no jitter, no noise unless asked."""
    args = dict(keystone_top=1.0, squash=1.0, blur_sigma=0.5, vignette=0.0,
                gains=(1.0, 1.0, 1.0), noise_sigma=0.0, wall=100.0,
                model=MODEL)
    args.update(kw)
    return cam.Camera(**args)


def _tone(linear):
    """Output level of a linear input in [0, 1] (a grey keeps its level
    through the colour matrix)."""
    return MODEL.black_level + (MODEL.white_level - MODEL.black_level) * \
        np.asarray(linear, dtype=float) ** MODEL.gamma


def _flat(level, size=32, frames=1):
    return np.full((frames, size, size, 3), level, np.uint8)


@pytest.mark.parametrize('level', [0, 64, 128, 200, 255])
def test_greys_follow_the_tone_curve(level):
    """black + (white - black) * (level / 255) ** gamma: 0 -> 20 and
    255 -> 235 exactly; 64 -> 20 + 215 * 0.251 ** 1.4 = 51."""
    out = _camera().apply(_flat(level), np.random.default_rng(0))
    want = _tone(level / 255)
    assert np.abs(out[0].astype(float) - want).max() <= 1, (level, want)
    assert np.allclose(cam.colour_matrix(MODEL.hue_degrees,
                                         MODEL.saturation) @ np.ones(3), 1)
    if level == 64:
        assert round(float(want)) == 51


def test_corners_lose_the_vignette_fraction():
    """The corners are at r2 = 1: 40 % vignette leaves 60 % of the light
    (before the tone curve); the centre keeps almost all of it."""
    out = _camera(vignette=0.4).apply(_flat(200, size=33),
                                      np.random.default_rng(0))[0]
    assert abs(float(out[0, 0, 0]) - _tone(0.6 * 200 / 255)) <= 1
    assert abs(float(out[16, 16, 0]) - _tone(200 / 255)) <= 1


def _edge_spread(size, blur_sigma):
    """Sum over a row of |output - the unblurred step|, in pixels of the
    frame: proportional to the blur's width in pixels."""
    frames = np.zeros((1, size, size, 3), np.uint8)
    frames[:, :, size // 2:] = 255
    row = _camera(blur_sigma=blur_sigma).apply(
        frames, np.random.default_rng(0))[0, size // 2, :, 0].astype(float)
    step = np.where(np.arange(size) < size // 2, _tone(0.0), _tone(1.0))
    return np.abs(row - step).sum()


def test_blur_is_given_in_pixels_of_a_64_px_frame():
    """The same camera blurs a 128 px frame twice as wide (in pixels) as a
    64 px one, and a 64 px frame by blur_sigma pixels: twice the sigma,
    twice the spread."""
    at64, at128 = _edge_spread(64, 2.0), _edge_spread(128, 2.0)
    assert at128 / at64 == pytest.approx(2.0, rel=0.1)
    assert _edge_spread(64, 4.0) / at64 == pytest.approx(2.0, rel=0.1)


def test_noise_has_its_sigma_and_its_shared_fraction():
    """Noise sigma per channel; RGB share ``noise_shared`` of its variance,
    so the correlation between two channels is ``noise_shared`` (0.6)."""
    sigma = 8.0
    out = _camera(noise_sigma=sigma).apply(_flat(128, size=64, frames=4),
                                           np.random.default_rng(0))
    pixels = out[:, 4:-4, 4:-4].reshape(-1, 3).astype(float)
    assert pixels.mean(axis=0) == pytest.approx([_tone(128 / 255)] * 3,
                                                abs=0.5)
    # rounding to uint8 adds a variance of 1/12
    assert pixels.std(axis=0) == pytest.approx(
        [np.sqrt(sigma ** 2 + 1 / 12)] * 3, rel=0.03)
    corr = np.corrcoef(pixels.T)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        assert corr[i, j] == pytest.approx(MODEL.noise_shared, abs=0.03)
