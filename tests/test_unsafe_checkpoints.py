"""Checkpoints that would run code on load are refused with our message.

Each payload, if unpickled, creates a marker file. Every loading route must
refuse it with :class:`UnsafeCheckpointError`, name the global, say the file
was refused for safety, never suggest ``weights_only=False``, and leave no
marker file behind.
"""
import os
import shutil
import sys

import pytest
import torch

from conftest import run_tool
from mmvlprompt.compat import UnsafeCheckpointError

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


class _OsSystem:
    """Unpickles as os.system('touch MARKER') (a blocked module)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


class _CopyFile:
    """Unpickles as shutil.copyfile(__file__, MARKER) (an allowed module)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (shutil.copyfile, (__file__, self.marker))


PAYLOADS = {'os.system': (_OsSystem, 'posix.system'),
            'shutil': (_CopyFile, 'shutil.copyfile')}


@pytest.fixture(params=sorted(PAYLOADS))
def evil(request, tmp_path):
    """(checkpoint path, marker path, global name) for each payload."""
    cls, name = PAYLOADS[request.param]
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'x': cls(marker)}, path)
    assert not marker.exists()
    return path, marker, name


def _assert_our_refusal(message: str, path, name: str):
    assert 'Refused to load checkpoint' in message, message
    assert str(path) in message, message
    assert 'for safety' in message, message
    assert f'`{name}`' in message, message
    assert 'weights_only' not in message, message


def test_load_from_and_resume_route(evil):
    """MMEngine's _load_checkpoint (load_from, --resume, test CKPT)."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path, marker, name = evil
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path), map_location='cpu')
    _assert_our_refusal(str(info.value), path, name)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not marker.exists()


def test_runner_load_from_route(evil, tmp_path):
    """Runner.load_checkpoint, which `load_from=` calls, refuses too."""
    from mmengine.runner import load_checkpoint
    path, marker, name = evil
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint(torch.nn.Linear(1, 1), str(path), map_location='cpu')
    _assert_our_refusal(str(info.value), path, name)
    assert not marker.exists()


def test_clip_pretrained_route(evil):
    """clip.pretrained=<evil file> is refused by the CLIP loader."""
    from mmvlprompt.models.utils import build_clip
    path, marker, name = evil
    with pytest.raises(UnsafeCheckpointError) as info:
        build_clip('vlp-tiny', pretrained=str(path))
    _assert_our_refusal(str(info.value), path, name)
    assert not marker.exists()


def test_env_override_cannot_disable_safety(evil, monkeypatch):
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 does not make the loader unsafe."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path, marker, _ = evil
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_safe_checkpoint_still_loads(tmp_path):
    """A plain tensor checkpoint goes through the same loader unchanged."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'ok.pth'
    torch.save({'state_dict': {'w': torch.arange(3.0)}}, path)
    out = _load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(out['state_dict']['w'], torch.arange(3.0))


@pytest.mark.slow
def test_tools_refuse_evil_checkpoint(tmp_path, synthetic_data):
    """tools/test.py CKPT and tools/train.py --resume CKPT end to end."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'x': _CopyFile(marker)}, path)
    env = {'MMVLP_SYNTHETIC_ROOT': str(synthetic_data['root'])}
    runs = {
        'test': [sys.executable, 'tools/test.py', CONFIG, str(path),
                 '--work-dir', str(tmp_path / 'test')],
        'resume': [sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                   str(tmp_path / 'train'), '--resume', str(path)],
    }
    for route, args in runs.items():
        proc = run_tool(args, env=env)
        assert proc.returncode != 0, route + proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(
            'mmvlprompt.compat.safe_checkpoint.UnsafeCheckpointError: '), \
            route + proc.stderr[-3000:]
        _assert_our_refusal(last, path, 'shutil.copyfile')
        assert 'weights_only=False' not in proc.stderr, route
        assert not marker.exists(), route


def test_unreadable_file_is_not_called_unsafe(tmp_path, capsys):
    """A file that is not a pickle at all is refused without a safety
    claim and without torch's weights_only advice."""
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'garbage.pth'
    path.write_bytes(b'not a checkpoint at all')
    from mmvlprompt.compat import UnreadableCheckpointError
    with pytest.raises(UnreadableCheckpointError) as info:
        _load_checkpoint(str(path), map_location='cpu')
    message = str(info.value)
    assert message.startswith(f"Cannot read checkpoint '{path}': it is not "
                              'a zip archive'), message
    assert 'for safety' not in message and 'weights_only' not in message
    # MMEngine logs the backend from the loader's name
    assert 'by local backend' in capsys.readouterr().out
