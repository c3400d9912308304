"""Synthetic worlds of the embedded benchmark (apart from the real dataset
code in :mod:`mmvlprompt.datasets`).

* :mod:`.camera`: the camera model that only world v2's videos get.
* :mod:`.world_v2`: world v2, its pools, rendering and protocol files
  (``docs/en/benchmark/world_v2.md``).
"""
from .camera import Camera
from .world_v2 import make_world_v2, render_pool_video, test_set_sizes

__all__ = ['Camera', 'make_world_v2', 'render_pool_video', 'test_set_sizes']
