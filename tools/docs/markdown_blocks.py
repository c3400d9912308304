"""Markdown split into prose and fenced code, shared by the docs tools.

``check_links.py`` reads links and headings from the prose only;
``readme_inventory.py`` inventories prose and code apart. Both walk a page
the same way: a line opening with three backticks or tildes starts a fenced
block, the next line opening with the same three characters ends it, and
the fence lines themselves belong to neither part.
"""
from typing import Iterator, Tuple


def fenced_lines(text: str) -> Iterator[Tuple[int, str, bool]]:
    """``(line number, line, inside a fenced block)`` for every line of
    ``text`` but the fence lines; numbers start at 1."""
    fence = None
    for num, line in enumerate(text.split('\n'), 1):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(('```', '~~~')):
            fence = stripped[:3]
            continue
        if fence is not None and stripped.startswith(fence):
            fence = None
            continue
        yield num, line, fence is not None
