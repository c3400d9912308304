"""Tests for the compatibility shims in :mod:`mmvlprompt.compat`.

Everything runs offline on CPU. Tests that need a pristine interpreter (no
mmvlprompt allow-list, a fresh process group) run in a subprocess.
"""
import json
import os
import pickle
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import mmvlprompt  # noqa: F401  (applies the shims)
from mmvlprompt.compat import (CPUAutocastOptimWrapper,
                               amp_optim_wrapper_type, patch_missing_drn,
                               setup_cpu_distributed)
from mmvlprompt.compat import mmaction_drn
from mmvlprompt.compat.cpu_dist import CPU_MODEL_WRAPPER
from mmvlprompt.compat.mmaction_drn import find_mmaction_root

REPO = Path(__file__).resolve().parents[1]
DRN_PKG = 'mmaction.models.localizers.drn'
DRN_MOD = DRN_PKG + '.drn'


def _run_python(code: str, env=None, timeout=120):
    """Run ``code`` in a fresh interpreter from the repo root."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = str(REPO)
    full_env.update(env or {})
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def _last_json_line(proc) -> dict:
    """Parse the last stdout line of a subprocess as JSON (or fail loudly)."""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('{')]
    assert lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# drn shim
# --------------------------------------------------------------------------
@pytest.fixture
def no_drn_modules(monkeypatch):
    """Remove the drn stand-in from sys.modules; restored after the test."""
    for key in (DRN_PKG, DRN_MOD):
        # setitem first records the original state (present or absent), so
        # whatever the test installs under ``key`` is undone afterwards.
        monkeypatch.setitem(sys.modules, key, None)
        monkeypatch.delitem(sys.modules, key)
    yield


def _fake_mmaction(root: Path, with_drn: bool) -> Path:
    localizers = root / 'mmaction' / 'models' / 'localizers'
    localizers.mkdir(parents=True)
    if with_drn:
        (localizers / 'drn').mkdir()
    return root / 'mmaction'


def test_drn_patch_noop_when_folder_exists(tmp_path, no_drn_modules):
    """A source layout with localizers/drn/ gets no stand-in modules."""
    root = _fake_mmaction(tmp_path, with_drn=True)
    before = set(sys.modules)
    assert patch_missing_drn(root) is False
    assert DRN_PKG not in sys.modules
    assert DRN_MOD not in sys.modules
    assert set(sys.modules) == before


def test_drn_patch_installs_stand_in_when_folder_missing(
        tmp_path, no_drn_modules):
    """A wheel layout without drn/ gets stand-in modules whose DRN fails."""
    root = _fake_mmaction(tmp_path, with_drn=False)
    assert patch_missing_drn(root) is True
    pkg, mod = sys.modules[DRN_PKG], sys.modules[DRN_MOD]
    assert pkg.__path__ == []  # a package, so `.drn.drn` resolves
    assert pkg.drn is mod
    with pytest.raises(ImportError, match='source'):
        mod.DRN()
    with pytest.raises(ImportError, match='source'):
        mod.DRN(1, key='value')


def test_drn_patch_second_call_is_noop(tmp_path, no_drn_modules):
    """Once installed, a second call returns False and keeps the modules."""
    root = _fake_mmaction(tmp_path, with_drn=False)
    assert patch_missing_drn(root) is True
    first = sys.modules[DRN_MOD]
    assert patch_missing_drn(root) is False
    assert sys.modules[DRN_MOD] is first


def test_drn_patch_noop_without_mmaction(monkeypatch, no_drn_modules):
    """With no mmaction installed (root None), nothing is installed."""
    monkeypatch.setattr(mmaction_drn, 'find_mmaction_root', lambda: None)
    assert patch_missing_drn() is False
    assert DRN_PKG not in sys.modules


def test_drn_real_environment_uses_stand_in():
    """The installed wheel lacks drn/, the shim acted and mmaction imports."""
    root = find_mmaction_root()
    assert root is not None and (root / '__init__.py').is_file()
    assert not (root / 'models' / 'localizers' / 'drn').is_dir()
    import mmaction.models  # noqa: F401  (fails without the shim)
    from mmaction.models.localizers import DRN
    from mmaction.registry import MODELS
    assert 'mmvlprompt stand-in' in sys.modules[DRN_PKG].__doc__
    with pytest.raises(ImportError, match='source'):
        DRN()
    # The stand-in is not registered anywhere.
    assert 'DRN' not in MODELS.module_dict


# --------------------------------------------------------------------------
# safe checkpoint loading
# --------------------------------------------------------------------------
@pytest.fixture
def mmengine_ckpt(tmp_path):
    """An MMEngine-shaped checkpoint with a real message hub state."""
    from mmengine.logging import MessageHub
    # a hub of its own: a named global one would keep the scalars of an
    # earlier run of this test in the same process
    hub = MessageHub.get_instance(f'test_compat_safe_ckpt_{uuid.uuid4().hex}')
    for value in (1.5, 2.5, 3.5):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', 3)
    ckpt = {
        'meta': {'epoch': 1, 'iter': 3},
        'state_dict': {'w': torch.ones(2)},
        'message_hub': hub.state_dict(),
        'array': np.arange(6, dtype=np.float32).reshape(2, 3),
        'mask': np.array([True, False]),
        'scalar': np.float64(0.25),
        'count': np.int64(7),
    }
    path = tmp_path / 'epoch_1.pth'
    torch.save(ckpt, path)
    return path


def test_mmengine_checkpoint_loads_with_weights_only(mmengine_ckpt):
    """torch.load (weights_only default) round-trips an MMEngine checkpoint."""
    from mmengine.logging import HistoryBuffer
    out = torch.load(mmengine_ckpt)  # default: weights_only=True
    assert out['meta'] == {'epoch': 1, 'iter': 3}
    assert torch.equal(out['state_dict']['w'], torch.ones(2))
    np.testing.assert_array_equal(
        out['array'], np.arange(6, dtype=np.float32).reshape(2, 3))
    assert out['array'].dtype == np.float32
    np.testing.assert_array_equal(out['mask'], [True, False])
    assert isinstance(out['scalar'], np.float64) and out['scalar'] == 0.25
    assert isinstance(out['count'], np.int64) and out['count'] == 7
    buf = out['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    np.testing.assert_allclose(buf.data[0], [1.5, 2.5, 3.5])
    assert buf.mean() == pytest.approx(2.5)
    assert buf.current() == pytest.approx(3.5)
    assert buf.statistics('mean', 2) == pytest.approx(3.0)
    assert out['message_hub']['runtime_info']['iter'] == 3


def test_mmengine_load_checkpoint_uses_allow_list(mmengine_ckpt):
    """MMEngine's own checkpoint loader (used by --resume) reads the file."""
    from mmengine.runner.checkpoint import _load_checkpoint
    out = _load_checkpoint(str(mmengine_ckpt), map_location='cpu')
    assert out['meta']['epoch'] == 1
    assert out['message_hub']['log_scalars']['train/loss'].current() == 3.5


