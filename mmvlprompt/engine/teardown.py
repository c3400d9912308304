"""Clean end of a run: dataloader workers, then the process group.

A distributed process that reaches interpreter exit with a live process group
leaves the tear-down of gloo's background threads and of the rendezvous
store to the C++ destructors, in whatever order the interpreter finalises
them. On CPU (gloo, 2 ranks) this occasionally killed rank 1 after training
had finished with ``terminate called without an active exception``
(SIGABRT), typically when rank 0, which hosts the store, exited first.
:class:`RunSession` ends every run explicitly instead: it stops the dataloader
workers, waits for all ranks at a barrier (on success only: after an error
the other ranks may never arrive) and destroys the process group.
"""
import logging
from typing import Callable, Optional

import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner


def shutdown_dataloader_workers(runner: Optional[Runner]) -> int:
    """Stop the worker processes of every dataloader the runner built.

    Loops that were never built (still config dicts) are skipped. Workers of
    ``persistent_workers=True`` loaders otherwise live until interpreter
    exit.

    Returns:
        int: How many dataloader iterators were shut down.
    """
    from mmengine.runner import BaseLoop
    if runner is None:
        return 0
    closed = 0
    for name in ('_train_loop', '_val_loop', '_test_loop'):
        loop = getattr(runner, name, None)
        if not isinstance(loop, BaseLoop):
            continue
        loader = getattr(loop, 'dataloader', None)
        iterator = getattr(loader, '_iterator', None)
        if iterator is None:
            continue
        shutdown = getattr(iterator, '_shutdown_workers', None)
        if shutdown is not None:  # multi-process iterators only
            shutdown()
            closed += 1
        loader._iterator = None
    return closed


def destroy_process_group(wait_for_others: bool) -> bool:
    """Destroy the default process group if one is initialised.

    Args:
        wait_for_others: Meet the other ranks at a barrier first, so that no
            rank (in particular rank 0, which hosts the store) leaves while
            another still talks to it. Pass False after an error.

    Returns:
        bool: True if a process group was destroyed.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return False
    if wait_for_others:
        dist.barrier()
    dist.destroy_process_group()
    return True


class RunSession:
    """Build a Runner and always end the run cleanly.

    ``with RunSession(cfg, build) as runner: runner.train()`` builds the
    runner with ``build(cfg)`` and, when the block ends (normally or by an
    exception), shuts down the dataloader workers and the process group.
    The process group is torn down even if building the runner fails, since
    the CPU launcher initialises it before the build.

    Args:
        cfg: The run config.
        build: Function that turns ``cfg`` into a Runner.
    """

    def __init__(self, cfg: Config, build: Callable[[Config], Runner]):
        self.cfg = cfg
        self.build = build
        self.runner: Optional[Runner] = None

    def __enter__(self) -> Runner:
        try:
            self.runner = self.build(self.cfg)
        except BaseException:
            self.close(ok=False)
            raise
        return self.runner

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.close(ok=exc_type is None)
        return False  # never swallow the error

    def close(self, ok: bool) -> None:
        """Stop dataloader workers and destroy the process group.

        Args:
            ok: Whether the run succeeded; only then do the ranks wait for
                each other before the process group goes away.
        """
        try:
            shutdown_dataloader_workers(self.runner)
        finally:
            try:
                destroy_process_group(wait_for_others=ok)
            except Exception as err:  # never hide the run's own error
                if ok:
                    raise
                print_log(f'process group tear-down after an error failed: '
                          f'{err}', logger='current', level=logging.WARNING)
