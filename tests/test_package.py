"""Package metadata and registration into MMAction2's registries."""
import re
import subprocess
import sys
from pathlib import Path

import mmvlprompt

REPO = Path(__file__).resolve().parents[1]


def test_version_matches_setup():
    """__version__ is a semantic version and setup.py reads the same one."""
    assert re.fullmatch(r'\d+\.\d+\.\d+', mmvlprompt.__version__)
    out = subprocess.run([sys.executable, 'setup.py', '--version'], cwd=REPO,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == mmvlprompt.__version__


def test_modules_register_under_mmaction_scope():
    """import mmvlprompt registers every module in mmaction's registries."""
    from mmaction.registry import MODELS, OPTIM_WRAPPERS, TRANSFORMS
    assert MODELS.scope == 'mmaction'
    for name in ('VLPromptRecognizer', 'PromptedViT', 'VLPromptLearner',
                 'PromptedTextHead', 'ScenarioGuidedLoss'):
        cls = MODELS.get(name)
        assert cls is not None and cls.__module__.startswith('mmvlprompt.')
    assert TRANSFORMS.get('CheckedDecordInit').__module__.startswith(
        'mmvlprompt.')
    assert OPTIM_WRAPPERS.get('CPUAutocastOptimWrapper') is not None


def test_import_downloads_nothing_and_needs_no_network():
    """Importing the package in a fresh interpreter opens no socket."""
    code = ('import socket\n'
            'def deny(*a, **k): raise AssertionError("network used")\n'
            'socket.socket.connect = deny\n'
            'socket.create_connection = deny\n'
            'import mmvlprompt, mmaction.models\n'
            'print("ok", mmvlprompt.__version__)')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith('ok ')
