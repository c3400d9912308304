"""Distributed training on machines without CUDA (gloo backend).

MMEngine 0.10.7's ``pytorch`` and ``slurm`` launchers call
``torch.cuda.set_device`` unconditionally, so a distributed run on a CPU-only
machine crashes before training starts. When CUDA is absent we initialise the
process group ourselves with ``gloo`` before the Runner is built (the Runner
then skips its own initialisation) and wrap the model with a DDP configuration
that needs no device ids.
"""
import os
import subprocess
from typing import Optional

import torch
import torch.distributed as dist

CPU_MODEL_WRAPPER = dict(
    type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False)


def _slurm_env_to_torch_env(port: Optional[int] = None) -> None:
    """Translate Slurm's task variables into torch.distributed's."""
    rank = int(os.environ['SLURM_PROCID'])
    world_size = int(os.environ['SLURM_NTASKS'])
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_PORT', str(port or 29500))
    os.environ['RANK'] = str(rank)
    os.environ['WORLD_SIZE'] = str(world_size)
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def setup_cpu_distributed(launcher: str, cfg) -> bool:
    """Initialise gloo and adapt ``cfg`` when running distributed on CPU.

    Args:
        launcher: The ``--launcher`` value (``none``, ``pytorch``, ``slurm``).
        cfg (mmengine.Config): The run config; ``model_wrapper_cfg`` is set.

    Returns:
        bool: True if a CPU process group was set up here.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        _slurm_env_to_torch_env(cfg.get('env_cfg', {}).get('dist_cfg', {}).get('port'))
    elif launcher != 'pytorch':
        raise ValueError(
            f'--launcher {launcher!r} is not supported without CUDA; '
            "use 'pytorch' (torchrun) or 'slurm'.")
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(CPU_MODEL_WRAPPER)
    return True
