"""Synthetic worlds of the embedded benchmark (apart from the real dataset
code in :mod:`mmvlprompt.datasets`).

* :mod:`.scene`: the scene of both benchmark worlds (vocabulary, class
  sets, videos) and the still pictures that pretrain the tiny CLIP.
* :mod:`.camera`: the camera model that only world v2's videos get.
* :mod:`.world_v2`: world v2, its pools, rendering and protocol files
  (``docs/en/benchmark/world_v2.md``); what ``make demo``, ``make
  retrieval`` and the tests use.
* :mod:`.captions`: captions of world v2's videos and its video-text
  retrieval benchmark (``make retrieval``).
* :mod:`.protocol`: how a world writes its protocol files (videos, class
  lists, annotation files, few-shot samples).

World v1, the first benchmark world, was removed after world v2 replaced it
in ``make benchmark``: its generator was ``world_v1.py`` (removed; last at
commit ``20ee9bd``), and its results stay in
``docs/en/benchmark/world_v1.md``.
"""
from .camera import Camera
from .world_v2 import make_world_v2, render_pool_video, test_set_sizes

__all__ = ['Camera', 'make_world_v2', 'render_pool_video', 'test_set_sizes']
