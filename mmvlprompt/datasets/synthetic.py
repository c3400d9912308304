"""Retired: the moving-squares generator is replaced by the synthetic world.

Use :mod:`.synthetic_world` (``tools/data/make_synthetic_world.py``) for
synthetic data and :func:`.video_io.write_video` to write videos. This
module only re-exports ``write_video`` for :mod:`.synthetic_world`, which
still imports it from here; delete it once that import points at
:mod:`.video_io`.
"""
from .video_io import write_video  # noqa: F401
