"""In-memory decoded frames (CachedDecordInit / CachedDecordDecode): the
same frames as the checked decord transforms, decoded once per process."""
import os

import numpy as np
import pytest
from mmcv.transforms import Compose

from mmvlprompt.datasets import write_video
from mmvlprompt.datasets.transforms import frame_cache as fc


def _pipeline(cached, test_mode=True):
    init = 'CachedDecordInit' if cached else 'CheckedDecordInit'
    decode = 'CachedDecordDecode' if cached else 'CheckedDecordDecode'
    return Compose([dict(type=init),
                    dict(type='UniformSample', clip_len=4, num_clips=1,
                         test_mode=test_mode),
                    dict(type=decode)])


@pytest.fixture
def videos(tmp_path, monkeypatch):
    monkeypatch.delenv(fc.ENV_MB, raising=False)
    fc._CACHE.clear()
    fc._CACHE.max_bytes = 0
    rng = np.random.default_rng(0)
    paths = []
    for i in range(3):
        path = tmp_path / f'v{i}.mp4'
        write_video(path, rng.integers(0, 255, (6, 32, 32, 3), np.uint8))
        paths.append(str(path))
    yield paths
    fc._CACHE.clear()
    fc._CACHE.max_bytes = 0


def _run(pipeline, path):
    import mmvlprompt  # noqa: F401  (registers the transforms)
    return pipeline(dict(filename=path, start_index=0, modality='RGB'))


def test_cached_frames_equal_decoded_frames_and_hit_the_second_time(videos):
    plain, cached = _pipeline(False), _pipeline(True)
    for path in videos:
        want = np.stack(_run(plain, path)['imgs'])
        first = _run(cached, path)
        assert first['video_reader'] is None
        assert np.array_equal(np.stack(first['imgs']), want)
    cache = fc.get_frame_cache()
    assert cache.hits == 0 and cache.misses == 3 * 4  # 4 frames each
    for path in videos:
        again = _run(cached, path)
        assert np.array_equal(np.stack(again['imgs']),
                              np.stack(_run(plain, path)['imgs']))
        again['imgs'][0][:] = 0  # in-place edits do not reach the cache
    assert cache.hits == 3 * 4
    assert np.array_equal(np.stack(_run(cached, videos[0])['imgs']),
                          np.stack(_run(plain, videos[0])['imgs']))


def test_a_rewritten_file_is_decoded_again(videos):
    cached = _pipeline(True)
    before = np.stack(_run(cached, videos[0])['imgs'])
    write_video(videos[0], np.zeros((6, 32, 32, 3), np.uint8))
    st = os.stat(videos[0])
    os.utime(videos[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    after = np.stack(_run(cached, videos[0])['imgs'])
    assert not np.array_equal(before, after)
    assert after.max() < 20


def test_budget_bounds_the_cache_and_zero_turns_it_off(videos, monkeypatch):
    cached = _pipeline(True)
    one = 4 * 32 * 32 * 3  # bytes of one sample's frames
    monkeypatch.setenv(fc.ENV_MB, str(2.5 * one / 2**20))
    for path in videos:
        _run(cached, path)
    cache = fc.get_frame_cache()
    assert 0 < len(cache.frames) <= 10 and cache.bytes <= cache.max_bytes
    monkeypatch.setenv(fc.ENV_MB, '0')
    fc._CACHE.clear()
    for path in videos + videos:
        _run(cached, path)
    assert len(fc.get_frame_cache().frames) == 0
    monkeypatch.setenv(fc.ENV_MB, 'lots')
    with pytest.raises(ValueError, match=fc.ENV_MB):
        fc.get_frame_cache()


def test_missing_file_is_still_named(videos):
    with pytest.raises(RuntimeError, match='missing.mp4'):
        _run(_pipeline(True), videos[0].replace('v0', 'missing'))


def test_random_training_clips_hit_after_the_first_decode(videos):
    """A short video is decoded whole at its first miss, so later clips
    with other random indices never reopen it (and equal the decoder's)."""
    import decord

    from mmvlprompt.datasets.transforms import read_frames
    np.random.seed(0)
    cached = _pipeline(True, test_mode=False)
    for path in videos:
        _run(cached, path)
    cache = fc.get_frame_cache()
    misses = cache.misses
    assert len(cache.frames) == 3 * 6  # every frame of the 3 videos
    for _ in range(3):
        for path in videos:
            out = _run(cached, path)
            want = read_frames(decord.VideoReader(path), out['frame_inds'])
            assert np.array_equal(np.stack(out['imgs']), want)
    assert cache.misses == misses
