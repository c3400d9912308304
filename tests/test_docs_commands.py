"""The commands of the get-started pages run as printed.

Every fenced ``bash`` / ``shell`` block of ``docs/en/get_started/*.md`` is
run in a fresh shell, as a reader would after the two set-up commands: the
project's Python first on ``PATH`` (as ``source .venv/bin/activate`` does),
the working directory a copy of the checkout's layout (``tools``,
``configs``, ``checkpoints`` and the package linked, so that ``data/`` and
``work_dirs/`` are written in a temporary folder). A block that needs a
dataset, a GPU, weights or the network starts with ``# needs: <what>`` and
is only checked for that mark.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAGES = osp.join(ROOT, 'docs', 'en', 'get_started')
NEEDS = re.compile(r'^#\s*needs:\s*\S')


def command_blocks(page):
    """``(line, block, runnable)`` of a page's bash/shell fences."""
    with open(page, encoding='utf-8') as f:
        text = f.read()
    blocks = []
    for m in re.finditer(r'^```(bash|shell|sh)\s*\n(.*?)^```', text,
                         re.M | re.S):
        body = m.group(2)
        line = text[:m.start()].count('\n') + 1
        first = body.lstrip().split('\n', 1)[0]
        blocks.append((line, body, not NEEDS.match(first)))
    return blocks


def all_blocks():
    out = []
    for page in sorted(os.listdir(PAGES)):
        if page.endswith('.md'):
            for line, body, runnable in command_blocks(osp.join(PAGES, page)):
                out.append((f'{page}:{line}', body, runnable))
    return out


BLOCKS = all_blocks()
RUNNABLE = [b for b in BLOCKS if b[2]]


def test_runnable_commands_exist_and_the_rest_are_marked():
    assert len(RUNNABLE) >= 3, [b[0] for b in BLOCKS]
    # the K400 path is printed but needs data: marked, not silently skipped
    marked = [b for b in BLOCKS if not b[2]]
    assert any('dist_train.sh configs/vlprompt_k400.py' in b[1]
               for b in marked)
    # nothing runnable may call the set-up commands or a GPU launcher
    for where, body, _ in RUNNABLE:
        assert not re.search(r'\bmake (test|demo)\b|dist_train|--device cuda',
                             body), where


def test_command_marker_parsing():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        page = osp.join(tmp, 'p.md')
        with open(page, 'w') as f:
            f.write('x\n```bash\necho a\n```\n```python\nprint(1)\n```\n'
                    '```bash\n# needs: a GPU\nnvidia-smi\n```\n'
                    '```shell\n# a plain comment\necho b\n```\n')
        blocks = command_blocks(page)
    assert [(b[0], b[2]) for b in blocks] == [(2, True), (8, False),
                                              (12, True)]


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    """A folder laid out like the checkout, for commands run from the root."""
    work = tmp_path_factory.mktemp('docs_commands')
    for name in ('tools', 'configs', 'checkpoints', 'mmvlprompt', 'Makefile',
                 'requirements.txt', 'requirements', 'setup.py'):
        os.symlink(osp.join(ROOT, name), work / name)
    return work


@pytest.mark.slow
@pytest.mark.parametrize('where,body,runnable', RUNNABLE,
                         ids=[b[0] for b in RUNNABLE])
def test_command_block_runs_as_printed(where, body, runnable, workdir):
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env.setdefault('OMP_NUM_THREADS', '2')
    for key in ('MMVLP_SYNTHETIC_ROOT', 'MMVLP_BENCH_ROOT', 'PYTHONPATH'):
        env.pop(key, None)
    proc = subprocess.run(['bash', '-e', '-o', 'pipefail', '-c', body],
                          cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, (
        f'{where}: exit {proc.returncode}\n{body}\n'
        f'--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}')
