"""End to end on real camera videos: infer.py, the data tools, training and
testing through an outside config, and what the decoder is asked for.

The eight files (mp4 and avi, 240p to 1080p, 6 to 30 fps, 32 to 300 frames)
are not part of the repository. The tests read them from
``$MMVLP_REAL_VIDEOS``, else ``<repo>/../shared/real_videos``, else
``/work/shared/real_videos``, and skip when none exists. Damaged variants
are written to ``tmp_path``; the originals are only read.
"""
import contextlib
import importlib.util
import io
import json
import os
import shutil
import sys
from pathlib import Path

import decord
import numpy as np
import pytest
import torch

from conftest import REPO, run_tool
from test_plugin_external_config import DRIVER  # train, then val


def _find_root():
    for candidate in (os.environ.get('MMVLP_REAL_VIDEOS'),
                      REPO.parent / 'shared' / 'real_videos',
                      '/work/shared/real_videos'):
        if candidate and len(list(Path(candidate).glob('*.mp4'))) >= 6:
            return Path(candidate)
    return None


ROOT = _find_root()
pytestmark = pytest.mark.skipif(
    ROOT is None, reason='real videos not found (set MMVLP_REAL_VIDEOS to '
    'the folder of shared/real_videos)')
VIDEOS = sorted(p.name for p in ROOT.iterdir()
                if p.suffix in ('.mp4', '.avi')) if ROOT else []
ZS_CONFIG = 'configs/demo/zeroshot-clip_world_v2.py'
# class folders for the data tools (MMAction2's Kinetics folder style)
CLASSES = {'arm_wrestling': ['arm_wrestling_340x256_28fps.mp4',
                             'two_people_1920x1080_28fps.mp4'],
           'street_scene': ['street_426x240_30fps.mp4',
                            'scene_340x256_6fps.mp4'],
           'indoors': ['indoor_1920x1080_30fps.avi',
                       'clip_320x240_25fps.avi', 'clip_340x256_30fps.mp4',
                       'short_340x256_32frames.mp4']}
TRUNCATED = 'indoors/clip_340x256_30fps_truncated.mp4'


def _tool(relpath):
    spec = importlib.util.spec_from_file_location(Path(relpath).stem,
                                                  REPO / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def damage_middle(src: Path, dst: Path, seed: int = 0) -> Path:
    """Copy ``src`` with its middle fifth overwritten by random bytes: the
    container opens, decoding fails half way (a damaged download)."""
    data = bytearray(src.read_bytes())
    a, b = int(len(data) * 0.4), int(len(data) * 0.6)
    data[a:b] = np.random.default_rng(seed).integers(
        0, 256, b - a, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))
    return dst


@pytest.fixture(scope='module')
def zs_checkpoint(tmp_path_factory):
    """The demo's zero-shot recognizer (committed tiny CLIP) as a .pth."""
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')  # module fixtures run before conftest's
    cfg = Config.fromfile(str(REPO / ZS_CONFIG))
    cfg.model.clip.pretrained = str(REPO / cfg.model.clip.pretrained)
    cfg.model.cls_head.class_names = cfg.model.cls_head.test_class_names = \
        ['unused']
    path = tmp_path_factory.mktemp('zs') / 'zs.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, path)
    return path


@pytest.mark.slow
def test_infer_scores_and_writes_every_real_file_and_reports_damaged(
        tmp_path, zs_checkpoint):
    """One folder run: every real file is scored with 2 clips and written
    with its frame count and fps; a copy damaged in the middle, sorted
    before most of them, is reported by name and reason, the files after
    it are still scored, and the run exits 1 at the end."""
    folder = tmp_path / 'in'
    folder.mkdir()
    for name in VIDEOS:
        shutil.copy(ROOT / name, folder / name)
    damage_middle(ROOT / 'short_340x256_32frames.mp4',
                  folder / 'b_damaged.mp4')
    out = tmp_path / 'out'
    proc = run_tool([sys.executable, 'tools/infer.py', ZS_CONFIG,
                     str(zs_checkpoint), str(folder), '--classes',
                     'people arm wrestling,a street,a room', '--topk', '2',
                     '--num-clips', '2', '--out', str(out)])
    log = proc.stdout + proc.stderr
    assert proc.returncode == 1, log[-4000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-4000:]
    bad = [ln for ln in proc.stdout.splitlines() if 'FAILED' in ln]
    assert len(bad) == 1 and 'b_damaged.mp4' in bad[0], log[-4000:]
    assert 'Error sending packet' in bad[0] and 'not scored or written' \
        in bad[0], bad
    assert '1 of 9 video(s) failed' in proc.stderr
    assert 'b_damaged.mp4' in proc.stderr.split('video(s) failed')[1]
    assert not (out / 'b_damaged_pred.mp4').exists()
    for name in VIDEOS:
        src = decord.VideoReader(str(ROOT / name))
        line = next(ln for ln in proc.stdout.splitlines()
                    if ln.startswith(str(folder / name) + ':'))
        assert f'{len(src)} frames; sampled 2 clip(s) x 8 frames' in line
        assert line.count(',') == 15, line  # 16 indices
        written = decord.VideoReader(str(out / (Path(name).stem +
                                                '_pred.mp4')))
        assert len(written) == len(src), name
        assert written.get_avg_fps() == pytest.approx(src.get_avg_fps(),
                                                      rel=1e-3), name
        assert written[len(written) - 1].shape[0] >= 240, name  # decodes


