"""Unreadable videos: named when they fail, counted when they are skipped.

A video that opens but breaks while decoding is made by writing a good
mp4 and overwriting the middle of its ``mdat`` payload (the frame data) with
random bytes: decord then opens it and fails in ``get_batch``. (Cutting the
file short instead makes decord fail already when it opens it, since it
reads the whole index at open; that case is the 'corrupt' one of
tests/test_datasets.py.)
"""
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.dataset import pseudo_collate

from conftest import run_tool
from mmvlprompt.datasets import write_video
from mmvlprompt.worlds import render_pool_video

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def damage_frames(src: Path, dst: Path, seed: int = 0) -> Path:
    """Copy ``src`` with the middle third of its frame data randomised."""
    data = bytearray(src.read_bytes())
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack('>I4s', data[pos:pos + 8])
        if kind == b'mdat':
            start, end = pos + 8, pos + size
            break
        pos += size
    else:
        raise AssertionError(f'no mdat box in {src}')
    third = (end - start) // 3
    data[start + third:start + 2 * third] = np.random.default_rng(
        seed).integers(0, 256, third, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))
    return dst


@pytest.fixture(scope='module')
def bad_videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp('bad_videos')
    good = folder / 'good.mp4'
    # a world v2 video of 'a red square' (world A's class 0)
    write_video(good, render_pool_video('world_a_test', 0, 0, 16, 32, 0))
    return dict(folder=folder, good=good,
                damaged=damage_frames(good, folder / 'damaged.mp4'))


def _decode(path, on_error='raise'):
    pipeline = [TRANSFORMS.build(dict(type='CheckedDecordInit')),
                TRANSFORMS.build(dict(type='UniformSample', clip_len=16,
                                      test_mode=True)),
                TRANSFORMS.build(dict(type='CheckedDecordDecode',
                                      on_error=on_error))]
    results = dict(filename=str(path), start_index=0)
    for transform in pipeline:
        out = transform(results)
        if out is None:
            return None, results
        results = out
    return results, results


def test_damaged_video_opens_then_fails_to_decode(bad_videos):
    """The damaged file opens with 16 frames; decoding it fails, and the
    checked transform names the file (decord's own error does not)."""
    opened = TRANSFORMS.build(dict(type='CheckedDecordInit'))(
        dict(filename=str(bad_videos['damaged']), start_index=0))
    assert opened['total_frames'] == 16
    good, _ = _decode(bad_videos['good'])
    assert len(good['imgs']) == 16 and good['imgs'][0].shape == (32, 32, 3)
    with pytest.raises(RuntimeError, match=r"cannot decode video .*"
                       r"damaged\.mp4") as info:
        _decode(bad_videos['damaged'])
    assert 'damaged.mp4' not in str(info.value.__cause__)


def test_damaged_video_skip_mode_keeps_the_reason(bad_videos):
    """on_error='skip' returns None and leaves the reason in the results."""
    out, results = _decode(bad_videos['damaged'], on_error='skip')
    assert out is None
    assert 'damaged.mp4' in results['video_error']
    assert results['video_error'].startswith('cannot decode video')
    with pytest.raises(ValueError, match=r"CheckedDecordDecode.on_error='x'"):
        TRANSFORMS.build(dict(type='CheckedDecordDecode', on_error='x'))


def _train_dataset(ann, folder):
    pipeline = [dict(type='CheckedDecordInit', on_error='skip'),
                dict(type='UniformSample', clip_len=4),
                dict(type='CheckedDecordDecode', on_error='skip'),
                dict(type='FormatShape', input_format='NCHW'),
                dict(type='PackActionInputs')]
    return DATASETS.build(dict(type='CheckedVideoDataset', ann_file=str(ann),
                               data_prefix=dict(video=str(folder)),
                               pipeline=pipeline))


@pytest.fixture(scope='module')
def mixed_ann(bad_videos):
    """2 good entries (label 0 and 3), then a missing and a damaged one."""
    ann = bad_videos['folder'] / 'mixed.txt'
    ann.write_text('good.mp4 0\ngood.mp4 3\nmissing.mp4 1\ndamaged.mp4 2\n')
    return ann


