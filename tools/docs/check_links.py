"""Check the relative links and anchors of the project's Markdown files.

Sphinx (``make docs``) checks the pages under ``docs/en``; this script also
covers the Markdown that is not part of the site (``README.md``,
``docs/README.md``, ``configs/**/README.md``) and every link from any of them
to a repository file outside ``docs/en`` (``../../configs/...``)::

    python tools/docs/check_links.py [FILE.md ...]

A link is ``[text](target)`` or ``![alt](target)`` outside code; a target
that is not a URL must name an existing file or folder, and a ``#anchor``
on a Markdown file must be one of its headings, slugged as GitHub and
MyST (``myst_heading_anchors``) do. Prints one line per problem and exits 1
if there is any.
"""
import argparse
import glob
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Set

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from markdown_blocks import fenced_lines  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LINK = re.compile(r'!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^()\s]+)(?:\s+"[^"]*")?\)')
URL = re.compile(r'^[a-z][a-z0-9+.-]*:', re.I)


def default_files(root: str = ROOT) -> List[str]:
    """README.md, docs/**/*.md (but the build output) and configs' READMEs."""
    files = [osp.join(root, 'README.md')]
    files += glob.glob(osp.join(root, 'docs', '**', '*.md'), recursive=True)
    files += glob.glob(osp.join(root, 'configs', '**', 'README.md'),
                       recursive=True)
    return sorted(f for f in files if osp.isfile(f)
                  and '_build' not in f.split(osp.sep)
                  and 'generated' not in f.split(osp.sep))


def prose_lines(text: str):
    """``(line number, line)`` outside fenced code blocks, with inline code
    spans blanked out."""
    for num, line, in_code in fenced_lines(text):
        if not in_code:
            yield num, re.sub(r'`[^`]*`', lambda m: ' ' * len(m.group(0)),
                              line)


def slug(title: str) -> str:
    """GitHub / MyST heading anchor of a heading's text."""
    title = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', title)  # link text only
    title = title.replace('`', '')
    return re.sub(r'[^\w\- ]', '', title.strip().lower()).replace(' ', '-')


_ANCHORS: Dict[str, Set[str]] = {}


def anchors(path: str) -> Set[str]:
    """The heading anchors of a Markdown file (explicit ``(name)=`` targets
    too)."""
    if path not in _ANCHORS:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        found = set()
        for _, line, in_code in fenced_lines(text):
            if in_code:
                continue
            m = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
            if m:
                found.add(slug(m.group(1)))
            m = re.match(r'^\(([\w-]+)\)=\s*$', line)
            if m:
                found.add(m.group(1))
        _ANCHORS[path] = found
    return _ANCHORS[path]


def check_file(path: str, root: str = ROOT) -> List[str]:
    """Problems of one Markdown file, as ``file:line: message``."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    rel = osp.relpath(path, root)
    problems = []
    for num, line in prose_lines(text):
        for m in LINK.finditer(line):
            target = m.group(2)
            if URL.match(target) or target.startswith('<'):
                continue
            file_part, _, anchor = target.partition('#')
            dest = (path if not file_part else
                    osp.normpath(osp.join(osp.dirname(path), file_part)))
            where = f'{rel}:{num}'
            if not osp.exists(dest):
                problems.append(f'{where}: link to a missing file: {target}')
                continue
            if not osp.abspath(dest).startswith(osp.abspath(root) + osp.sep):
                problems.append(f'{where}: link leaves the repository: '
                                f'{target}')
                continue
            if anchor and dest.endswith('.md') and osp.isfile(dest):
                if anchor not in anchors(dest):
                    problems.append(f'{where}: no heading #{anchor} in '
                                    f'{osp.relpath(dest, root)}')
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('files', nargs='*',
                        help='default: README.md, docs/**/*.md, '
                        'configs/**/README.md')
    args = parser.parse_args(argv)
    files = args.files or default_files()
    problems = [p for f in files for p in check_file(osp.abspath(f))]
    for p in problems:
        print(p)
    print(f'check_links: {len(files)} files, {len(problems)} problem(s)',
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