@pytest.fixture(scope='module')
def class_tree(tmp_path_factory):
    """``class/video`` copies of the real files, a truncated one added, and
    the data tools' label map, file list and verified list."""
    root = tmp_path_factory.mktemp('real_tree')
    videos = root / 'videos'
    for cls, names in CLASSES.items():
        (videos / cls).mkdir(parents=True)
        for name in names:
            shutil.copy(ROOT / name, videos / cls / name)
    data = (ROOT / 'clip_340x256_30fps.mp4').read_bytes()
    (videos / TRUNCATED).write_bytes(data[:len(data) // 2])
    label_map, ann = root / 'label_map.txt', root / 'train_list.txt'
    verified = root / 'train_list_verified.txt'
    logs = []
    for tool, argv in (
            ('build_label_map', ['tree', str(videos), '-o', str(label_map)]),
            ('build_file_list', ['tree', str(videos), '--label-map',
                                 str(label_map), '-o', str(ann)]),
            ('verify_videos', [str(ann), '--root', str(videos),
                               '--workers', '2'])):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = _tool(f'tools/data/{tool}.py').main(argv)
        logs.append((status, out.getvalue()))
    return dict(root=root, videos=videos, label_map=label_map, ann=ann,
                verified=verified, logs=logs)


def test_data_tools_on_a_class_tree_of_real_files(class_tree):
    """Sorted class folders become the label map, every file is listed
    with its folder's label, and verify_videos drops the truncated copy
    and nothing else."""
    for status, log in class_tree['logs']:
        assert status in (None, 0), log
    names = class_tree['label_map'].read_text().splitlines()
    assert names == sorted(CLASSES)
    listed = dict(line.rsplit(' ', 1) for line in
                  class_tree['ann'].read_text().splitlines())
    expected = {f'{cls}/{n}': str(names.index(cls))
                for cls, files in CLASSES.items() for n in files}
    expected[TRUNCATED] = str(names.index('indoors'))
    assert listed == expected
    report = class_tree['logs'][2][1]
    assert '9 videos: 8 ok, 0 missing, 1 corrupt' in report, report
    assert TRUNCATED in report.split('corrupt:')[1]
    kept = dict(line.rsplit(' ', 1) for line in
                class_tree['verified'].read_text().splitlines())
    del expected[TRUNCATED]
    assert kept == expected


CONFIG = '''
_base_ = ['mmaction::_base_/default_runtime.py']
custom_imports = dict(imports=['mmvlprompt'], allow_failed_imports=False)
videos, ann_file = {videos!r}, {ann!r}
model = dict(
    type='VLPromptRecognizer',
    clip=dict(arch='vlp-tiny', pretrained=None),
    backbone=dict(type='PromptedViT', num_frames=4),
    neck=dict(type='VLPromptLearner', num_text_tokens=6,
              num_vision_tokens=6, depth_text=1, depth_vision=1),
    cls_head=dict(type='PromptedTextHead', class_names={label_map!r},
                  topk=(1, 2)),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[122.8, 116.7, 104.1],
                           std=[68.5, 66.6, 70.3], format_shape='NCHW'))
train_pipeline = [
    dict(type='CheckedDecordInit', on_error='skip'),
    dict(type='UniformSample', clip_len=4, num_clips=1),
    dict(type='CheckedDecordDecode', on_error='skip'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(
    batch_size=3, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CheckedVideoDataset', ann_file=ann_file,
                 data_prefix=dict(video=videos), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CheckedVideoDataset', ann_file={test_ann!r},
                 data_prefix=dict(video=videos), pipeline=test_pipeline,
                 test_mode=True))
val_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 2))))
val_cfg = dict(type='ValLoop')
custom_hooks = [dict(type='SkippedVideoHook')]  # 1 % limit
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-2))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
'''


def _run_outside(tmp_path, class_tree, ann):
    outside = tmp_path / 'my_project'
    outside.mkdir(parents=True)
    config = outside / 'my_real_videos.py'
    config.write_text(CONFIG.format(
        videos=str(class_tree['videos']), ann=str(ann),
        test_ann=str(class_tree['verified']),
        label_map=str(class_tree['label_map'])))
    (outside / 'driver.py').write_text(DRIVER)
    return run_tool([sys.executable, 'driver.py', str(config),
                     str(tmp_path / 'work')], cwd=outside)


@pytest.mark.slow
def test_outside_config_stops_at_skip_limit_then_trains_on_verified_list(
        tmp_path, class_tree):
    """With the truncated copy in the list, 1 failed load in 10 (10 %) is
    over the 1 % limit and the run stops naming it; the verified list
    trains one epoch and is tested on the real files."""
    proc = _run_outside(tmp_path / 'raw', class_tree, class_tree['ann'])
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert 'SkippedVideoHook.max_fraction=0.01' in log, log[-3000:]
    assert 'clip_340x256_30fps_truncated.mp4' in log, log[-3000:]
    assert not (tmp_path / 'raw' / 'work' / 'epoch_1.pth').exists()

    proc = _run_outside(tmp_path / 'clean', class_tree,
                        class_tree['verified'])
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    result = json.loads(next(ln for ln in proc.stdout.splitlines()
                             if ln.startswith('RESULT '))[7:])
    assert result['epoch'] == 1, result
    assert result['plugin_file'].startswith(str(REPO)), result
    assert 0 <= result['metrics']['acc/top1'] <= 1, result
    assert 'Skipped videos in epoch 1: 0 of 8 loads failed' in log
    ckpt = torch.load(str(tmp_path / 'clean' / 'work' / 'epoch_1.pth'),
                      map_location='cpu')
    assert ckpt['meta']['iter'] == 3  # 8 clips, batch 3


class CountingReader(decord.VideoReader):
    """decord's reader, recording every batch of frames it decodes."""

    calls = []

    def get_batch(self, indices):
        frames = super().get_batch(indices)
        CountingReader.calls.append(('get_batch', list(indices),
                                     frames.shape[0]))
        return frames

    def __getitem__(self, idx):
        CountingReader.calls.append(('getitem', idx, 1))
        return super().__getitem__(idx)


@pytest.mark.parametrize('num_clips', [1, 3])
def test_long_video_decodes_k_times_t_frames(monkeypatch, zs_checkpoint,
                                             num_clips):
    """``--num-clips K`` on a 300-frame video asks decord for exactly K x T
    distinct frames, in one sorted batch, clip k inside segment k."""
    infer = _tool('tools/infer.py')
    args = infer.parse_args([ZS_CONFIG, str(zs_checkpoint),
                             str(ROOT / 'clip_340x256_30fps.mp4'),
                             '--classes', 'a,b'])
    cfg, model = infer.build_model(args, ['a street', 'a room'])
    pipeline = infer.post_decode_pipeline(cfg)
    CountingReader.calls = []
    monkeypatch.setattr(decord, 'VideoReader', CountingReader)
    probs, inds, length = infer.predict_video(
        str(ROOT / 'clip_340x256_30fps.mp4'), model, pipeline, 8, num_clips)
    assert length == 300 and probs.shape == (2,)
    assert len(CountingReader.calls) == 1, CountingReader.calls
    kind, asked, decoded = CountingReader.calls[0]
    assert kind == 'get_batch' and decoded == num_clips * 8
    assert asked == sorted(set(asked)) == inds.tolist()
    seg = 300 / num_clips
    for k in range(num_clips):
        clip = np.array(asked[8 * k:8 * k + 8])
        assert (clip >= k * seg).all() and (clip < (k + 1) * seg).all()


def test_checked_decode_reads_each_sampled_frame_once_in_order(monkeypatch):
    """Wrap-around indices (SampleFrames on a short video) are decoded once
    each, sorted, and returned in the sampler's order with repeats."""
    from mmvlprompt.datasets.transforms import CheckedDecordDecode
    path = str(ROOT / 'short_340x256_32frames.mp4')
    inds = np.array([10, 18, 26, 2, 10, 18, 26, 2])
    expected = decord.VideoReader(path).get_batch(list(inds)).asnumpy()
    CountingReader.calls = []
    reader = CountingReader(path, num_threads=1)
    out = CheckedDecordDecode().transform(dict(
        video_reader=reader, frame_inds=inds, filename=path))
    assert CountingReader.calls == [('get_batch', [2, 10, 18, 26], 4)]
    assert len(out['imgs']) == 8
    np.testing.assert_array_equal(np.stack(out['imgs']), expected)
