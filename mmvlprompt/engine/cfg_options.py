"""``--cfg-options KEY=VALUE ...`` that keeps the spaces in text values.

mmengine's ``DictAction`` deletes every space of a value before parsing it,
so ``model.cls_head.template="a video of {}."`` arrives as ``avideoof{}.``.
Prompt templates, context initialisations and class names are exactly the
values this project's users pass on the command line, so every tool parses
``--cfg-options`` with :class:`CfgOptionsAction` instead.

How a value is read, in order:

1. a Python literal number, bool, None, string, list or tuple (``3``,
   ``1e-3``, ``True``, ``None``, ``[1, 2]``, ``(1, 2)``,
   ``"['apply eye makeup', 'brush hair']"``, ``'"a, b"'``) is taken as that
   literal (dicts and sets are not: ``{}`` stays the text ``{}``);
2. ``[...]`` and ``(...)`` become a list and a tuple of their comma-separated
   items, each item read by these same rules, so ``[a, b]`` is
   ``['a', 'b']`` and ``[apply eye makeup, brush hair]`` keeps the spaces;
3. ``V1,V2,V3`` without brackets becomes a list, like mmengine, when no item
   holds a space (``a,b`` and ``1, 2``); with spaces inside an item
   (``a photo of {}, in action.``) the value is text;
4. anything else is text, kept as written: ``true``/``false`` (any case)
   become bools, ``None`` becomes None, numbers become numbers.

To force text that looks like something else, quote it inside the shell
quotes: ``'key="1,2"'``.
"""
import argparse
import ast
from typing import Any, List

_BRACKETS = {'[': ']', '(': ')'}
# dicts, sets and bytes stay text, as in mmengine (so template={} works)
_LITERAL_TYPES = (int, float, bool, type(None), str, list, tuple)
_NOT_A_LITERAL = object()


def _split_top_level(text: str) -> List[str]:
    """Split at the commas outside any brackets or quotes."""
    items, depth, quote, start = [], 0, None, 0
    for idx, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in '\'"':
            quote = char
        elif char in '([':
            depth += 1
        elif char in ')]':
            depth -= 1
        elif char == ',' and depth == 0:
            items.append(text[start:idx])
            start = idx + 1
    items.append(text[start:])
    return items


def _scalar(text: str) -> Any:
    """A number, bool or None if ``text`` spells one, else the text."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ('true', 'false'):
        return text.lower() == 'true'
    if text == 'None':
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '\'"':
        return text[1:-1]
    return text


def parse_cfg_value(text: str) -> Any:
    """Read one ``--cfg-options`` value (see the module docstring)."""
    text = text.strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError,
            RecursionError):
        value = _NOT_A_LITERAL
    if isinstance(value, _LITERAL_TYPES):
        if isinstance(value, tuple) and len(_split_top_level(text)) > 1:
            value = list(value)  # bare "1,2": a tuple to Python, a list here
        return value
    if len(text) >= 2 and _BRACKETS.get(text[0]) == text[-1]:
        inner = text[1:-1].strip()
        items = [parse_cfg_value(item) for item in _split_top_level(inner)]
        if items and items[-1] == '' and inner.endswith(','):
            items.pop()  # trailing comma: "(a,)"
        if items == ['']:
            items = []
        return tuple(items) if text[0] == '(' else items
    items = _split_top_level(text)
    if len(items) > 1 and not any(' ' in item.strip() for item in items):
        return [parse_cfg_value(item) for item in items]
    return _scalar(text)


class CfgOptionsAction(argparse.Action):
    """Argparse action for ``--cfg-options KEY=VALUE [KEY=VALUE ...]``.

    A drop-in for mmengine's ``DictAction`` (same result type: a dict for
    ``Config.merge_from_dict``) that keeps spaces in text values. Values are
    read by :func:`parse_cfg_value`. Repeating the option adds to the dict.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        options = dict(getattr(namespace, self.dest, None) or {})
        for item in values or []:
            key, sep, value = item.partition('=')
            if not sep or not key:
                parser.error(f'{option_string}: {item!r} is not KEY=VALUE.')
            options[key.strip()] = parse_cfg_value(value)
        setattr(namespace, self.dest, options)


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """Add the shared ``--cfg-options`` argument to a tool's parser."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        metavar='KEY=VALUE',
        help='override config keys, e.g. model.neck.depth_text=4 or '
        'model.cls_head.template="a video of {}." (text keeps its spaces; '
        'lists, tuples, numbers, bools and None are parsed)')
