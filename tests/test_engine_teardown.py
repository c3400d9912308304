"""RunSession: dataloader workers stop and the process group goes away.

A real one-rank gloo process group (file store) is created and must be
destroyed by the session, after a barrier on success and without one after
an error. The end-to-end check, 2-process train and test with the tools,
is tests/test_tools_distributed.py and tools/analysis/repeat_dist_runs.sh.
"""
import pytest
import torch
import torch.distributed as dist
from mmengine.runner import BaseLoop
from torch.utils.data import DataLoader

from mmvlprompt.engine import RunSession, shutdown_dataloader_workers
from mmvlprompt.engine import teardown


@pytest.fixture
def process_group(tmp_path):
    """A one-rank gloo group; destroyed here if the test left it alive."""
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture
def barriers(monkeypatch):
    """Count barrier calls made by the tear-down."""
    calls = []
    real = dist.barrier

    def counting_barrier(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(teardown.dist, 'barrier', counting_barrier)
    return calls


class _Loop(BaseLoop):
    def run(self):  # pragma: no cover - never run
        pass


class _StubRunner:
    """What the tear-down reads from a Runner: its three loops."""

    def __init__(self, loader=None):
        self._train_loop = dict(type='EpochBasedTrainLoop')  # never built
        self._val_loop = None
        self._test_loop = _Loop(self, loader) if loader is not None else None


def test_success_waits_then_destroys_the_group(process_group, barriers):
    """A successful run meets the other ranks, then destroys the group."""
    with RunSession(None, lambda cfg: _StubRunner()) as runner:
        assert isinstance(runner, _StubRunner)
        assert dist.is_initialized()
    assert not dist.is_initialized()
    assert len(barriers) == 1


def test_error_destroys_without_barrier_and_reraises(process_group,
                                                     barriers):
    """After an error there is no barrier (other ranks may never come),
    the group is still destroyed and the error propagates unchanged."""
    with pytest.raises(KeyError, match='boom'):
        with RunSession(None, lambda cfg: _StubRunner()):
            raise KeyError('boom')
    assert not dist.is_initialized()
    assert barriers == []


def test_failed_build_still_destroys_the_group(process_group, barriers):
    """The CPU launcher inits the group before the build; a failing build
    must not leave it alive."""
    def bad_build(cfg):
        raise ValueError('model.neck.depth_text=99')
    with pytest.raises(ValueError, match='depth_text=99'):
        with RunSession(None, bad_build):
            pytest.fail('the block must not run')  # pragma: no cover
    assert not dist.is_initialized()
    assert barriers == []


def test_without_process_group_nothing_happens(barriers):
    """Single-process runs (no group) just run."""
    assert not dist.is_initialized()
    with RunSession(None, lambda cfg: _StubRunner()):
        pass
    assert barriers == []


def test_persistent_dataloader_workers_are_stopped():
    """Workers of a persistent loader are shut down; unbuilt loops are
    skipped."""
    loader = DataLoader(list(range(4)), batch_size=2, num_workers=1,
                        persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    workers = list(loader._iterator._workers)
    assert workers and all(w.is_alive() for w in workers)
    runner = _StubRunner(loader)
    assert shutdown_dataloader_workers(runner) == 1
    for worker in workers:
        worker.join(timeout=10)
    assert not any(w.is_alive() for w in workers)
    assert loader._iterator is None
    assert shutdown_dataloader_workers(runner) == 0  # idempotent
    assert shutdown_dataloader_workers(None) == 0
    # the loader still works afterwards (new workers on demand)
    assert torch.cat(list(loader)).tolist() == [0, 1, 2, 3]
    loader._iterator._shutdown_workers()