def test_weights_only_load_fails_without_allow_list(mmengine_ckpt):
    """Without mmvlprompt imported, the same file is refused by torch."""
    proc = _run_python(f"""
        import json, pickle, sys
        import torch
        try:
            torch.load({str(mmengine_ckpt)!r}, weights_only=True)
            result = 'loaded'
        except pickle.UnpicklingError as err:
            result = 'UnpicklingError: ' + str(err)
        print(json.dumps(dict(result=result,
                              mmvlprompt='mmvlprompt' in sys.modules)))
        """)
    out = _last_json_line(proc)
    assert out['mmvlprompt'] is False
    assert out['result'].startswith('UnpicklingError'), out
    assert 'HistoryBuffer' in out['result']


class _RunShell:
    """Pickles as a call to os.system."""

    def __reduce__(self):
        return (os.system, ('true',))


def test_allow_list_still_rejects_arbitrary_globals(tmp_path):
    """A pickled os.system call is still refused under weights_only=True."""
    path = tmp_path / 'evil.pth'
    torch.save({'x': _RunShell()}, path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path, weights_only=True)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


class _BuiltinsModule:
    """Pickles as getattr(getattr, '__self__'), i.e. the builtins module."""

    def __reduce__(self):
        return (getattr, (getattr, '__self__'))


