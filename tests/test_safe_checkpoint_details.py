"""mmvlprompt.compat.safe_checkpoint in detail: the full messages a user
reads for each kind of bad file, how torch's errors are told apart, the
guarded getattr, and the MMEngine routes it patches (patched again here, to
see that patching is idempotent)."""
import os
import pickle

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from mmvlprompt.compat import (CheckpointMismatchError,
                               UnreadableCheckpointError,
                               UnsafeCheckpointError, safe_torch_load)
from mmvlprompt.compat import safe_checkpoint as sc

TAIL = ('. It was not loaded. Copy or download the file again, or point to '
        'another checkpoint.')


def _good(path):
    torch.save({'state_dict': {'w': torch.arange(4.0)}}, path)
    return path


class _System:
    def __reduce__(self):
        return (os.system, ('true',))


# --------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------
def test_unreadable_files_full_messages(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    cut = tmp_path / 'cut.pth'
    data = _good(tmp_path / 'good.pth').read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    html = tmp_path / 'page.pth'
    html.write_text('<html>404 Not Found</html>\n')
    expected = {
        empty: 'the file is empty (0 bytes)',
        cut: (f'it is truncated: the zip archive ({len(data) // 2} bytes) '
              'has no end record, so the file was cut short (an interrupted '
              'copy, download or save?)'),
        html: ("it is not a zip archive, so not a PyTorch checkpoint (its "
               "first bytes are b'<html>40')"),
    }
    for path, reason in expected.items():
        for mmap in (False, True):
            with pytest.raises(UnreadableCheckpointError) as info:
                safe_torch_load(str(path), mmap=mmap)
            assert str(info.value) == \
                f'Cannot read checkpoint {str(path)!r}: {reason}{TAIL}'


def test_what_looks_like_a_checkpoint_is_left_to_the_loader(tmp_path):
    """A .safetensors file, a complete zip or a legacy pickle: no reason
    from the bytes alone."""
    junk = tmp_path / 'w.safetensors'
    junk.write_bytes(b'not really safetensors')
    legacy = tmp_path / 'legacy.pth'
    legacy.write_bytes(pickle.dumps({'w': 1}, protocol=2))
    assert sc.unreadable_reason(str(junk)) is None
    assert sc.unreadable_reason(str(legacy)) is None
    assert sc.unreadable_reason(str(_good(tmp_path / 'g.pth'))) is None
    missing = tmp_path / 'missing.pth'
    assert sc.unreadable_reason(str(missing)) == \
        'it cannot be opened (No such file or directory)'


def test_unsafe_file_full_message(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _System()}, path)
    for mmap in (False, True):
        with pytest.raises(UnsafeCheckpointError) as info:
            safe_torch_load(str(path), mmap=mmap)
        assert str(info.value) == (
            f'Refused to load checkpoint {str(path)!r} for safety: it '
            'contains the global `posix.system`, which is not on the '
            'allow-list of safe types (tensors, numbers, containers and the '
            'MMEngine training state). Unpickling it could run arbitrary '
            'code, so it was not loaded. Use a checkpoint written by '
            'mmvlprompt/MMEngine or open_clip, a plain state dict of '
            'tensors, or a .safetensors file.')


def test_safety_holds_against_the_environment_override(tmp_path,
                                                        monkeypatch):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _System()}, path)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    for mmap in (False, True):
        with pytest.raises(UnsafeCheckpointError):
            safe_torch_load(str(path), mmap=mmap)


def test_unsafe_message_without_a_named_global():
    error = pickle.UnpicklingError(
        'Weights only load failed. This file can still be loaded...\n'
        '\n  Unsupported operand 149\n'
        'Check the documentation of torch.load to learn more about types '
        'accepted by default with weights_only')
    assert sc.unsafe_checkpoint_message('x.pth', error) == (
        "Refused to load checkpoint 'x.pth': the safe unpickler could not "
        'read it (Unsupported operand 149). The file is corrupt, not a '
        'PyTorch checkpoint, or holds objects outside the allow-list; it '
        'was not loaded.')
    only_advice = pickle.UnpicklingError('Weights only load failed.\n'
                                         'use weights_only=False')
    assert sc.unsafe_checkpoint_message('x.pth', only_advice).startswith(
        "Refused to load checkpoint 'x.pth': the safe unpickler could not "
        'read it. The file is corrupt')


@pytest.mark.parametrize('message, name', [
    ('Unsupported global: GLOBAL posix.system was not an allowed global by '
     'default.\nmore text', 'posix.system'),
    ('Weights only load failed\nTrying to call reduce for unrecognized '
     'function posix.system\nCheck the documentation', 'posix.system'),
    ('Weights only load failed\nExpected objects allowlisted via '
     '`add_safe_globals` but got builtins.eval\nCheck the documentation',
     'builtins.eval'),
    ('checkpoint asks for getattr(<module>, \'eval\'); only ...',
     "getattr(<module>, 'eval')"),
    ('Unsupported operand 149', None),
])
def test_refused_global_is_found_on_any_line(message, name):
    assert sc.refused_global(message) == name


