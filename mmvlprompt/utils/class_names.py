"""Class names are data: read them from a label map, an ``id,name`` CSV or a
list, check them, and turn dataset names into prompt text.

Accepted sources:

- a ``.txt`` label map (or any other non-CSV file): one class name per line,
  in label order. A trailing newline (or trailing blank lines) is fine; a
  blank line before the last name is an error, since it is unclear whether
  it is a class.
- a ``.csv`` file with an ``id,name`` header, the format of the published
  ViFi-CLIP protocol (``labels/*.csv``). Every id in ``0..C-1`` must appear
  exactly once; rows may come in any order and are placed by their id,
  because the id is the label that the split files use.
- a list (or tuple) of names, in label order.

Every error names the file and line (or the list position) at fault.
"""
import csv
import re
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

ClassNamesType = Union[str, Path, Sequence[str]]

# SSv2 placeholders such as ``[something]`` or ``[part of something]``.
_PLACEHOLDER = re.compile(r'\[([^\[\]]*)\]')
# Word boundaries inside a CamelCase identifier.
_CAMEL_SPLIT = re.compile(r'(?<=[a-z])(?=[A-Z])'  # eyeMakeup
                          r'|(?<=[A-Z])(?=[A-Z][a-z])'  # TVRemote
                          r'|(?<=[A-Za-z])(?=[0-9])'  # Top10
                          r'|(?<=[0-9])(?=[A-Za-z])')  # 10Tricks


def _is_camel_case(word: str) -> bool:
    """True for ``ApplyEyeMakeup``, ``YoYo``, ``TVRemote``; False for
    ``Skijet``, ``TV``, ``iPad``, ``mp3``."""
    return (word[:1].isupper() and any(c.islower() for c in word)
            and any(c.isupper() for c in word[1:]))


def normalize_class_name(name: str) -> str:
    """Turn a dataset class name into prompt text.

    Rules, applied in this order:

    1. underscores become spaces (HMDB ``brush_hair`` -> ``brush hair``);
    2. square brackets around SSv2 placeholders are dropped, their text
       kept (``Pushing [something] from left to right`` ->
       ``pushing something from left to right``);
    3. CamelCase words, i.e. words that start with a capital, contain a
       lower-case letter and another capital, are split into words
       (``ApplyEyeMakeup`` -> ``apply eye makeup``, ``YoYo`` -> ``yo yo``,
       ``PlayingDaf`` -> ``playing daf``). An upper-case run stays one word
       (``PlayingTV`` -> ``playing tv``, ``TVRemote`` -> ``tv remote``) and
       a digit run inside such a word becomes its own word
       (``Top10Tricks`` -> ``top 10 tricks``). Other words are kept
       whole: ``Skijet``, ``iPad``, ``mp3`` and ``3D`` are not split;
    4. everything is lower-cased (CLIP's tokenizer lower-cases its input
       anyway, so this changes no text feature) and runs of white space
       become one space.

    Parentheses, apostrophes and hyphens are kept as they are: Kinetics
    names such as ``skiing (not slalom or crosscountry)`` or
    ``massaging person's head`` stay readable and distinct, and the
    published protocols used them that way.

    Args:
        name: A class name as the dataset spells it.

    Returns:
        str: The text that goes into the prompt. Applying the function
        twice gives the same result as applying it once.
    """
    text = name.replace('_', ' ')
    text = _PLACEHOLDER.sub(r'\1', text)
    words = []
    for word in text.split():
        if _is_camel_case(word):
            words.extend(_CAMEL_SPLIT.split(word))
        else:
            words.append(word)
    return ' '.join(words).lower()


def _read_txt(path: Path) -> List[Tuple[str, int]]:
    """``(name, line number)`` pairs of a one-name-per-line label map."""
    lines = path.read_text(encoding='utf-8-sig').splitlines()
    while lines and not lines[-1].strip():
        lines.pop()  # trailing newline(s)
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise ValueError(
                f'{path}:{number}: blank line before the last class name; '
                'remove it (a label map has one name per line, in label '
                'order).')
        entries.append((line.strip(), number))
    return entries


