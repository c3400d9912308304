"""Stop (or skip) training steps whose loss or gradient is NaN or inf.

Without a check, a diverged run keeps training on NaN, logs ``loss: nan``
and saves checkpoints whose prompts are all NaN. :class:`NonFiniteCheckHook`
guards every optimizer step of the run instead:

* the loss given to ``optim_wrapper.backward`` and, after backward, every
  trainable gradient are checked before ``optim_wrapper.step``;
* a bad step is never applied: the gradients are dropped and the optimizer
  does not step;
* by default the run then stops with an error naming the iteration, every
  loss term and the learning rate; with ``skip_nonfinite=N`` up to N bad
  steps are skipped (with a warning each) and the next one stops the run;
* after every applied step the trainable parameters are checked, and no
  checkpoint is ever written while one of them is non-finite.

In a distributed run all ranks take the same decision (the flag is
all-reduced), so no rank steps while another skips.
"""
import logging
import math
from typing import Dict, Iterable, List, Optional, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmaction.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """Raised when training meets a NaN or inf loss, gradient or parameter."""


def _all_finite(tensors: Iterable[torch.Tensor]) -> bool:
    """True if every element of every tensor is finite (one sync)."""
    flags = [torch.isfinite(t).all() for t in tensors]
    return bool(torch.stack(flags).all()) if flags else True


def _nonfinite_names(named: Iterable[Tuple[str, torch.Tensor]]) -> List[str]:
    """Names of the tensors that hold a NaN or inf."""
    named = list(named)
    if _all_finite(t for _, t in named):
        return []
    return [n for n, t in named if not bool(torch.isfinite(t).all())]


