"""Atomic checkpoint writes: a kill during a save never leaves a torn file.

MMEngine 0.10.7 writes checkpoints with ``LocalBackend.put`` (``open(path,
'wb')`` then one write) and the ``last_checkpoint`` pointer with a plain
``open(path, 'w')`` in ``mmengine.hooks.checkpoint_hook``. A job killed in
the middle (pre-emption, out-of-memory killer, SIGKILL) leaves a truncated
``epoch_N.pth`` or an empty pointer, and ``--resume`` then fails on it or,
worse, picks it up.

:func:`patch_atomic_writes` makes both go through :func:`atomic_write`: the
bytes go to a temporary file in the same folder (``.NAME.tmp-PID``), are
flushed and fsync'ed, then ``os.replace``-d onto the final name, which is
atomic on POSIX and Windows. A kill leaves either the old file or the new
one, plus at worst a hidden temporary file that nothing reads. Since
MMEngine saves the checkpoint before it updates the pointer, the pointer
always names a complete checkpoint.
"""
import builtins
import io
import os
import os.path as osp
from typing import Union

_PATCHED = '_mmvlprompt_atomic'


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Union[str, os.PathLike], data: Union[bytes, str],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename)."""
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    tmp = osp.join(folder, f'.{osp.basename(path)}.tmp-{os.getpid()}')
    try:
        with builtins.open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


class _AtomicTextFile(io.StringIO):
    """Text buffer that lands on disk atomically when closed."""

    def __init__(self, path, encoding: str = 'utf-8'):
        super().__init__()
        self._path, self._encoding = path, encoding

    def close(self) -> None:
        if not self.closed:
            atomic_write(self._path, self.getvalue(), self._encoding)
        super().close()


def atomic_open(file, mode: str = 'r', *args, **kwargs):
    """``open`` for modules whose writes must be atomic.

    Text writes (``'w'``) are buffered and written with
    :func:`atomic_write` on close; every other mode is the builtin
    ``open``.
    """
    if mode in ('w', 'wt') and not args:
        return _AtomicTextFile(file, kwargs.get('encoding') or 'utf-8')
    return builtins.open(file, mode, *args, **kwargs)


def _atomic_put(self, obj: bytes, filepath) -> None:
    atomic_write(filepath, obj)


def _atomic_put_text(self, obj: str, filepath, encoding: str = 'utf-8'):
    atomic_write(filepath, obj, encoding)


def patch_atomic_writes() -> bool:
    """Make MMEngine's checkpoint and pointer writes atomic (idempotent).

    Returns:
        bool: True if the patch was applied now, False if already applied.
    """
    from mmengine.fileio.backends import LocalBackend
    from mmengine.hooks import checkpoint_hook
    if getattr(LocalBackend, _PATCHED, False):
        return False
    LocalBackend.put = _atomic_put
    LocalBackend.put_text = _atomic_put_text
    # module globals shadow builtins: only this module's open changes
    checkpoint_hook.open = atomic_open
    setattr(LocalBackend, _PATCHED, True)
    return True
