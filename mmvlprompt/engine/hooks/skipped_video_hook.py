"""Count the training videos that could not be read; stop if too many."""
from typing import Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, all_reduce, get_rank
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

SKIPPED_KEY = 'skipped_videos'  # set by CheckedVideoDataset
# checkpoint key of the run's counts, so that they survive --resume
CHECKPOINT_KEY = 'skipped_videos'


@HOOKS.register_module()
class SkippedVideoHook(Hook):
    """Log every skipped training video once, count them, enforce a limit.

    :class:`~mmvlprompt.datasets.CheckedVideoDataset` returns, with each
    sample, the loads it had to skip before it found a readable video
    (``(video, ann_file:line, reason)`` in the data sample's metainfo
    ``skipped_videos``). Because the records travel with the batch, this
    hook, in the trainer process, sees them whatever ``num_workers`` is.
    Under DDP each rank counts its own and the per-window totals are summed
    over ranks (``all_reduce``); rank 0 also logs the files the other ranks
    skipped.

    Counts are reported and checked per **window**: an epoch under an
    epoch-based loop (``Skipped videos in epoch E: ...``); under
    :class:`IterBasedTrainLoop` every ``interval`` iterations and before
    each iteration-based checkpoint (``Skipped videos in iterations
    A-B: ...``). The run's total is reported when training ends.

    The failure fraction is ``failed loads / (failed loads + samples
    trained)``. The run stops with a ``RuntimeError`` (before the window's
    checkpoint is written: the hook runs ahead of ``CheckpointHook``) when
    it exceeds ``max_fraction``; a fraction equal to ``max_fraction`` is
    tolerated. It stops already during a window as soon as this rank's
    failures alone make exceeding it certain, so that a wrong data root
    does not train for an epoch on almost nothing.

    The run's counts and the files already logged are stored in every
    checkpoint (key ``skipped_videos``) and restored by ``--resume``, so the
    final report covers the whole run, interrupted or not.

    Args:
        max_fraction (float): Largest tolerated fraction in ``[0, 1]``.
            Default 0.01 (1 %).
        interval (int, optional): Iterations per window under
            :class:`IterBasedTrainLoop`. Default ``None``: one pass over the
            training data (``len(train_dataloader)``). Ignored by
            epoch-based loops.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, max_fraction: float = 0.01,
                 interval: Optional[int] = None) -> None:
        if isinstance(max_fraction, bool) or \
                not isinstance(max_fraction, (int, float)) or \
                not 0 <= max_fraction <= 1:
            raise ValueError(f'SkippedVideoHook.max_fraction={max_fraction!r}'
                             ': expected a number in [0, 1].')
        if interval is not None and (isinstance(interval, bool) or
                                     not isinstance(interval, int) or
                                     interval < 1):
            raise ValueError(f'SkippedVideoHook.interval={interval!r}: '
                             'expected a positive int or None.')
        self.max_fraction = float(max_fraction)
        self.interval = interval
        self._logged = set()
        self._run_counts = [0, 0]  # failed, trained (all ranks)
        self._restored = None  # counts read from a checkpoint
        self._window_start = 0  # first iteration of the current window
        self._reset_window()

    def _reset_window(self) -> None:
        self._failed = 0
        self._trained = 0
        self._new = []  # records first seen on this rank in this window

    # ------------------------------------------------------------------
    # resume
    # ------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = dict(
            failed=self._run_counts[0], trained=self._run_counts[1],
            files=sorted(self._logged))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._restored = checkpoint.get(CHECKPOINT_KEY)

    def before_train(self, runner) -> None:
        # after_load_checkpoint also runs for load_from; only a resumed run
        # (one that does not start at iteration 0) continues the counts
        if self._restored is not None and runner.iter > 0:
            self._run_counts = [int(self._restored['failed']),
                                int(self._restored['trained'])]
            self._logged = set(self._restored['files'])
            runner.logger.info(
                f'Skipped videos before the resume: {self._run_counts[0]} of '
                f'{sum(self._run_counts)} loads failed.')
        self._restored = None
        self._window_start = runner.iter

    # ------------------------------------------------------------------
    # counting
    # ------------------------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        self._reset_window()
        self._window_start = runner.iter

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        samples = (data_batch or {}).get('data_samples') or []
        self._trained += len(samples)
        for sample in samples:
            records = sample.metainfo.get(SKIPPED_KEY, ()) \
                if hasattr(sample, 'metainfo') else ()
            self._failed += len(records)
            for record in records:
                self._log_once(runner, tuple(record))
        # the most samples a window can train, over all ranks
        loader = runner.train_dataloader
        epoch_size = len(loader.sampler) * runner.world_size \
            if hasattr(loader.sampler, '__len__') else len(loader.dataset)
        if self._iter_based(runner):
            window = self._window_iters(runner)
            epoch_size = max(epoch_size * window // max(len(loader), 1), 1)
        if self._fraction(self._failed, epoch_size) > self.max_fraction:
            self._stop(runner, self._failed, self._failed + epoch_size,
                       f'so far on rank {get_rank()}')
        if self._iter_based(runner) and self._window_ends(runner):
            self._close_window(runner, runner.iter + 1)

    @staticmethod
    def _iter_based(runner) -> bool:
        return isinstance(getattr(runner, 'train_loop', None),
                          IterBasedTrainLoop)

    def _window_iters(self, runner) -> int:
        return self.interval or max(len(runner.train_dataloader), 1)

    def _window_ends(self, runner) -> bool:
        """After this iteration: a window boundary, or a checkpoint that
        should hold the counts so far (same answer on every rank)."""
        done = runner.iter + 1
        if done % self._window_iters(runner) == 0:
            return True
        for hook in getattr(runner, 'hooks', ()):
            if type(hook).__name__ == 'CheckpointHook' and \
                    not hook.by_epoch and hook.interval > 0 and \
                    done % hook.interval == 0:
                return True
        return False

    def _log_once(self, runner, record: tuple, rank: Optional[int] = None):
        video, where, reason = record
        if video in self._logged:
            return
        self._logged.add(video)
        if rank is None:
            self._new.append(record)
        origin = '' if rank is None else f' (on rank {rank})'
        runner.logger.warning(f'skipped unreadable video {video} '
                              f'({where}){origin}: {reason}')

    @staticmethod
    def _fraction(failed: int, trained: int) -> float:
        total = failed + trained
        return failed / total if total else 0.0

    def after_train_epoch(self, runner) -> None:
        # the loop has counted the last iteration: runner.iter is done
        if not self._iter_based(runner) or runner.iter > self._window_start:
            self._close_window(runner, runner.iter)

    def _close_window(self, runner, done: int) -> None:
        """Sum the window over ranks, report it, enforce the limit.

        ``done`` is the number of iterations trained so far.
        """
        counts = torch.tensor([self._failed, self._trained],
                              dtype=torch.float64)
        all_reduce(counts)  # no-op without a process group
        failed, trained = (int(x) for x in counts.tolist())
        for rank, records in enumerate(all_gather_object(self._new)):
            if rank != get_rank():
                for record in records:
                    self._log_once(runner, tuple(record), rank)
        self._run_counts[0] += failed
        self._run_counts[1] += trained
        if self._iter_based(runner):
            when = f'in iterations {self._window_start + 1}-{done}'
            self._window_start = done
        else:
            when = f'in epoch {runner.epoch + 1}'
        self._reset_window()
        runner.logger.info(
            f'Skipped videos {when}: {failed} of {failed + trained} loads '
            f'failed ({100 * self._fraction(failed, trained):.2f}%, limit '
            f'{100 * self.max_fraction:g}%).')
        if self._fraction(failed, trained) > self.max_fraction:
            self._stop(runner, failed, failed + trained, when)

    def after_run(self, runner) -> None:
        failed, trained = self._run_counts
        if failed + trained == 0:
            return  # not a training run
        runner.logger.info(
            f'Skipped videos over the run: {failed} of {failed + trained} '
            f'loads failed ({100 * self._fraction(failed, trained):.2f}%), '
            f'{len(self._logged)} distinct file(s).')

    def _stop(self, runner, failed: int, total: int, when: str) -> None:
        listed = sorted(self._logged)[:5]
        raise RuntimeError(
            f'Stopping: {failed} of {total} video loads failed {when} '
            f'({100 * failed / total:.1f}%), more than '
            f'SkippedVideoHook.max_fraction={self.max_fraction:g}. Check the '
            'data root and annotation file of train_dataloader.dataset '
            f'(first unreadable: {listed}), or raise max_fraction in '
            'custom_hooks.')