class _BuiltinsAttr:
    """Pickles as getattr(<builtins module>, name)."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return (getattr, (_BuiltinsModule(), self.name))


class _CallBuiltin:
    """Pickles as <builtins.name>(*args), the callable reached via getattr."""

    def __init__(self, name, *args):
        self.name, self.args = name, args

    def __reduce__(self):
        return (_CallableRef(self.name), self.args)


class _CallableRef(_BuiltinsAttr):
    """Callable stand-in so pickle accepts it as a reduce function."""

    def __call__(self, *args):  # pragma: no cover - never called
        raise AssertionError


def test_allowed_getattr_cannot_call_reached_functions(tmp_path):
    """Functions reached through the allowed getattr stay uncallable."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil_getattr.pth'
    code = f"open({str(marker)!r}, 'w').close()"
    torch.save({'x': _CallBuiltin('exec', code)}, path)
    with pytest.raises(pickle.UnpicklingError, match='exec'):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_allowed_getattr_cannot_reach_arbitrary_objects(tmp_path):
    """A weights_only load must not hand out builtins.eval via getattr."""
    path = tmp_path / 'evil_getattr_ref.pth'
    torch.save({'x': _BuiltinsAttr('eval')}, path)
    try:
        out = torch.load(path, weights_only=True)
    except pickle.UnpicklingError:
        return
    assert out['x'] is not eval, 'weights_only load returned builtins.eval'


# The exact set of globals mmvlprompt allows under weights_only loading:
# MMEngine's message hub, NumPy arrays and scalars, and getattr routed to a
# stand-in that only serves HistoryBuffer's statistics methods. Anything
# added here must be reviewed: a callable on this list can run code.
INTENDED_ALLOW_LIST = {
    'mmengine.logging.history_buffer.HistoryBuffer',
    'numpy._core.multiarray._reconstruct', 'numpy._core.multiarray.scalar',
    'numpy.ndarray', 'numpy.dtype', '_codecs.encode', 'builtins.getattr',
    *(f'numpy.dtypes.{name}DType' for name in (
        'Float64', 'Float32', 'Float16', 'Int64', 'Int32', 'Int16', 'Int8',
        'UInt8', 'Bool')),
}


def _global_name(entry) -> str:
    """``module.qualname`` of an allow-list entry (``(obj, name)`` pairs
    are registered under ``name``)."""
    if isinstance(entry, tuple):
        return entry[1]
    name = f'{entry.__module__}.{entry.__qualname__}'
    return name.replace('numpy.core.', 'numpy._core.')  # numpy < 2


def test_allow_list_is_exactly_the_intended_set():
    """mmengine_checkpoint_globals() is the reviewed set, nothing more."""
    from mmvlprompt.compat.safe_checkpoint import mmengine_checkpoint_globals
    names = [_global_name(g) for g in mmengine_checkpoint_globals()]
    assert len(names) == len(set(names))
    assert set(names) == INTENDED_ALLOW_LIST


def test_import_registers_only_the_intended_globals():
    """What `import mmvlprompt` itself adds to torch's safe globals (calls
    of add_safe_globals from mmvlprompt's files, in a fresh interpreter;
    torch registers its own DTensor types on import, which are not ours)."""
    proc = _run_python("""
        import inspect, json, pathlib
        import torch
        import torch.serialization as ser

        added, original = [], ser.add_safe_globals

        def recording(globals_list):
            caller = inspect.stack()[1].filename
            if 'mmvlprompt' in pathlib.Path(caller).parts:
                added.extend(globals_list)
            return original(globals_list)
        ser.add_safe_globals = recording
        torch.serialization.add_safe_globals = recording

        def name(g):
            if isinstance(g, tuple):
                return g[1]
            return (g.__module__ + '.' + g.__qualname__).replace(
                'numpy.core.', 'numpy._core.')
        import mmvlprompt  # noqa: F401
        print(json.dumps(sorted(name(g) for g in added)))
        """)
    added = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(set(added)) == sorted(INTENDED_ALLOW_LIST)


