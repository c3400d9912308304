"""Count the training videos that could not be read; stop if too many."""
from typing import Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, all_reduce, get_rank
from mmengine.hooks import Hook

SKIPPED_KEY = 'skipped_videos'  # set by CheckedVideoDataset


@HOOKS.register_module()
class SkippedVideoHook(Hook):
    """Log every skipped training video once, count them, enforce a limit.

    :class:`~mmvlprompt.datasets.CheckedVideoDataset` returns, with each
    sample, the loads it had to skip before it found a readable video
    (``(video, ann_file:line, reason)`` in the data sample's metainfo
    ``skipped_videos``). Because the records travel with the batch, this
    hook, in the trainer process, sees them whatever ``num_workers`` is.
    Under DDP each rank counts its own and the per-epoch totals are summed
    over ranks (``all_reduce``); rank 0 also logs the files the other ranks
    skipped.

    The failure fraction is ``failed loads / (failed loads + samples
    trained)``. It is reported after every epoch (``Skipped videos in
    epoch E: ...``) and for the whole run when training ends. The run stops
    with a ``RuntimeError`` (before the epoch's checkpoint is written, the
    hook runs ahead of ``CheckpointHook``) when it exceeds
    ``max_fraction``; already during the epoch as soon as this rank's
    failures alone make exceeding it certain, so that a wrong data root
    does not train for an epoch on almost nothing.

    Args:
        max_fraction (float): Largest tolerated fraction in ``[0, 1]``.
            Default 0.01 (1 %).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, max_fraction: float = 0.01) -> None:
        if isinstance(max_fraction, bool) or \
                not isinstance(max_fraction, (int, float)) or \
                not 0 <= max_fraction <= 1:
            raise ValueError(f'SkippedVideoHook.max_fraction={max_fraction!r}'
                             ': expected a number in [0, 1].')
        self.max_fraction = float(max_fraction)
        self._logged = set()
        self._run_counts = [0, 0]  # failed, trained (all ranks)
        self._reset_epoch()

    def _reset_epoch(self) -> None:
        self._failed = 0
        self._trained = 0
        self._new = []  # records first seen on this rank in this epoch

    def before_train_epoch(self, runner) -> None:
        self._reset_epoch()

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
        # the most samples an epoch can train, over all ranks
        loader = runner.train_dataloader
        epoch_size = len(loader.sampler) * runner.world_size \
            if hasattr(loader.sampler, '__len__') else len(loader.dataset)
        if self._fraction(self._failed, epoch_size) > self.max_fraction:
            self._stop(runner, self._failed, self._failed + epoch_size,
                       f'so far on rank {get_rank()}')

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
        runner.logger.info(
            f'Skipped videos in epoch {runner.epoch + 1}: {failed} of '
            f'{failed + trained} loads failed '
            f'({100 * self._fraction(failed, trained):.2f}%, limit '
            f'{100 * self.max_fraction:g}%).')
        if self._fraction(failed, trained) > self.max_fraction:
            self._stop(runner, failed, failed + trained,
                       f'in epoch {runner.epoch + 1}')

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