def test_dataset_reports_skips_with_the_annotation_line(bad_videos,
                                                        mixed_ann):
    """A failed load comes back with the sample that replaced it, naming
    the video, ann_file:line and the reason."""
    dataset = _train_dataset(mixed_ann, bad_videos['folder'])
    np.random.seed(0)
    sample = dataset[2]  # missing.mp4, replaced by a readable one
    assert int(sample['data_samples'].gt_label) in (0, 3)
    records = sample['data_samples'].metainfo['skipped_videos']
    assert records[0][0].endswith('missing.mp4')
    assert records[0][1] == f'{mixed_ann}:3'
    assert 'cannot open video' in records[0][2]
    for video, where, reason in records:  # re-draws may fail again
        assert (video.endswith('missing.mp4') and where.endswith(':3')) or \
            (video.endswith('damaged.mp4') and where.endswith(':4')
             and 'cannot decode video' in reason)
    assert 'skipped_videos' not in dataset[0]['data_samples'].metainfo


def test_all_loads_failing_is_a_clear_error(bad_videos, tmp_path):
    """A wrong data root: every load fails, the dataset says so."""
    dataset = _train_dataset(bad_videos['folder'] / 'mixed.txt',
                             tmp_path / 'no_such_root')
    dataset.max_refetch = 5
    with pytest.raises(RuntimeError, match=r'6 video loads in a row failed'
                       r'.*data_prefix.video=.*no_such_root'):
        dataset[0]


@pytest.mark.parametrize('num_workers', [0, 2])
def test_skips_come_back_from_worker_processes(bad_videos, mixed_ann,
                                               num_workers):
    """With worker processes the records still reach the trainer: an epoch
    over the 4 entries reports both broken ones, with their lines."""
    dataset = _train_dataset(mixed_ann, bad_videos['folder'])
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=2, num_workers=num_workers,
        collate_fn=pseudo_collate)
    seen, served = [], 0
    for batch in loader:
        served += len(batch['data_samples'])
        for sample in batch['data_samples']:
            seen += list(sample.metainfo.get('skipped_videos', ()))
    assert served == 4
    where = {Path(video).name: line for video, line, _ in seen}
    assert where == {'missing.mp4': f'{mixed_ann}:3',
                     'damaged.mp4': f'{mixed_ann}:4'}
    assert len(seen) >= 2


def _python(*args):
    return [sys.executable, *map(str, args)]


def _broken_train_list(synthetic_data, tmp_path):
    """The 12 synthetic training clips plus a damaged and a missing one."""
    videos = synthetic_data['root'] / 'videos'
    damaged = damage_frames(next(videos.glob('b2n_train/*.mp4')),
                            tmp_path / 'damaged_clip.mp4')
    ann = tmp_path / 'train_with_broken.txt'
    lines = synthetic_data['train'].read_text().splitlines()
    lines += [f'{damaged} 1', 'missing_clip.mp4 2']
    ann.write_text('\n'.join(lines) + '\n')
    return ann, len(lines)


@pytest.mark.slow
def test_training_counts_and_logs_skipped_videos(synthetic_data, tmp_path):
    """2 epochs with 2 worker processes and max_fraction=0.5: each broken
    file is logged once with its line, every epoch reports its count, the
    final log the total."""
    ann, n_lines = _broken_train_list(synthetic_data, tmp_path)
    proc = run_tool(_python(
        'tools/train.py', CONFIG, '--work-dir', tmp_path / 'work',
        '--no-validate', '--cfg-options',
        f'train_dataloader.dataset.ann_file={ann}',
        'train_dataloader.num_workers=2',
        'custom_hooks.0.max_fraction=0.5'),
        env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])})
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    logged = re.findall(r'skipped unreadable video (\S+) \((\S+)\)', log)
    assert sorted((Path(v).name, w) for v, w in logged) == sorted([
        ('damaged_clip.mp4', f'{ann}:{n_lines - 1}'),
        ('missing_clip.mp4', f'{ann}:{n_lines}')]), log[-4000:]
    epochs = re.findall(r'Skipped videos in epoch (\d): (\d+) of (\d+) loads',
                        log)
    assert [e[0] for e in epochs] == ['1', '2'], log[-4000:]
    for _, failed, total in epochs:
        # each epoch visits both broken entries at least once
        assert int(failed) >= 2
        assert int(total) - int(failed) == n_lines
    total = re.search(r'Skipped videos over the run: (\d+) of (\d+) loads',
                      log)
    assert total and int(total.group(1)) == sum(int(e[1]) for e in epochs)
    assert (tmp_path / 'work' / 'epoch_2.pth').is_file()