@pytest.mark.parametrize('error, reason', [
    (EOFError(), 'it is corrupt (EOFError)'),
    (EOFError('Ran out of input'), 'it is corrupt (Ran out of input)'),
    (RuntimeError('PytorchStreamReader failed reading file data/0: invalid '
                  'header or archive is corrupted\nmore'),
     'it is corrupt (PytorchStreamReader failed reading file data/0: invalid '
     'header or archive is corrupted)'),
    (RuntimeError('PytorchStreamReader failed locating file data.pkl: '
                  'file not found'),
     'it is corrupt (PytorchStreamReader failed locating file data.pkl: '
     'file not found)'),
    (RuntimeError('failed finding central directory of zip archive'),
     'it is corrupt (failed finding central directory of zip archive)'),
    (ValueError('   \n'), None),
    (RuntimeError('bad invalid header here'),
     'it is corrupt (bad invalid header here)'),
    (RuntimeError('CUDA error: out of memory'), None),
])
def test_torch_read_errors_that_mean_a_corrupt_file(error, reason):
    assert sc._torch_read_error(error) == reason


# --------------------------------------------------------------------------
# the guarded getattr
# --------------------------------------------------------------------------
def test_getattr_serves_only_history_buffer_statistics(monkeypatch):
    # as in a fresh process: no statistics registered beyond the built-ins
    # (earlier tests in the same process may have registered some)
    monkeypatch.setattr(HistoryBuffer, '_statistics_methods', {})
    for name in ('min', 'max', 'current', 'mean'):
        assert sc._history_buffer_getattr(HistoryBuffer, name) is \
            getattr(HistoryBuffer, name)
    with pytest.raises(pickle.UnpicklingError) as info:
        sc._history_buffer_getattr(HistoryBuffer, '__init__')
    assert str(info.value) == (
        f'checkpoint asks for getattr({HistoryBuffer!r}, \'__init__\'); '
        'only HistoryBuffer statistics methods are allowed.')
    with pytest.raises(pickle.UnpicklingError):
        sc._history_buffer_getattr(dict, 'mean')


# --------------------------------------------------------------------------
# loading routes
# --------------------------------------------------------------------------
def test_map_location_is_passed_on(tmp_path):
    path = str(_good(tmp_path / 'g.pth'))
    for mmap in (False, True):
        out = safe_torch_load(path, map_location='meta', mmap=mmap)
        assert out['state_dict']['w'].device.type == 'meta'
    assert sc.load_from_local(path, map_location='meta')[
        'state_dict']['w'].device.type == 'meta'


def test_local_loader_expands_home_and_names_missing_files(tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    _good(tmp_path / 'g.pth')
    out = sc.load_from_local('~/g.pth')
    assert torch.equal(out['state_dict']['w'], torch.arange(4.0))
    with pytest.raises(FileNotFoundError) as info:
        sc.load_from_local('~/none.pth')
    assert str(info.value) == f'{tmp_path}/none.pth can not be found.'


def test_local_scheme_registration_is_idempotent(monkeypatch):
    from mmengine.runner.checkpoint import CheckpointLoader
    monkeypatch.setattr(CheckpointLoader, '_schemes',
                        dict(CheckpointLoader._schemes))
    CheckpointLoader._schemes[''] = torch.load  # as MMEngine has it
    sc.use_safe_local_loader()  # replaces it, without complaining
    assert CheckpointLoader._get_checkpoint_loader('a.pth') is \
        sc.load_from_local
    assert CheckpointLoader._get_checkpoint_loader('/x/a.pth') is \
        sc.load_from_local


def test_allow_list_registration(monkeypatch):
    registered = []
    monkeypatch.setattr(torch.serialization, 'add_safe_globals',
                        registered.append)
    sc.allow_mmengine_checkpoints()
    assert len(registered) == 1
    assert [str(g) for g in registered[0]] == [
        str(g) for g in sc.mmengine_checkpoint_globals()]
    monkeypatch.delattr(torch.serialization, 'add_safe_globals')
    sc.allow_mmengine_checkpoints()  # older torch: nothing to register
    assert len(registered) == 1


def _raise_mismatch(*args, **kwargs):
    raise CheckpointMismatchError('prompts of another CLIP')


def test_mismatch_errors_name_the_file_once():
    wrapped = sc._name_the_file(_raise_mismatch)
    assert sc._name_the_file(wrapped) is wrapped
    for args, kwargs, name in (((None, 'a.pth'), {}, 'a.pth'),
                               ((None, ), {'filename': 'b.pth'}, 'b.pth'),
                               ((None, ), {}, '?')):
        with pytest.raises(CheckpointMismatchError) as info:
            wrapped(*args, **kwargs)
        assert str(info.value) == (f"Checkpoint {name!r} does not fit the "
                                   'model: prompts of another CLIP')
    assert sc._name_the_file(len)('abc') == 3  # results pass through


def test_mmengine_routes_are_patched_once(monkeypatch):
    import mmengine.runner as runner_pkg
    from mmengine.runner import Runner
    from mmengine.runner import checkpoint as checkpoint_module
    for owner, name in ((Runner, 'load_checkpoint'),
                        (checkpoint_module, 'load_checkpoint'),
                        (runner_pkg, 'load_checkpoint')):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    monkeypatch.setattr(checkpoint_module, 'load_checkpoint',
                        _raise_mismatch)
    before = Runner.load_checkpoint
    sc.name_checkpoint_in_mismatch_errors()
    sc.name_checkpoint_in_mismatch_errors()
    assert Runner.load_checkpoint is before  # already wrapped at import
    assert runner_pkg.load_checkpoint is checkpoint_module.load_checkpoint
    with pytest.raises(CheckpointMismatchError) as info:
        runner_pkg.load_checkpoint(None, 'c.pth')
    assert str(info.value) == ("Checkpoint 'c.pth' does not fit the model: "
                               'prompts of another CLIP')