def _format_value(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().float().mean().item()
    if isinstance(value, float) and math.isfinite(value):
        return f'{value:.6g}'
    return str(value)


def _list_names(names: List[str], limit: int = 5) -> str:
    shown = ', '.join(names[:limit])
    return shown + (f' and {len(names) - limit} more'
                    if len(names) > limit else '')


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Guard each optimizer step against NaN/inf losses and gradients.

    Args:
        skip_nonfinite (int): How many bad steps may be skipped (no update,
            gradients dropped) before the run stops. ``0`` (default) stops
            at the first one.
        check_grad (bool): Also check the gradients of the trainable
            parameters, not only the loss. Ignored for optimizer wrappers
            with a dynamic loss scaler (``AmpOptimWrapper``), whose scaler
            already skips overflowing fp16 steps. Defaults to True.
    """

    priority = 'VERY_HIGH'  # decide before loggers and checkpoints run

    def __init__(self, skip_nonfinite: int = 0, check_grad: bool = True):
        if isinstance(skip_nonfinite, bool) or \
                not isinstance(skip_nonfinite, int) or skip_nonfinite < 0:
            raise ValueError(
                f'NonFiniteCheckHook: skip_nonfinite={skip_nonfinite!r} must '
                'be an integer >= 0 (0 stops at the first NaN/inf step).')
        if not isinstance(check_grad, bool):
            raise ValueError(f'NonFiniteCheckHook: check_grad={check_grad!r} '
                             'must be True or False.')
        self.skip_nonfinite = skip_nonfinite
        self.check_grad = check_grad
        self.num_skipped = 0
        self._loss_bad = False
        self._bad_step: Optional[Dict] = None
        self._bad_params: List[str] = []

    # ------------------------------------------------------------------
    # guarding the optimizer wrapper(s)
    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Wrap ``backward`` and ``step`` of every optimizer wrapper."""
        wrappers = runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            wrappers = list(wrappers.values())
        else:
            wrappers = [wrappers]
        for wrapper in wrappers:
            self._guard(wrapper, runner)

    def _guard(self, wrapper, runner) -> None:
        if getattr(wrapper, '_nonfinite_guarded', False):
            return
        backward, step = wrapper.backward, wrapper.step
        # a dynamic loss scaler produces (and skips) inf grads by design
        check_grad = self.check_grad and \
            getattr(wrapper, 'loss_scaler', None) is None

        def guarded_backward(loss: torch.Tensor, **kwargs) -> None:
            if not _all_finite([loss.detach()]):
                self._loss_bad = True
            backward(loss, **kwargs)  # always: DDP ranks must stay in step

        def guarded_step(**kwargs) -> None:
            params = self._trainable(runner)
            bad_grads = _nonfinite_names(
                (n, p.grad) for n, p in params
                if p.grad is not None) if check_grad else []
            bad = self._agree(self._loss_bad or bool(bad_grads))
            loss_bad, self._loss_bad = self._loss_bad, False
            if bad:
                wrapper.zero_grad()
                self._bad_step = dict(loss_bad=loss_bad, grads=bad_grads)
                return
            step(**kwargs)
            self._bad_params = _nonfinite_names(params)

        wrapper.backward = guarded_backward
        wrapper.step = guarded_step
        wrapper._nonfinite_guarded = True

    @staticmethod
    def _agree(flag: bool) -> bool:
        """True on every rank if ``flag`` is True on any rank."""
        if get_world_size() == 1:
            return flag
        tensor = torch.tensor([float(flag)])
        all_reduce(tensor, op='max')
        return bool(tensor.item() > 0)

    @staticmethod
    def _trainable(runner) -> List[Tuple[str, torch.nn.Parameter]]:
        """Trainable parameters under their checkpoint names."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        return [(n, p) for n, p in model.named_parameters() if p.requires_grad]

    # ------------------------------------------------------------------
    # reporting and stopping
    # ------------------------------------------------------------------
    def _describe(self, runner, batch_idx: int, outputs) -> str:
        losses = ', '.join(f'{k}={_format_value(v)}'
                           for k, v in (outputs or {}).items()
                           if 'loss' in k) or 'no loss terms logged'
        lrs = []
        for values in runner.optim_wrapper.get_lr().values():
            lrs.extend(values)
        lr = ', '.join(sorted({f'{v:.6g}' for v in lrs})) or 'unknown'
        return (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, '
                f'batch {batch_idx + 1}): {losses}; lr={lr}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Skip or stop after a bad step; stop on non-finite parameters."""
        if self._bad_params:
            raise NonFiniteLossError(
                'Training stopped: the parameter update at '
                f'{self._describe(runner, batch_idx, outputs)} made '
                f'{_list_names(self._bad_params)} non-finite. Lower the '
                'learning rate or enable optim_wrapper.clip_grad.')
        if self._bad_step is None:
            return
        info, self._bad_step = self._bad_step, None
        what = 'loss' if info['loss_bad'] else 'gradient'
        detail = f'Non-finite {what} at {self._describe(runner, batch_idx, outputs)}'
        if info['grads']:
            detail += f'; non-finite gradients in {_list_names(info["grads"])}'
        self.num_skipped += 1
        if self.num_skipped > self.skip_nonfinite:
            raise NonFiniteLossError(
                f'Training stopped. {detail}. The step was not applied and '
                f'{self.num_skipped - 1} earlier bad step(s) were skipped '
                f'(limit skip_nonfinite={self.skip_nonfinite} of '
                'NonFiniteCheckHook in custom_hooks). Lower the learning '
                'rate or enable optim_wrapper.clip_grad.')
        print_log(f'{detail}. Step skipped ({self.num_skipped} of at most '
                  f'{self.skip_nonfinite}).', logger='current',
                  level=logging.WARNING)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to save a checkpoint with non-finite trainable weights."""
        state = checkpoint.get('state_dict', {})
        names = [n for n, _ in self._trainable(runner)]
        bad = _nonfinite_names((n, state[n]) for n in names if n in state)
        if bad:
            raise NonFiniteLossError(
                f'Refusing to save a checkpoint at iteration {runner.iter}: '
                f'trainable parameters {_list_names(bad)} are non-finite.')