def _read_csv(path: Path) -> List[Tuple[str, int]]:
    """``(name, line number)`` pairs of an ``id,name`` CSV, in id order."""
    with path.open(encoding='utf-8-sig', newline='') as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return []
        if [h.strip().lower() for h in header] != ['id', 'name']:
            raise ValueError(f'{path}:1: expected the header "id,name", '
                             f'got {",".join(header)!r}.')
        by_id: Dict[int, Tuple[str, int]] = {}
        blank_line = None
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                blank_line = blank_line or number
                continue
            if blank_line is not None:
                raise ValueError(f'{path}:{blank_line}: blank line between '
                                 'rows; remove it.')
            if len(row) != 2:
                raise ValueError(
                    f'{path}:{number}: expected 2 fields "id,name", got '
                    f'{len(row)}: {",".join(row)!r} (quote names that '
                    'contain commas).')
            ident, name = row[0].strip(), row[1].strip()
            try:
                label = int(ident)
            except ValueError:
                raise ValueError(f'{path}:{number}: id {ident!r} is not an '
                                 'integer.') from None
            if label in by_id:
                raise ValueError(f'{path}:{number}: id {label} already used '
                                 f'at line {by_id[label][1]}.')
            if not name:
                raise ValueError(f'{path}:{number}: empty class name.')
            by_id[label] = (name, number)
    expected = set(range(len(by_id)))
    if set(by_id) != expected:
        missing = sorted(expected - set(by_id))
        extra = sorted(set(by_id) - expected)
        raise ValueError(
            f'{path}: ids must be 0..{len(by_id) - 1} (one per class); '
            f'missing {missing[:10]}, out of range {extra[:10]}.')
    return [by_id[i] for i in range(len(by_id))]


def read_class_name_file(path: Union[str, Path]) -> List[Tuple[str, int]]:
    """Read a label map (``.txt``) or ``id,name`` CSV as it is written.

    Args:
        path: The file. ``.csv`` files are read as ``id,name`` tables,
            anything else as one name per line.

    Returns:
        list[tuple[str, int]]: ``(name, line number)`` in label order; the
        names are stripped but not normalised.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: For a blank line before the last name, a malformed CSV
            row or header, or ids that are not ``0..C-1``; the message gives
            ``file:line``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'class-name file {str(path)!r} does not '
                                'exist.')
    if path.suffix.lower() == '.csv':
        return _read_csv(path)
    return _read_txt(path)


def load_class_names(source: ClassNamesType,
                     key: str = 'class_names',
                     normalize: bool = True) -> Tuple[List[str], str]:
    """Return ``(names, description)`` from a class-name file or a list.

    Args:
        source: A ``.txt`` label map, an ``id,name`` ``.csv`` file, or a
            list of names in label order.
        key: Config key, used in error messages.
        normalize: Pass every name through :func:`normalize_class_name`.
            With ``False`` the names are used exactly as written (stripped).

    Returns:
        tuple: The names, and a short description of where they came from
        (the file path, or ``'list'``) for error messages.

    Raises:
        FileNotFoundError: If the file does not exist.
        TypeError: If ``source`` is neither a path nor a list.
        ValueError: For an empty source, empty or duplicate names (also
            names that only become equal after normalisation), or a
            malformed file; the message names the key and the file and
            line (or list index).
    """
    if isinstance(source, (str, Path)):
        origin = str(source)
        try:
            entries = read_class_name_file(source)
        except FileNotFoundError:
            raise FileNotFoundError(f'{key}: class-name file {origin!r} '
                                    'does not exist.') from None
        except ValueError as error:
            raise ValueError(f'{key}: {error}') from None
        where = [f'{origin}:{line}' for _, line in entries]
        raw = [name for name, _ in entries]
    elif isinstance(source, Sequence):
        origin = 'list'
        raw = [str(n).strip() for n in source]
        where = [f'{key}[{i}]' for i in range(len(raw))]
    else:
        raise TypeError(f'{key} must be a label-map path or a list of names, '
                        f'got {type(source).__name__}.')
    if not raw:
        raise ValueError(f'{key}: no class names found in {origin}.')
    names = [normalize_class_name(n) if normalize else n for n in raw]
    seen: Dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            raise ValueError(f'{key}: empty class name at {where[i]}.')
        if name in seen:
            j = seen[name]
            how = '' if raw[i] == raw[j] else (
                f' ({raw[j]!r} and {raw[i]!r} are equal after '
                'normalisation; set normalize_class_names=False to keep '
                'them apart)')
            raise ValueError(f'{key}: duplicate class name {name!r} at '
                             f'{where[j]} and {where[i]}{how}.')
        seen[name] = i
    return names, origin


def generated_class_names(count: int) -> List[str]:
    """``count`` distinct made-up class names of 2-5 words plus a number,
    for benchmarks when no label map is at hand."""
    words = ['playing', 'riding', 'making', 'throwing', 'juggling', 'ball',
             'guitar', 'horse', 'snow', 'cake', 'water', 'dancing', 'on',
             'the', 'with', 'a']
    return [' '.join(words[(i * 7 + j * 3) % len(words)]
                     for j in range(2 + i % 4)) + f' {i}'
            for i in range(count)]
