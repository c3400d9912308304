"""The Markdown walker that the docs tools share (tools/docs/markdown_blocks.py):
which lines are prose and which are fenced code, and what that means for
the link checker and the README inventory."""
import importlib.util
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _load(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', 'docs', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


blocks = _load('markdown_blocks')
links = _load('check_links')
inv = _load('readme_inventory')

PAGE = '\n'.join([
    '# Title',            # 1 prose
    '```bash',            # 2 fence
    'make test',          # 3 code
    '```',                # 4 fence
    '~~~',                # 5 fence (tildes)
    '```',                # 6 code: a backtick line inside a tilde block
    '# not a heading',    # 7 code
    '~~~',                # 8 fence
    '## Second',          # 9 prose
])


def test_fenced_lines_splits_prose_code_and_fences():
    got = list(blocks.fenced_lines(PAGE))
    assert [(n, code) for n, _, code in got] == [
        (1, False), (3, True), (6, True), (7, True), (9, False)]
    assert [line for _, line, _ in got] == [
        '# Title', 'make test', '```', '# not a heading', '## Second']


def test_tools_agree_with_the_walker(tmp_path):
    prose, code = inv.split(PAGE)
    assert prose == ['# Title', '## Second']
    assert code == ['make test', '```', '# not a heading']
    assert inv.headings(PAGE) == ['Title', 'Second']
    page = tmp_path / 'p.md'
    page.write_text(PAGE + '\n[ok](#second) [bad](#not-a-heading)\n')
    assert links.anchors(str(page)) == {'title', 'second'}
    assert [n for n, _ in links.prose_lines(PAGE)] == [1, 9]
    problems = links.check_file(str(page), root=str(tmp_path))
    assert len(problems) == 1 and '#not-a-heading' in problems[0], problems
