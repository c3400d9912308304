"""Shared fixtures: a tiny random-init CLIP checkpoint and synthetic videos.

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


@pytest.fixture(scope='session')
def synthetic_data(tmp_path_factory):
    """Synthetic videos: 4 classes, 3 train and 2 val clips each."""
    from mmvlprompt.datasets import make_synthetic_dataset
    root = tmp_path_factory.mktemp('synthetic')
    return make_synthetic_dataset(root, videos_per_class={'train': 3,
                                                          'val': 2})


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
