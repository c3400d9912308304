"""SymmetricContrastiveLoss under DDP (2 CPU processes, gloo): with
``gather=True`` each rank's loss is the loss of the whole 2-rank batch, and
its gradient with respect to this rank's features is the whole batch's
(the other ranks' features arrive without gradient)."""
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import mmvlprompt  # noqa: F401
from mmaction.registry import MODELS

pytestmark = pytest.mark.slow  # two spawned processes import the plugin
BATCH, DIM = 3, 8


def _data():
    gen = torch.Generator().manual_seed(0)
    video = torch.randn(2 * BATCH, DIM, generator=gen)
    text = torch.randn(2 * BATCH, DIM, generator=gen)
    ids = torch.tensor([0, 1, 2, 3, 0, 5])  # video 0 on both ranks
    return video, text, ids


def _worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=2)
    try:
        video, text, ids = _data()
        part = slice(rank * BATCH, (rank + 1) * BATCH)
        local_video = video[part].clone().requires_grad_(True)
        loss = MODELS.build(dict(type='SymmetricContrastiveLoss'))(
            local_video, text[part], torch.tensor(10.0), ids[part])
        loss.backward()
        torch.save(dict(loss=loss.detach(), grad=local_video.grad),
                   f'{out_dir}/rank{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_gathered_loss_equals_the_loss_of_the_whole_batch(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=2, join=True)
    video, text, ids = _data()
    whole_video = video.clone().requires_grad_(True)
    whole = MODELS.build(dict(type='SymmetricContrastiveLoss'))(
        whole_video, text, torch.tensor(10.0), ids)
    whole.backward()
    for rank in range(2):
        out = torch.load(str(tmp_path / f'rank{rank}.pt'))
        assert torch.allclose(out['loss'], whole.detach(), atol=1e-6)
        part = whole_video.grad[rank * BATCH:(rank + 1) * BATCH]
        assert out['grad'].abs().sum() > 0
        assert torch.allclose(out['grad'], part, atol=1e-6)