@pytest.mark.slow
def test_training_stops_above_the_default_limit(synthetic_data, tmp_path):
    """With the default 1 % limit, 2 broken of 14 stops the run in epoch 1
    with a clear message, before any checkpoint is written."""
    ann, _ = _broken_train_list(synthetic_data, tmp_path)
    proc = run_tool(_python(
        'tools/train.py', CONFIG, '--work-dir', tmp_path / 'work',
        '--no-validate', '--cfg-options',
        f'train_dataloader.dataset.ann_file={ann}'),
        env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])})
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-4000:]
    assert re.search(r'Stopping: \d+ of \d+ video loads failed .*more than '
                     r'SkippedVideoHook.max_fraction=0.01', log), log[-4000:]
    assert 'Epoch(train) [2]' not in log
    assert not list((tmp_path / 'work').glob('*.pth'))


def _hook_rank(rank, store, out_dir):
    """One of 2 gloo ranks: rank r trains 3 samples and skips r+1 loads."""
    import json
    from types import SimpleNamespace

    import torch.distributed as dist

    import mmvlprompt  # noqa: F401  (registers the hook)
    from mmaction.registry import HOOKS
    from mmaction.structures import ActionDataSample
    dist.init_process_group('gloo', init_method=f'file://{store}', rank=rank,
                            world_size=2)
    messages = []
    logger = SimpleNamespace(warning=messages.append, info=messages.append)
    loader = SimpleNamespace(sampler=list(range(3)), dataset=list(range(6)))
    runner = SimpleNamespace(logger=logger, epoch=0, iter=0, world_size=2,
                             train_dataloader=loader)
    hook = HOOKS.build(dict(type='SkippedVideoHook', max_fraction=0.5))
    hook.before_train_epoch(runner)
    samples = [ActionDataSample() for _ in range(3)]
    samples[0].set_metainfo(dict(skipped_videos=tuple(
        (f'rank{rank}_{i}.mp4', f'ann.txt:{10 * rank + i}', 'broken')
        for i in range(rank + 1))))
    hook.after_train_iter(runner, 0, dict(data_samples=samples))
    hook.after_train_epoch(runner)
    hook.after_run(runner)
    (out_dir / f'rank{rank}.json').write_text(json.dumps(messages))
    dist.destroy_process_group()


@pytest.mark.slow
def test_skip_counts_are_summed_over_ranks(tmp_path):
    """Under DDP the epoch count is the sum over ranks, and rank 0 logs the
    files the other rank skipped (2 gloo processes on CPU)."""
    import json
    import torch.multiprocessing as mp
    mp.spawn(_hook_rank, args=(str(tmp_path / 'store'), tmp_path), nprocs=2,
             join=True)
    logs = [json.loads((tmp_path / f'rank{r}.json').read_text())
            for r in range(2)]
    for messages in logs:  # both ranks agree on the totals
        assert 'Skipped videos in epoch 1: 3 of 9 loads failed (33.33%, ' \
            'limit 50%).' in messages, messages
        assert any(m.startswith('Skipped videos over the run: 3 of 9 loads')
                   for m in messages), messages
    skipped0 = sorted(m.split()[3] for m in logs[0]
                      if m.startswith('skipped unreadable video'))
    assert skipped0 == ['rank0_0.mp4', 'rank1_0.mp4', 'rank1_1.mp4']
    assert any('rank1_1.mp4 (ann.txt:11) (on rank 1): broken' in m
               for m in logs[0])
