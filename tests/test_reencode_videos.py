"""tools/data/reencode_videos.py on small generated videos."""
import hashlib
import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import av
import decord
import numpy as np
import pytest

from conftest import REPO, run_tool
from mmvlprompt.datasets.video_io import write_video

TOOL = 'tools/data/reencode_videos.py'


def _tool():
    spec = importlib.util.spec_from_file_location('reencode_videos',
                                                  REPO / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frames(num, height, width, seed=0):
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 255, (num, height, width, 3), dtype=np.uint8)
    frames[:, :, : width // 2] //= 3  # some structure for the encoder
    return frames


def _write_with_audio(path: Path, num: int, height: int, width: int):
    """An H.264 video (key frames every 50) with an AAC audio stream."""
    with av.open(str(path), 'w') as out:
        video = out.add_stream('libx264', rate=12)
        video.width, video.height, video.pix_fmt = width, height, 'yuv420p'
        video.options = {'x264-params': 'keyint=50'}
        audio = out.add_stream('aac', rate=16000)
        for i, img in enumerate(_frames(num, height, width, seed=1)):
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            frame.pts, frame.time_base = i, Fraction(1, 12)
            out.mux(video.encode(frame))
        samples = np.zeros((1, 1024), dtype=np.float32)
        for i in range(8):
            chunk = av.AudioFrame.from_ndarray(samples, format='fltp',
                                               layout='mono')
            chunk.sample_rate, chunk.pts = 16000, i * 1024
            out.mux(audio.encode(chunk))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def _key_frames(path: Path):
    with av.open(str(path)) as container:
        return [i for i, f in enumerate(container.decode(video=0))
                if f.key_frame]


def _fingerprint(folder: Path):
    return {p.relative_to(folder): (hashlib.sha256(p.read_bytes())
                                    .hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob('*')) if p.is_file()}


@pytest.fixture
def src_tree(tmp_path):
    src = tmp_path / 'src'
    (src / 'waving').mkdir(parents=True)
    (src / 'running hard').mkdir()
    write_video(src / 'waving' / 'a.mp4', _frames(40, 64, 96), fps=10)
    write_video(src / 'running hard' / 'b c.avi', _frames(20, 16, 24), fps=5)
    _write_with_audio(src / 'waving' / 'talk.mp4', 30, 48, 64)
    (src / 'notes.txt').write_text('not a video')
    return src


def test_output_size_scales_down_only_and_keeps_sizes_even():
    tool = _tool()
    assert tool.output_size(1920, 1080, 256) == (456, 256)
    assert tool.output_size(1080, 1920, 256) == (256, 456)
    assert tool.output_size(340, 256, 256) == (340, 256)
    assert tool.output_size(426, 240, 256) == (426, 240)  # no upscaling
    assert tool.output_size(427, 241, 0) == (428, 242)  # even for yuv420p


def test_reencode_copies_tree_resumably_and_never_touches_originals(
        src_tree, tmp_path):
    dst = tmp_path / 'copy'
    before = _fingerprint(src_tree)
    args = [sys.executable, TOOL, str(src_tree), str(dst), '--short-side',
            '32', '--keyint', '8', '--workers', '2', '--no-measure']
    proc = run_tool(args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '3 written, 0 kept as the original bytes (the copy was not faster to decode), 0 already there (skipped), 0 failed' in proc.stdout
    assert _fingerprint(src_tree) == before
    # same relative paths and names, videos only, no partial files left
    assert sorted(str(p.relative_to(dst)) for p in dst.rglob('*')
                  if p.is_file()) == ['running hard/b c.avi',
                                      'waving/a.mp4', 'waving/talk.mp4']
    expected = {'waving/a.mp4': ((48, 32), 40, 10.0),  # 96x64 -> short 32
                'running hard/b c.avi': ((24, 16), 20, 5.0),  # kept
                'waving/talk.mp4': ((42, 32), 30, 12.0)}  # 64x48: 42.7->42
    for rel, (size, frames, fps) in expected.items():
        copy = dst / rel
        reader = decord.VideoReader(str(copy))
        assert len(reader) == frames, rel
        assert reader.get_avg_fps() == pytest.approx(fps), rel
        assert reader[0].shape[:2] == (size[1], size[0]), rel
        # a key frame exactly every --keyint frames, none in between
        assert _key_frames(copy) == list(range(0, frames, 8)), rel
        with av.open(str(copy)) as container:
            assert len(container.streams.audio) == 0, rel
            assert container.streams.video[0].codec_context.name == 'h264'
    with av.open(str(src_tree / 'waving' / 'talk.mp4')) as container:
        assert len(container.streams.audio) == 1  # the source had audio
    assert _key_frames(src_tree / 'waving' / 'talk.mp4') == [0]

    # resumable: a second run skips the finished copies ...
    stamps = _fingerprint(dst)
    (dst / 'waving' / 'a.mp4').unlink()
    stale = dst / 'waving' / '.part-a.mp4'  # an interrupted earlier run
    stale.write_bytes(b'half a video')
    proc = run_tool(args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '1 written, 0 kept as the original bytes (the copy was not faster to decode), 2 already there (skipped), 0 failed' in proc.stdout
    assert not stale.exists()
    after = _fingerprint(dst)
    for rel in ('running hard/b c.avi', 'waving/talk.mp4'):
        assert after[Path(rel)] == stamps[Path(rel)]  # not rewritten
    assert len(decord.VideoReader(str(dst / 'waving' / 'a.mp4'))) == 40
    assert _fingerprint(src_tree) == before


def test_reencode_reports_undecodable_video_and_writes_the_rest(
        src_tree, tmp_path):
    (src_tree / 'waving' / 'broken.mp4').write_bytes(b'\x00' * 4096)
    dst = tmp_path / 'copy'
    proc = run_tool([sys.executable, TOOL, str(src_tree), str(dst),
                     '--workers', '1', '--no-measure'])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert '3 written, 0 kept as the original bytes (the copy was not ' \
        'faster to decode), 0 already there (skipped), 1 failed' in \
        proc.stdout
    assert 'broken.mp4' in proc.stderr
    assert not (dst / 'waving' / 'broken.mp4').exists()
    assert not list(dst.rglob('.part-*'))
    # --short-side 256 keeps these small videos at their size
    assert decord.VideoReader(str(dst / 'waving' / 'a.mp4'))[0].shape[:2] \
        == (64, 96)


@pytest.mark.parametrize('inside', ['dst_in_src', 'same'])
def test_reencode_refuses_overlapping_folders(src_tree, inside):
    dst = src_tree / 'copy' if inside == 'dst_in_src' else src_tree
    proc = run_tool([sys.executable, TOOL, str(src_tree), str(dst)])
    assert proc.returncode == 2
    assert 'overlaps SRC_DIR' in proc.stderr
    assert not (src_tree / 'copy').exists()


@pytest.mark.parametrize('faster', [True, False])
def test_a_copy_that_is_not_faster_keeps_the_original_bytes(
        src_tree, tmp_path, monkeypatch, capsys, faster):
    """The copy is timed against its original: a slower copy is replaced by
    the original bytes, named in the summary; a faster one is kept."""
    tool = _tool()
    calls = []

    def timed(original, copy):
        calls.append((Path(original).name, Path(copy).name))
        return faster, 1.4 if faster else 0.65

    monkeypatch.setattr(tool, 'copy_is_faster', timed)
    dst = tmp_path / 'copy'
    assert tool.main([str(src_tree), str(dst), '--workers', '1']) == 0
    out = capsys.readouterr().out
    assert len(calls) == 3 and all(c[1].startswith('.part-') for c in calls)
    for rel in ('waving/a.mp4', 'running hard/b c.avi', 'waving/talk.mp4'):
        same = (dst / rel).read_bytes() == (src_tree / rel).read_bytes()
        assert same is not faster, rel
    if faster:
        assert '3 written, 0 kept as the original bytes' in out
    else:
        assert '0 written, 3 kept as the original bytes' in out
        assert 'kept original: ' in out and '0.65x as fast' in out
    assert not list(dst.rglob('.part-*'))


def test_decode_seconds_times_a_real_decode(src_tree):
    """The timing decodes the file (positive, finite) and fails on a file
    that is not a video, so a broken copy is never judged faster."""
    tool = _tool()
    seconds = tool.decode_seconds(str(src_tree / 'waving' / 'a.mp4'),
                                  repeats=1)
    assert 0 < seconds < 60
    bad = src_tree / 'bad.mp4'
    bad.write_bytes(b'not a video')
    with pytest.raises(Exception):
        tool.decode_seconds(str(bad), repeats=1)
