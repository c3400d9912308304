"""The transformers shim (:mod:`mmvlprompt.compat.mmaction_multimodal`).

Fake ``transformers`` packages (with a ``dist-info`` so that mmaction's
version check sees them) stand in for transformers 4.x and 5.x. Whole-import
checks run in fresh interpreters, since the shim acts at import time.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from mmvlprompt.compat import disable_incompatible_multimodal
from mmvlprompt.compat.mmaction_multimodal import (
    VINDLU_TRANSFORMERS_NAMES, missing_transformers_names)

REPO = Path(__file__).resolve().parents[1]
REMOVED_IN_5 = 'transformers.modeling_utils.apply_chunking_to_forward'


# Every fake name is a class; tokenizers are registered through
# `from_pretrained` at import time, so the stubs provide it.
_STUB = """
class _Stub:
    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        return cls()
"""


def _fake_transformers(root: Path, version: str, removed=()) -> Path:
    """Write a fake transformers ``version`` defining every name VindLU
    imports, except the dotted names in ``removed``."""
    for module, names in VINDLU_TRANSFORMERS_NAMES.items():
        parts = module.split('.')
        folder = root.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(1, len(parts)):  # parent packages
            init = root.joinpath(*parts[:i], '__init__.py')
            if not init.exists():
                init.write_text('')
        lines = [f'{name} = type({name!r}, (_Stub, ), {{}})'
                 for name in names if f'{module}.{name}' not in removed]
        init = folder / '__init__.py'
        init.write_text((init.read_text() if init.exists() else '') +
                        _STUB + '\n'.join(lines) + '\n')
    (root / 'transformers' / '__init__.py').write_text(
        (root / 'transformers' / '__init__.py').read_text() +
        f'__version__ = {version!r}\n')
    info = root / f'transformers-{version}.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: transformers\nVersion: {version}\n')
    return root


@pytest.fixture
def fake_transformers_path(monkeypatch):
    """Put a fake layout first on sys.path; forget it after the test."""
    def install(root: Path):
        monkeypatch.syspath_prepend(str(root))
        # this test process imported mmaction.models long ago; pretend it
        # did not, so the shim does not bail out as "too late"
        monkeypatch.delitem(sys.modules, 'mmaction.models.multimodal',
                            raising=False)
        return root
    yield install
    for key in [k for k in sys.modules
                if k == 'transformers' or k.startswith('transformers.')]:
        del sys.modules[key]


def _run_python(code: str, pythonpath: Path):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([str(pythonpath), str(REPO)])
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def _json(proc) -> dict:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_noop_with_transformers_4(tmp_path, fake_transformers_path):
    """transformers 4.x provides every name: nothing is switched off."""
    fake_transformers_path(_fake_transformers(tmp_path, '4.40.0'))
    assert missing_transformers_names() == []
    dependency = SimpleNamespace(WITH_MULTIMODAL=True)
    assert disable_incompatible_multimodal(dependency) is False
    assert dependency.WITH_MULTIMODAL is True


def test_switches_off_with_transformers_5(tmp_path, fake_transformers_path):
    """A transformers without apply_chunking_to_forward turns VindLU off."""
    fake_transformers_path(_fake_transformers(tmp_path, '5.17.0',
                                              removed={REMOVED_IN_5}))
    assert missing_transformers_names() == [REMOVED_IN_5]
    dependency = SimpleNamespace(WITH_MULTIMODAL=True)
    assert disable_incompatible_multimodal(dependency) is True
    assert dependency.WITH_MULTIMODAL is False
    assert dependency.MMVLPROMPT_MISSING_TRANSFORMERS_NAMES == [REMOVED_IN_5]


def test_noop_without_transformers():
    """No transformers (this environment): mmaction already skips VindLU."""
    dependency = SimpleNamespace(WITH_MULTIMODAL=False)
    assert disable_incompatible_multimodal(dependency) is False
    assert dependency.WITH_MULTIMODAL is False
    import mmaction.utils.dependency as real
    assert real.WITH_MULTIMODAL is False
    assert not hasattr(real, 'MMVLPROMPT_MISSING_TRANSFORMERS_NAMES')


def test_noop_once_mmaction_models_imported(tmp_path, fake_transformers_path,
                                            monkeypatch):
    """After mmaction.models.multimodal is imported it is too late: no-op."""
    fake_transformers_path(_fake_transformers(tmp_path, '5.17.0',
                                              removed={REMOVED_IN_5}))
    monkeypatch.setitem(sys.modules, 'mmaction.models.multimodal',
                        SimpleNamespace())
    dependency = SimpleNamespace(WITH_MULTIMODAL=True)
    assert disable_incompatible_multimodal(dependency) is False
    assert dependency.WITH_MULTIMODAL is True


_IMPORT_WITH_SHIM = """
    import json
    import mmvlprompt, mmaction.models, transformers
    import mmaction.utils.dependency as dep
    from mmaction.registry import MODELS
    try:
        MODELS.build(dict(type='VindLUVQA'))
        built = 'built'
    except ImportError as err:
        built = str(err)
    print(json.dumps(dict(version=transformers.__version__,
                          multimodal=dep.WITH_MULTIMODAL, built=built,
                          recognizer=MODELS.get('VLPromptRecognizer')
                          is not None)))
"""

# The same import without mmvlprompt's transformers shim (drn stand-in
# only, loaded from its file so that mmvlprompt/__init__ does not run).
_IMPORT_WITHOUT_SHIM = """
    import importlib.util, json
    spec = importlib.util.spec_from_file_location(
        'drn_shim', 'mmvlprompt/compat/mmaction_drn.py')
    drn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drn)
    drn.patch_missing_drn()
    try:
        import mmaction.models
        result = 'imported'
    except ImportError as err:
        result = f'{type(err).__name__}: {err}'
    print(json.dumps(dict(result=result)))
"""


@pytest.mark.slow
def test_import_mmvlprompt_next_to_transformers_5(tmp_path):
    """End to end: `import mmvlprompt, mmaction.models` works next to a
    transformers 5 layout, VindLU models are placeholders, and without the
    shim the same import fails on apply_chunking_to_forward."""
    root = _fake_transformers(tmp_path, '5.17.0', removed={REMOVED_IN_5})
    out = _json(_run_python(_IMPORT_WITH_SHIM, root))
    assert out['version'] == '5.17.0'
    assert out['multimodal'] is False
    assert out['recognizer'] is True
    assert 'multi-modal' in out['built'], out
    control = _json(_run_python(_IMPORT_WITHOUT_SHIM, root))
    assert control['result'].startswith('ImportError'), control
    assert 'apply_chunking_to_forward' in control['result'], control
