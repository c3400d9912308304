"""Pick the checkpoint that ``--resume`` (without a path) continues from."""
import os.path as osp
import re
from glob import glob
from typing import Callable, List, Optional

from ..compat import (UnreadableCheckpointError, UnsafeCheckpointError,
                      safe_torch_load)

_NUMBERED = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints of ``work_dir``, newest first.

    First the one MMEngine's ``last_checkpoint`` pointer names, then
    ``epoch_N.pth`` / ``iter_N.pth`` by decreasing ``N``.
    """
    found = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as handle:
            latest = handle.read().strip()
        if latest and osp.isfile(latest):
            found.append(latest)
    numbered = [(int(m.group(1)), p)
                for p in glob(osp.join(work_dir, '*.pth'))
                for m in [_NUMBERED.match(osp.basename(p))] if m]
    for _, path in sorted(numbered, reverse=True):
        if not any(osp.samefile(path, f) for f in found):
            found.append(path)
    return found


def find_resumable_checkpoint(work_dir: str,
                              log: Callable[[str], None] = print
                              ) -> Optional[str]:
    """The newest checkpoint of ``work_dir`` that can be read.

    Each candidate (:func:`resume_candidates`) is opened with the safe
    loader (tensors memory-mapped, so this is cheap); one that is
    truncated, empty, not a checkpoint or unsafe is reported through
    ``log`` and the previous one is tried.

    Returns:
        str or None: The path, or ``None`` when ``work_dir`` holds no
        checkpoint (training then starts from scratch).

    Raises:
        RuntimeError: If checkpoints exist but none can be read.
    """
    candidates = resume_candidates(work_dir)
    problems = []
    for path in candidates:
        try:
            safe_torch_load(path, map_location='cpu', mmap=True)
        except (UnreadableCheckpointError, UnsafeCheckpointError) as err:
            problems.append(str(err))
            log(f'--resume: cannot resume from {path}: {err}')
            continue
        if problems:
            log(f'--resume: falling back to the previous readable '
                f'checkpoint {path}.')
        else:
            log(f'--resume: resuming from the latest checkpoint {path}.')
        return path
    if problems:
        listed = '\n  '.join(problems)
        raise RuntimeError(f'--resume: none of the {len(problems)} '
                           f'checkpoint(s) in {work_dir} can be read:\n  '
                           f'{listed}')
    return None