class _Reduce:
    """Unpickles as ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _code_payloads(marker):
    """Each payload, if unpickled, creates ``marker``."""
    touch = f"open({str(marker)!r}, 'w').close()"
    return {
        'eval': (_Reduce(eval, touch), '`eval`'),
        'exec': (_Reduce(exec, touch), '`exec`'),
        # getattr(<builtins module>, 'exec')(code): reaches exec via getattr
        'getattr': (_CallBuiltin('exec', touch), 'getattr('),
        # __import__('os').system is reached through the import
        '__import__': (_Reduce(__import__, 'os'), '`__import__`'),
    }


@pytest.mark.parametrize('route', ['eval', 'exec', 'getattr', '__import__'])
def test_code_payloads_are_each_refused(tmp_path, route):
    """safe_torch_load refuses each route to code, names it, and nothing
    runs."""
    from mmvlprompt.compat import UnsafeCheckpointError, safe_torch_load
    marker = tmp_path / 'pwned'
    payload, name = _code_payloads(marker)[route]
    path = tmp_path / f'evil_{route}.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'x': payload}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        safe_torch_load(str(path), map_location='cpu')
    message = str(info.value)
    assert str(path) in message and 'for safety' in message, message
    assert name in message, message
    assert not marker.exists()


# --------------------------------------------------------------------------
# CPU autocast optimizer wrapper
# --------------------------------------------------------------------------
def _build_wrapper(model, **kwargs):
    from mmaction.registry import OPTIM_WRAPPERS
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return OPTIM_WRAPPERS.build(
        dict(type='CPUAutocastOptimWrapper', optimizer=optimizer, **kwargs))


def test_cpu_amp_wrapper_is_registered():
    """The wrapper is registered in mmaction's OPTIM_WRAPPERS registry."""
    from mmaction.registry import OPTIM_WRAPPERS
    assert OPTIM_WRAPPERS.get('CPUAutocastOptimWrapper') is \
        CPUAutocastOptimWrapper


def test_cpu_amp_wrapper_autocasts_to_bf16():
    """Linear outputs are bf16 inside optim_context and fp32 outside."""
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    wrapper = _build_wrapper(model)
    assert isinstance(wrapper, CPUAutocastOptimWrapper)
    assert wrapper.cast_dtype is torch.bfloat16
    x = torch.randn(5, 4)
    with wrapper.optim_context(model):
        out = model(x)
    assert out.dtype == torch.bfloat16
    assert model(x).dtype == torch.float32  # autocast ends with the context
    torch.testing.assert_close(out.float(), model(x), atol=5e-2, rtol=2e-2)


def test_cpu_amp_wrapper_float16_option():
    """dtype='float16' autocasts the forward pass to fp16."""
    model = nn.Linear(4, 3)
    wrapper = _build_wrapper(model, dtype='float16')
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.float16


def test_cpu_amp_wrapper_update_params_steps_sgd():
    """update_params does one SGD step: W -= lr * dL/dW (bf16 tolerance)."""
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    wrapper = _build_wrapper(model)
    w0 = model.weight.detach().clone()
    b0 = model.bias.detach().clone()
    x = torch.randn(5, 4)
    with wrapper.optim_context(model):
        loss = model(x).float().sum()
    wrapper.update_params(loss)
    # d(sum(xW^T + b))/dW[i, j] = sum_n x[n, j]; dL/db[i] = N
    expected_w = w0 - 0.1 * x.sum(0).expand(3, 4)
    expected_b = b0 - 0.1 * 5
    assert not torch.equal(model.weight.detach(), w0)
    torch.testing.assert_close(model.weight.detach(), expected_w,
                               atol=5e-2, rtol=2e-2)
    torch.testing.assert_close(model.bias.detach(), expected_b,
                               atol=5e-2, rtol=2e-2)
    assert model.weight.dtype == torch.float32  # master weights stay fp32
    assert model.weight.grad is None or not model.weight.grad.any()


def test_cpu_amp_wrapper_rejects_bad_dtype():
    """An unsupported dtype raises ValueError naming the value."""
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match='int8'):
        _build_wrapper(model, dtype='int8')


@pytest.mark.parametrize('cuda, expected', [
    (False, 'CPUAutocastOptimWrapper'), (True, 'AmpOptimWrapper')])
