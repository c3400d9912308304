"""SkippedVideoHook in one process: the limit's boundary, windows under
iteration-based loops, and counts that survive a resume.

The hook is driven directly with stand-in runners; the end-to-end runs
(worker processes, DDP) are in tests/test_bad_videos.py.
"""
from types import SimpleNamespace

import pytest
from mmaction.registry import HOOKS
from mmaction.structures import ActionDataSample
from mmengine.runner import IterBasedTrainLoop


class _Loader:
    """A train dataloader stand-in: ``len()`` batches over ``sampler``."""

    def __init__(self, num_samples: int, batch_size: int):
        self.sampler = list(range(num_samples))
        self.dataset = self.sampler
        self.batches = -(-num_samples // batch_size)

    def __len__(self):
        return self.batches


def _runner(num_samples=10, batch_size=10, iter_based=False, hooks=()):
    messages = []
    logger = SimpleNamespace(warning=messages.append, info=messages.append)
    loop = IterBasedTrainLoop.__new__(IterBasedTrainLoop) if iter_based \
        else SimpleNamespace()
    return SimpleNamespace(logger=logger, epoch=0, iter=0, world_size=1,
                           train_dataloader=_Loader(num_samples, batch_size),
                           train_loop=loop, hooks=list(hooks),
                           messages=messages)


def _batch(size: int, failures: int, tag: str = 'v'):
    """``size`` samples; the first carries ``failures`` skipped loads."""
    samples = [ActionDataSample() for _ in range(size)]
    if failures:
        samples[0].set_metainfo(dict(skipped_videos=tuple(
            (f'{tag}{i}.mp4', f'ann.txt:{i + 1}', 'broken')
            for i in range(failures))))
    return dict(data_samples=samples)


def _epoch(hook, runner, batches):
    """One epoch of ``(size, failures)`` batches, as EpochBasedTrainLoop."""
    hook.before_train_epoch(runner)
    for idx, (size, failures) in enumerate(batches):
        hook.after_train_iter(runner, idx,
                              _batch(size, failures, f'e{runner.epoch}_'))
        runner.iter += 1
    hook.after_train_epoch(runner)
    runner.epoch += 1


@pytest.mark.parametrize('max_fraction, batches', [
    (0.0, [(5, 0), (5, 0)]),  # no failure at max_fraction=0: clean epoch
    (0.5, [(5, 5)]),          # 5 failed of 10 loads == 0.5: tolerated
    (0.25, [(6, 2)]),         # 2 of 8 == 0.25
])
def test_fraction_equal_to_the_limit_does_not_stop(max_fraction, batches):
    hook = HOOKS.build(dict(type='SkippedVideoHook',
                            max_fraction=max_fraction))
    runner = _runner(num_samples=sum(s for s, _ in batches),
                     batch_size=batches[0][0])
    _epoch(hook, runner, batches)
    failed = sum(f for _, f in batches)
    total = failed + sum(s for s, _ in batches)
    assert f'Skipped videos in epoch 1: {failed} of {total} loads failed ' \
        f'({100 * failed / total:.2f}%, limit {100 * max_fraction:g}%).' \
        in runner.messages


@pytest.mark.parametrize('max_fraction, batches', [
    (0.0, [(5, 0), (5, 1)]),  # one failure is above 0
    (0.5, [(4, 5)]),          # 5 of 9 > 0.5 (at the end of the epoch)
])
def test_fraction_above_the_limit_stops(max_fraction, batches):
    hook = HOOKS.build(dict(type='SkippedVideoHook',
                            max_fraction=max_fraction))
    runner = _runner(num_samples=10, batch_size=5)
    with pytest.raises(RuntimeError, match='more than SkippedVideoHook.'
                       f'max_fraction={max_fraction:g}'):
        _epoch(hook, runner, batches)


def test_iteration_based_loop_reports_per_window_and_at_the_end():
    """IterBasedTrainLoop is one long epoch: the hook reports every
    `interval` iterations, then the rest when training ends."""
    hook = HOOKS.build(dict(type='SkippedVideoHook', max_fraction=0.5,
                            interval=2))
    runner = _runner(num_samples=8, batch_size=4, iter_based=True)
    hook.before_train(runner)
    hook.before_train_epoch(runner)  # once, as IterBasedTrainLoop does
    for i, failures in enumerate([1, 0, 2, 0, 1]):
        hook.after_train_iter(runner, i, _batch(4, failures, f'i{i}_'))
        runner.iter += 1
    hook.after_train_epoch(runner)
    hook.after_run(runner)
    reports = [m for m in runner.messages if m.startswith('Skipped videos')]
    assert reports == [
        'Skipped videos in iterations 1-2: 1 of 9 loads failed (11.11%, '
        'limit 50%).',
        'Skipped videos in iterations 3-4: 2 of 10 loads failed (20.00%, '
        'limit 50%).',
        'Skipped videos in iterations 5-5: 1 of 5 loads failed (20.00%, '
        'limit 50%).',
        'Skipped videos over the run: 4 of 24 loads failed (16.67%), '
        '4 distinct file(s).']


def test_iteration_based_window_default_and_checkpoints():
    """Default window: one pass over the data (len(train_dataloader));
    a window also closes where an iteration checkpoint is saved."""
    ckpt = type('CheckpointHook', (), {})()
    ckpt.by_epoch, ckpt.interval = False, 3
    hook = HOOKS.build(dict(type='SkippedVideoHook', max_fraction=0.5))
    runner = _runner(num_samples=8, batch_size=4, iter_based=True,
                     hooks=[ckpt])  # 2 iterations per pass
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    for i in range(4):
        hook.after_train_iter(runner, i, _batch(4, 0))
        runner.iter += 1
    windows = [m.split(':')[0] for m in runner.messages]
    assert windows == ['Skipped videos in iterations 1-2',
                       'Skipped videos in iterations 3-3',
                       'Skipped videos in iterations 4-4']


def test_counts_survive_a_resume():
    """The run's counts and logged files go into the checkpoint; a resumed
    run reports the whole run, and does not log a known file again."""
    hook = HOOKS.build(dict(type='SkippedVideoHook', max_fraction=0.5))
    runner = _runner(num_samples=10, batch_size=5)
    hook.before_train(runner)
    _epoch(hook, runner, [(5, 2), (5, 0)])
    checkpoint = {'meta': {'epoch': 1}}
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint['skipped_videos'] == dict(
        failed=2, trained=10, files=['e0_0.mp4', 'e0_1.mp4'])

    resumed = HOOKS.build(dict(type='SkippedVideoHook', max_fraction=0.5))
    runner2 = _runner(num_samples=10, batch_size=5)
    runner2.epoch, runner2.iter = 1, 2
    resumed.after_load_checkpoint(runner2, checkpoint)
    resumed.before_train(runner2)
    runner2.epoch = 0  # the next epoch skips the same files: not relogged
    _epoch(resumed, runner2, [(5, 1), (5, 0)])
    resumed.after_run(runner2)
    assert not any(m.startswith('skipped unreadable') for m in
                   runner2.messages)
    assert 'Skipped videos before the resume: 2 of 12 loads failed.' in \
        runner2.messages
    assert 'Skipped videos over the run: 3 of 23 loads failed (13.04%), ' \
        '2 distinct file(s).' in runner2.messages


def test_load_from_does_not_continue_the_counts():
    """load_from (fine-tuning, iteration 0) starts counting afresh."""
    hook = HOOKS.build(dict(type='SkippedVideoHook'))
    runner = _runner()
    hook.after_load_checkpoint(runner, {'skipped_videos': dict(
        failed=7, trained=100, files=['x.mp4'])})
    hook.before_train(runner)
    hook.after_run(runner)
    assert runner.messages == []


def test_interval_is_validated():
    with pytest.raises(ValueError, match=r'SkippedVideoHook.interval=0'):
        HOOKS.build(dict(type='SkippedVideoHook', interval=0))
