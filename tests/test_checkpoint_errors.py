"""Every checkpoint load route names the file it cannot read and says why.

Kinds of bad file: empty, truncated (a save or copy cut short), not a zip
archive, and a zip whose contents are damaged; plus files that load but do
not fit (another CLIP). Routes: MMEngine's loader (``load_from``,
``--resume``, ``tools/test.py``), ``mmengine.runner.load_checkpoint``
(tools/export_prompts.py), and ``clip.pretrained``. ``--resume`` without a
path falls back to the previous readable checkpoint.
"""
import sys

import pytest
import torch

from conftest import TINY_ARCH, run_tool, tiny_model_cfg
from mmvlprompt.compat import (CheckpointMismatchError,
                               UnreadableCheckpointError,
                               UnsafeCheckpointError, safe_torch_load)
from mmvlprompt.engine import find_resumable_checkpoint, resume_candidates

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def _good(path, value=1.0):
    torch.save({'state_dict': {'w': torch.full((1000,), value)},
                'meta': {'epoch': 1}}, path)
    return path


def _bad(kind, path):
    """Write a bad checkpoint of ``kind``; return the reason's words."""
    _good(path)
    data = path.read_bytes()
    if kind == 'empty':
        path.write_bytes(b'')
        return 'the file is empty'
    if kind == 'truncated':
        path.write_bytes(data[:len(data) // 2])
        return 'it is truncated'
    if kind == 'not a zip':
        path.write_text('<html>404 Not Found</html>\n')
        return 'it is not a zip archive'
    if kind == 'damaged':  # complete archive, a record's bytes overwritten
        start = data.index(b'data.pkl') + len(b'data.pkl')
        path.write_bytes(data[:start] + b'\xff' * 64 + data[start + 64:])
        return 'corrupt'
    raise ValueError(kind)


KINDS = ['empty', 'truncated', 'not a zip', 'damaged']


def _check(error, path, words):
    message = str(error)
    assert f"checkpoint '{path}'" in message, message
    assert words in message, message


# a damaged pickle inside a complete archive is refused by the safe
# unpickler (it cannot tell damage from a crafted file); the rest cannot be
# read at all
def _error(kind):
    return (UnreadableCheckpointError, UnsafeCheckpointError) \
        if kind == 'damaged' else UnreadableCheckpointError


@pytest.mark.parametrize('kind', KINDS)
def test_mmengine_loader_names_file_and_reason(tmp_path, kind):
    """load_from / --resume / tools/test.py all read through this loader."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'epoch_3.pth'
    words = _bad(kind, path)
    with pytest.raises(_error(kind)) as info:
        _load_checkpoint(str(path), map_location='cpu')
    _check(info.value, path, words)


@pytest.mark.parametrize('kind', ['truncated', 'not a zip'])
def test_load_checkpoint_function_names_file_and_reason(tmp_path, kind):
    from mmengine.runner import load_checkpoint
    path = tmp_path / 'ckpt.pth'
    words = _bad(kind, path)
    with pytest.raises(UnreadableCheckpointError) as info:
        load_checkpoint(torch.nn.Linear(1, 1), str(path), map_location='cpu')
    _check(info.value, path, words)


@pytest.mark.parametrize('kind', KINDS)
def test_clip_pretrained_names_file_and_reason(tmp_path, kind):
    from mmvlprompt.models.utils import build_clip
    path = tmp_path / 'clip.pt'
    words = _bad(kind, path)
    with pytest.raises(_error(kind)) as info:
        build_clip(TINY_ARCH, pretrained=str(path))
    _check(info.value, path, words)


def test_clip_of_another_architecture_names_the_file(tmp_path):
    """Weights that load but do not fit clip.arch: wrong CLIP."""
    from mmvlprompt.models.utils import build_clip
    path = tmp_path / 'other.pt'
    state = build_clip(TINY_ARCH).state_dict()
    state['visual.proj'] = torch.zeros(3, 3)
    torch.save(state, path)
    with pytest.raises(CheckpointMismatchError) as info:
        build_clip(TINY_ARCH, pretrained=str(path))
    message = str(info.value)
    assert f'clip.pretrained={str(path)!r}' in message
    assert 'do not fit clip.arch' in message and 'size mismatch' in message


def test_good_checkpoints_still_load(tmp_path):
    """A legacy (pre-zip) file and a zip file both load; mmap too."""
    legacy = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(2)}, legacy,
               _use_new_zipfile_serialization=False)
    assert torch.equal(safe_torch_load(str(legacy))['w'], torch.ones(2))
    zipped = _good(tmp_path / 'zip.pth', 2.0)
    out = safe_torch_load(str(zipped), map_location='cpu', mmap=True)
    assert float(out['state_dict']['w'][0]) == 2.0


# ---------------------------------------------------------------------------
# --resume without a path
# ---------------------------------------------------------------------------
def _work_dir(tmp_path, latest_kind=None):
    work = tmp_path / 'work'
    work.mkdir()
    for epoch in (1, 2, 3):
        _good(work / f'epoch_{epoch}.pth', epoch)
    _good(work / 'best_acc_epoch_2.pth')  # not a resume candidate
    if latest_kind:
        _bad(latest_kind, work / 'epoch_3.pth')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_3.pth'))
    return work


def test_resume_candidates_newest_first(tmp_path):
    work = _work_dir(tmp_path)
    (work / 'epoch_10.pth').write_bytes((work / 'epoch_1.pth').read_bytes())
    names = [p.rsplit('/', 1)[-1] for p in resume_candidates(str(work))]
    assert names == ['epoch_3.pth', 'epoch_10.pth', 'epoch_2.pth',
                     'epoch_1.pth']


def test_resume_uses_the_latest_when_readable(tmp_path):
    work = _work_dir(tmp_path)
    messages = []
    assert find_resumable_checkpoint(str(work), messages.append) == \
        str(work / 'epoch_3.pth')
    assert messages == ['--resume: resuming from the latest checkpoint '
                        f'{work / "epoch_3.pth"}.']


@pytest.mark.parametrize('kind', ['truncated', 'empty'])
def test_resume_falls_back_to_the_previous_readable(tmp_path, kind):
    work = _work_dir(tmp_path, latest_kind=kind)
    messages = []
    path = find_resumable_checkpoint(str(work), messages.append)
    assert path == str(work / 'epoch_2.pth')
    assert messages[0].startswith(f'--resume: cannot resume from '
                                  f'{work / "epoch_3.pth"}: Cannot read')
    assert messages[-1] == ('--resume: falling back to the previous '
                            f'readable checkpoint {work / "epoch_2.pth"}.')


def test_resume_with_nothing_readable_is_an_error(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    for epoch in (1, 2):
        _bad('truncated', work / f'epoch_{epoch}.pth')
    with pytest.raises(RuntimeError, match='none of the 2 checkpoint'):
        find_resumable_checkpoint(str(work), lambda msg: None)
    empty = tmp_path / 'fresh'
    empty.mkdir()
    assert find_resumable_checkpoint(str(empty)) is None


class _RunsCode:
    """Unpickles as os.system('touch MARKER'): a checkpoint the safe loader
    refuses."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os
        return (os.system, (f'touch {self.marker}',))


def test_resume_falls_back_past_an_unsafe_checkpoint(tmp_path):
    """A latest checkpoint that would run code is refused (never run) and
    the previous one is resumed from."""
    work = _work_dir(tmp_path)
    marker = tmp_path / 'ran'
    torch.save({'state_dict': {}, 'x': _RunsCode(marker)},
               work / 'epoch_3.pth')
    messages = []
    path = find_resumable_checkpoint(str(work), messages.append)
    assert path == str(work / 'epoch_2.pth')
    assert not marker.exists()
    assert messages[0].startswith('--resume: cannot resume from '
                                  f'{work / "epoch_3.pth"}: Refused to load')
    assert messages[-1] == ('--resume: falling back to the previous '
                            f'readable checkpoint {work / "epoch_2.pth"}.')


def test_resume_skips_a_pointer_to_a_deleted_checkpoint(tmp_path):
    """``last_checkpoint`` naming a file that is gone (or nothing) is
    ignored; the numbered checkpoints still count."""
    work = _work_dir(tmp_path)
    (work / 'epoch_3.pth').unlink()
    names = [p.rsplit('/', 1)[-1] for p in resume_candidates(str(work))]
    assert names == ['epoch_2.pth', 'epoch_1.pth']
    (work / 'last_checkpoint').write_text('\n')
    names = [p.rsplit('/', 1)[-1] for p in resume_candidates(str(work))]
    assert names == ['epoch_2.pth', 'epoch_1.pth']


def test_resume_error_lists_every_reason(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    _bad('truncated', work / 'epoch_1.pth')
    _bad('not a zip', work / 'epoch_2.pth')
    with pytest.raises(RuntimeError) as info:
        find_resumable_checkpoint(str(work), lambda msg: None)
    lines = str(info.value).split('\n')
    assert lines[0] == (f'--resume: none of the 2 checkpoint(s) in {work} '
                        'can be read:')
    assert len(lines) == 3
    assert lines[1].startswith(f"  Cannot read checkpoint "
                               f"'{work / 'epoch_2.pth'}'")
    assert 'it is not a zip archive' in lines[1]
    assert lines[2].startswith(f"  Cannot read checkpoint "
                               f"'{work / 'epoch_1.pth'}'")
    assert 'it is truncated' in lines[2]


# ---------------------------------------------------------------------------
# the tools
# ---------------------------------------------------------------------------
def test_runner_load_checkpoint_names_a_checkpoint_of_another_clip(
        tiny_clip_path, tmp_path):
    """Runner.load_checkpoint (load_from, --resume, tools/test.py) with a
    prompt-only checkpoint trained on another CLIP: wrong CLIP, named."""
    from types import SimpleNamespace

    from mmaction.registry import MODELS
    from mmengine.runner import Runner
    neck = dict(type='VLPromptLearner', num_text_tokens=6,
                num_vision_tokens=6, depth_text=1, depth_vision=1)
    trained = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=dict(neck)))
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': trained.state_dict(), 'meta': {}}, path)
    other = MODELS.build(dict(tiny_model_cfg(tiny_clip_path, neck=neck),
                              clip=dict(arch=TINY_ARCH, seed=7)))
    runner = SimpleNamespace(model=other, call_hook=lambda *a, **k: None,
                             logger=None)
    with pytest.raises(CheckpointMismatchError) as info:
        Runner.load_checkpoint(runner, str(path), map_location='cpu')
    assert f"Checkpoint '{path}' does not fit the model" in str(info.value)
    assert 'trained on a CLIP whose weights' in str(info.value)


@pytest.mark.slow
def test_test_tool_names_a_truncated_checkpoint(tmp_path, synthetic_data):
    """The issue's repro: a truncated checkpoint given to tools/test.py
    names the file and says it is truncated."""
    truncated = tmp_path / 'epoch_2.pth'
    _bad('truncated', truncated)
    proc = run_tool([sys.executable, 'tools/test.py', CONFIG, str(truncated),
                     '--work-dir', str(tmp_path / 'w')],
                    env={'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])})
    assert proc.returncode != 0
    assert f"Cannot read checkpoint '{truncated}': it is truncated" in \
        proc.stderr, proc.stderr[-3000:]
