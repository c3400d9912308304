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


def write_world_split(root: Path, split: str, triples, count: int,
                      num_frames: int = 16, size: int = 32,
                      seed: int = 0) -> Path:
    """Write ``count`` clips per class of the synthetic world and the
    annotation file ``<split>_list.txt`` (labels index ``triples``).

    A small stand-in for ``make_synthetic_world`` (which always writes all
    48 classes) built on the world's public ``render_video``: the tests get
    a few classes, in the same layout (``videos/<split>/...``).
    """
    import numpy as np

    from mmvlprompt.datasets import write_video
    from mmvlprompt.datasets.synthetic_world import render_video
    (root / 'videos' / split).mkdir(parents=True, exist_ok=True)
    lines = []
    for label, triple in enumerate(triples):
        for i in range(count):
            rng = np.random.default_rng([seed, len(split), label, i])
            name = f'{split}/{"_".join(triple)}_{i:03d}.mp4'
            write_video(root / 'videos' / name,
                        render_video(*triple, num_frames, size, rng))
            lines.append(f'{name} {label}')
    ann = root / f'{split}_list.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return ann


def world_class_names(triples):
    from mmvlprompt.datasets.synthetic_world import class_name
    return [class_name(*t) for t in triples]


@pytest.fixture(scope='session')
def synthetic_data(tmp_path_factory):
    """The first 4 base classes of the synthetic world, 3 train and 2 test
    clips each, 16 frames of 32 px, in the layout of
    configs/demo/vlprompt_tiny_synthetic.py (``train_base_list.txt``,
    ``test_base_list.txt``, ``label_map_base.txt``)."""
    from mmvlprompt.datasets.synthetic_world import base_novel_split
    root = tmp_path_factory.mktemp('synthetic')
    classes = base_novel_split()[0][:4]
    label_map = root / 'label_map_base.txt'
    label_map.write_text('\n'.join(world_class_names(classes)) + '\n')
    return dict(root=root, label_map=label_map,
                train=write_world_split(root, 'train_base', classes, 3),
                val=write_world_split(root, 'test_base', classes, 2))


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
