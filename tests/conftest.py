"""Shared fixtures: a tiny random-init CLIP checkpoint and a tiny world v2.

Everything is generated locally; nothing is downloaded.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import mmvlprompt  # noqa: F401  (registers modules, applies compat shims)
from mmengine.registry import init_default_scope

REPO = Path(__file__).resolve().parents[1]
TINY_ARCH = 'vlp-tiny'  # mmvlprompt/clip_configs/vlp-tiny.json: 3+3 layers
CLASS_NAMES = ['abseiling', 'playing guitar',
               'riding a mechanical bull at a crowded fair']


@pytest.fixture(autouse=True)
def _mmaction_scope():
    init_default_scope('mmaction')


@pytest.fixture(scope='session')
def tiny_clip_path(tmp_path_factory) -> str:
    """An open_clip state dict of the tiny architecture (seeded)."""
    from mmvlprompt.models.utils import build_clip
    path = tmp_path_factory.mktemp('clip') / 'vlp-tiny.pt'
    torch.save(build_clip(TINY_ARCH, seed=123).state_dict(), path)
    return str(path)


# The tests' world: a tiny world v2 (tools/data/make_world_v2.py), its
# base-to-novel pools only, the first 4 classes of every class set, 16
# frames of 32 px. The layout of configs/demo/vlprompt_tiny_synthetic.py.
TINY_WORLD = dict(pools=('b2n_train', 'b2n_base_test'), classes=4,
                  counts={'b2n_train': 3, 'b2n_base_test': 2}, b2n_shots=3,
                  num_frames=16, size=32, seed=0)


@pytest.fixture(scope='session')
def synthetic_data(tmp_path_factory):
    """A tiny world v2 (:data:`TINY_WORLD`): 4 base classes of its
    base-to-novel split, 3 train and 2 test videos each, in the layout of
    configs/demo/vlprompt_tiny_synthetic.py (``b2n_base_k16_s1.txt``,
    ``b2n_base_test.txt``, ``classes_b2n_base.txt``)."""
    from mmvlprompt.worlds import make_world_v2
    paths = make_world_v2(tmp_path_factory.mktemp('synthetic'), **TINY_WORLD)
    return dict(root=paths['root'], label_map=paths['classes_b2n_base'],
                train=paths['b2n_base_k16_s1'], val=paths['b2n_base_test'])


def tiny_model_cfg(clip_path, neck=None, **head_kwargs) -> dict:
    """Recognizer config on the tiny CLIP; ``neck=None`` means no prompts."""
    head = dict(type='PromptedTextHead', class_names=list(CLASS_NAMES))
    head.update(head_kwargs)
    return dict(
        type='VLPromptRecognizer',
        clip=dict(arch=TINY_ARCH, pretrained=clip_path),
        backbone=dict(type='PromptedViT', num_frames=4),
        neck=neck,
        cls_head=head)


def run_tool(args, env=None, timeout=600, cwd=REPO):
    """Run a command from the repo root with the venv's tools on PATH."""
    full_env = dict(os.environ)
    full_env['PATH'] = str(Path(sys.executable).parent) + os.pathsep + \
        full_env.get('PATH', '')
    full_env['PYTHONPATH'] = str(REPO)
    full_env.update(env or {})
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def free_port() -> int:
    """A free TCP port on localhost, for a torchrun rendezvous."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def proc_tail(proc, n=3000) -> str:
    """Return code and the end of a finished process's output."""
    return (f'\n--- rc {proc.returncode}\n--- stdout:\n{proc.stdout[-n:]}'
            f'\n--- stderr:\n{proc.stderr[-n:]}')