def test_amp_optim_wrapper_type(monkeypatch, cuda, expected):
    """--amp picks the CPU wrapper without CUDA and AmpOptimWrapper with it."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    monkeypatch.setattr(torch.cuda, 'get_device_capability',
                        lambda device=None: (9, 0))
    assert amp_optim_wrapper_type() == expected


# --------------------------------------------------------------------------
# CPU distributed setup
# --------------------------------------------------------------------------
def test_setup_cpu_distributed_none_launcher():
    """launcher='none' returns False and leaves the config untouched."""
    from mmengine.config import Config
    cfg = Config(dict(model=dict(type='M'), env_cfg=dict(dist_cfg=dict(
        backend='nccl'))))
    before = cfg.to_dict()
    assert setup_cpu_distributed('none', cfg) is False
    assert cfg.to_dict() == before
    assert 'model_wrapper_cfg' not in cfg
    assert not torch.distributed.is_initialized()


def test_setup_cpu_distributed_rejects_mpi(monkeypatch):
    """Without CUDA, launcher='mpi' raises ValueError pointing at 'pytorch'."""
    from mmengine.config import Config
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(model=dict(type='M')))
    with pytest.raises(ValueError, match="'mpi'") as info:
        setup_cpu_distributed('mpi', cfg)
    assert 'pytorch' in str(info.value)
    assert 'model_wrapper_cfg' not in cfg
    assert not torch.distributed.is_initialized()


def test_setup_cpu_distributed_noop_with_cuda(monkeypatch):
    """With CUDA present, the function leaves everything to MMEngine."""
    from mmengine.config import Config
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(model=dict(type='M')))
    assert setup_cpu_distributed('pytorch', cfg) is False
    assert 'model_wrapper_cfg' not in cfg


_DIST_SCRIPT = """
    import json, os
    import torch
    torch.cuda.is_available = lambda: False  # behave like a CPU-only host
    import torch.distributed as dist
    from mmengine.config import Config
    from mmvlprompt.compat import setup_cpu_distributed

    res = {}
    cfg = Config(dict(model=dict(type='M')))
    res['pytorch_ret'] = setup_cpu_distributed('pytorch', cfg)
    res['pytorch_init'] = dist.is_initialized()
    res['pytorch_backend'] = dist.get_backend()
    res['pytorch_rank_world'] = [dist.get_rank(), dist.get_world_size()]
    res['pytorch_wrapper'] = cfg.to_dict().get('model_wrapper_cfg')
    t = torch.tensor([3.0])
    dist.all_reduce(t)
    res['pytorch_allreduce'] = t.item()
    # Already initialised: no second init, still True.
    res['pytorch_again'] = setup_cpu_distributed('pytorch', cfg)
    dist.destroy_process_group()

    for key in ('RANK', 'WORLD_SIZE', 'MASTER_PORT', 'LOCAL_RANK'):
        os.environ.pop(key, None)
    os.environ.update(SLURM_PROCID='0', SLURM_NTASKS='1', SLURM_LOCALID='0',
                      SLURM_NODELIST='node0')
    cfg = Config(dict(model=dict(type='M'),
                      env_cfg=dict(dist_cfg=dict(port=SLURM_PORT))))
    res['slurm_ret'] = setup_cpu_distributed('slurm', cfg)
    res['slurm_backend'] = dist.get_backend()
    res['slurm_env'] = {k: os.environ.get(k) for k in (
        'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')}
    res['slurm_wrapper'] = cfg.to_dict().get('model_wrapper_cfg')
    dist.destroy_process_group()
    print(json.dumps(res))
