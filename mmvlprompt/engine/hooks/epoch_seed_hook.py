"""Reseed the random generators at every epoch start, for exact resumes."""
import random

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed ``random``, NumPy and torch with ``runner.seed + epoch``.

    A resumed run restores the model, optimizer, scheduler and epoch, but
    not the global random generators, which data augmentation
    (``RandomResizedCrop``, ``Flip``, the random frame offsets of
    ``UniformSample``) and the re-draw of skipped videos use. Without
    reseeding, a run resumed at epoch ``k`` draws other augmentations from
    epoch ``k + 1`` on than the uninterrupted run. With this hook the
    generators' state at each epoch start depends only on the seed and the
    epoch, so kill-and-resume at an epoch boundary reproduces the
    uninterrupted run exactly (on CPU, with ``--seed``). ``runner.seed``
    already includes the rank offset under ``diff_rank_seed``.

    Dataloader workers have their own generators, seeded by MMEngine's
    ``worker_init_fn`` with the same value whenever they start. Resumes are
    therefore exact with ``num_workers=0`` or non-persistent workers (new
    workers every epoch, in both runs). With ``persistent_workers=True``
    the workers' generators carry over from epoch to epoch in the
    uninterrupted run but restart in the resumed one, so augmentation after
    a resume differs (the training itself is unaffected otherwise); the
    hook warns about it when training starts. The K400 config therefore
    trains with ``persistent_workers=False``.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if getattr(loader, 'persistent_workers', False) and \
                getattr(loader, 'num_workers', 0) > 0:
            runner.logger.warning(
                'train_dataloader.persistent_workers=True: a run resumed '
                'with --resume will draw other augmentations than an '
                'uninterrupted one (the workers keep their random state '
                'across epochs). Set persistent_workers=False for exact '
                'resumes.')

    def before_train_epoch(self, runner) -> None:
        seed = (int(runner.seed) + int(runner.epoch)) % (2**32)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
