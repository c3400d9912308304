"""Inventory of a Markdown file's facts, to prove that moved content lands.

The single-page README of commit ``ec5e6c4`` (about 143 KB) was split into
the pages of ``docs/en``. Its inventory is frozen in
``tests/data/readme_v1_inventory.json``::

    git show ec5e6c4:README.md | python tools/docs/readme_inventory.py - \\
        > tests/data/readme_v1_inventory.json

and ``tests/test_docs.py`` checks that every item is found in ``docs/``:
every heading as a heading, every inline code span, every table row, every
line of a fenced code block and every decimal or thousands-separated number
(links compared without their targets, since pages moved; white space
collapsed).
"""
import json
import os.path as osp
import re
import sys
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from markdown_blocks import fenced_lines  # noqa: E402

NUMBER = re.compile(r'(?<![\w.])\d+(?:,\d{3})+(?:\.\d+)?(?![\w])|'
                    r'(?<![\w.])\d+\.\d+(?![\w])')


def normalize(text: str) -> str:
    """Link targets dropped (``[text](x)`` -> ``[text]()``), white space
    collapsed."""
    text = re.sub(r'\]\([^)\s]*\)', ']()', text)
    return re.sub(r'\s+', ' ', text).strip()


def split(text: str):
    """``(prose lines, fenced code lines)`` of a Markdown text."""
    prose, code = [], []
    for _, line, in_code in fenced_lines(text):
        (code if in_code else prose).append(line)
    return prose, code


def headings(text: str) -> List[str]:
    prose, _ = split(text)
    return [m.group(1).strip() for m in
            (re.match(r'^#{1,6}\s+(.*?)\s*$', ln) for ln in prose) if m]


def inventory(text: str) -> Dict[str, List[str]]:
    prose, code = split(text)
    spans, rows, numbers = [], [], []
    for line in prose:
        if re.match(r'^\s*\|', line):
            if not re.match(r'^\s*\|[\s|:-]+\|\s*$', line):
                rows.append(normalize(line))
        spans += re.findall(r'`([^`]+)`', line)
        numbers += NUMBER.findall(re.sub(r'`[^`]*`', ' ', line))
    unique = lambda items: sorted(set(items))  # noqa: E731
    return dict(headings=headings(text), code_spans=unique(spans),
                table_rows=unique(rows),
                code_lines=unique(normalize(c) for c in code if c.strip()),
                numbers=unique(numbers))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else '-'
    text = sys.stdin.read() if path == '-' else open(path).read()
    json.dump(inventory(text), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