"""


@pytest.fixture(scope='module')
def dist_results():
    """Run the pytorch and slurm launchers in one fresh subprocess."""
    port, slurm_port = _free_port(), _free_port()
    env = dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    script = _DIST_SCRIPT.replace('SLURM_PORT', str(slurm_port))
    proc = _run_python(script, env=env)
    out = _last_json_line(proc)
    out['_slurm_port'] = slurm_port
    return out


def test_setup_cpu_distributed_pytorch_launcher(dist_results):
    """launcher='pytorch' inits gloo and sets a device-free DDP wrapper."""
    res = dist_results
    assert res['pytorch_ret'] is True
    assert res['pytorch_init'] is True
    assert res['pytorch_backend'] == 'gloo'
    assert res['pytorch_rank_world'] == [0, 1]
    assert res['pytorch_wrapper'] == dict(
        type='MMDistributedDataParallel', device_ids=None,
        broadcast_buffers=False)
    assert res['pytorch_wrapper'] == CPU_MODEL_WRAPPER
    assert res['pytorch_allreduce'] == 3.0
    assert res['pytorch_again'] is True


def test_setup_cpu_distributed_slurm_launcher(dist_results):
    """launcher='slurm' maps SLURM_* to torch env vars and inits gloo."""
    res = dist_results
    assert res['slurm_ret'] is True
    assert res['slurm_backend'] == 'gloo'
    assert res['slurm_env'] == dict(
        RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(res['_slurm_port']))
    assert res['slurm_wrapper'] == CPU_MODEL_WRAPPER


# --------------------------------------------------------------------------
# atomic checkpoint saves (mmvlprompt/compat/atomic_save.py). Covered here:
# the patch, text writes, and a failed write keeping the old file. A SIGKILL
# during a real save is in tests/test_interrupted_training.py
# (test_sigkill_during_save_leaves_the_previous_state).
# --------------------------------------------------------------------------
def test_atomic_save_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """If writing the new bytes fails, the old file is intact and no
    temporary file is left behind."""
    path = tmp_path / 'epoch_1.pth'
    from mmengine.fileio.backends import LocalBackend
    backend = LocalBackend()
    backend.put(b'old', path)

    def broken_fsync(fd):
        raise OSError('disk full')
    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk full'):
        backend.put(b'new' * 1000, path)
    assert path.read_bytes() == b'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']


def test_atomic_writes_patch_is_applied_once():
    """import mmvlprompt routes MMEngine's checkpoint and pointer writes
    through atomic_write; a second patch call is a no-op."""
    from mmengine.fileio.backends import LocalBackend
    from mmengine.hooks import checkpoint_hook

    from mmvlprompt.compat import patch_atomic_writes
    from mmvlprompt.compat.atomic_save import atomic_open
    assert patch_atomic_writes() is False
    assert checkpoint_hook.open is atomic_open
    assert LocalBackend.put.__name__ == '_atomic_put'


def test_atomic_open_text_and_passthrough(tmp_path):
    """'w' lands on close, in one piece; other modes are the builtin."""
    from mmvlprompt.compat.atomic_save import atomic_open
    path = tmp_path / 'last_checkpoint'
    path.write_text('old')
    with atomic_open(path, 'w') as f:
        f.write('/work/epoch_2.pth')
        assert path.read_text() == 'old'  # nothing visible before close
    assert path.read_text() == '/work/epoch_2.pth'
    with atomic_open(path) as f:
        assert f.read() == '/work/epoch_2.pth'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['last_checkpoint']


def test_repeated_setup_formats_a_config_once_with_the_same_text(
        monkeypatch):
    """compat.repeated_setup: four reads of pretty_text run yapf once, and
    the text equals yapf's own; collect_env runs once and hands out
    copies."""
    from mmengine.config import Config
    from mmengine.config import config as config_module
    from mmengine.runner import runner as runner_module
    memoized = config_module.FormatCode
    assert getattr(memoized, '_mmvlprompt_memoized', False)
    original = memoized.__wrapped__
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    from mmvlprompt.compat.repeated_setup import _memoized_format_code
    monkeypatch.setattr(config_module, 'FormatCode',
                        _memoized_format_code(counting))
    cfg = Config(dict(model=dict(type='X', depth=[1, 2, 3]), lr=0.1,
                      name='a b'))
    texts = [cfg.pretty_text for _ in range(4)]
    assert len(calls) == 1 and len(set(texts)) == 1
    monkeypatch.setattr(config_module, 'FormatCode', original)
    assert cfg.pretty_text == texts[0]  # unchanged by the cache
    env = runner_module.collect_env()
    assert getattr(runner_module.collect_env, '_mmvlprompt_memoized', False)
    env['PyTorch'] = 'edited'
    assert runner_module.collect_env()['PyTorch'] != 'edited'
