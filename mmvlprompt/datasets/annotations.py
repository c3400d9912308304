"""Read and write MMAction2 video annotation files.

An annotation file has one ``<relative/path> <label>`` line per video, the
format MMAction2's ``VideoDataset`` reads and the published split files use.
"""
import csv
from pathlib import Path
from typing import Iterable, List, NamedTuple, Optional, Sequence, Union

from mmengine.fileio import exists, get_text

PathType = Union[str, Path]
_MAX_LISTED = 10


class AnnotationLine(NamedTuple):
    """One video of an annotation file.

    Attributes:
        path: Video path relative to the data root, as written in the file.
        label: Class index; a tuple of indices for ``multi_class`` files.
        line: 1-based line number in the source file (0 if generated).
    """
    path: str
    label: Union[int, tuple]
    line: int = 0


def raise_if_errors(errors: Sequence[str], what: str) -> None:
    """Raise one ValueError listing the first problems, if any."""
    if not errors:
        return
    shown = '\n  '.join(errors[:_MAX_LISTED])
    more = f'\n  ... and {len(errors) - _MAX_LISTED} more' \
        if len(errors) > _MAX_LISTED else ''
    raise ValueError(f'{len(errors)} bad line(s) in {what}:\n  {shown}'
                     f'{more}')


def _parse_line(where: str, text: str, delimiter: str, multi_class: bool,
                num_classes: Optional[int]):
    """``(path, labels, errors)`` of one non-blank line."""
    fields = text.split() if delimiter == ' ' else \
        [f.strip() for f in text.split(delimiter)]
    if len(fields) < 2 or (not multi_class and len(fields) != 2):
        expected = 'at least 2' if multi_class else '2'
        return None, None, [
            f'{where}: {len(fields)} field(s) in {text!r}, expected '
            f'{expected} (video, label{"s" if multi_class else ""}) '
            f'separated by {delimiter!r}']
    labels, errors = [], []
    for token in fields[1:]:
        try:
            label = int(token)
        except ValueError:
            label = None
        if label is None or label < 0:
            errors.append(f'{where}: label {token!r} is not a non-negative '
                          'integer')
        elif num_classes is not None and label >= num_classes:
            errors.append(f'{where}: label {label} is out of range for '
                          f'dataset.num_classes={num_classes}')
        else:
            labels.append(label)
    return fields[0], labels, errors


def read_annotations(path: PathType,
                     delimiter: str = ' ',
                     multi_class: bool = False,
                     num_classes: Optional[int] = None,
                     what: str = 'annotation file') -> List[AnnotationLine]:
    """Read an annotation file, checking every line.

    The one parser of annotation files: :class:`CheckedVideoDataset` and
    the data tools (``tools/data/``) both read through it. Each line is
    ``<video> <label>`` (``<video> <label> <label> ...`` with
    ``multi_class``); labels are non-negative integers, below
    ``num_classes`` when it is given. Blank lines are errors (MMAction2's
    ``VideoDataset`` cannot read them). A leading byte-order mark is
    ignored. Every bad line is reported, as ``file:line: problem``, in one
    error.

    Args:
        path: The annotation file (any MMEngine file backend).
        delimiter: Field separator; ``' '`` means any white space.
        multi_class: Allow several labels per line.
        num_classes: If given, labels must be in ``[0, num_classes)``.
        what: Names the file in messages, e.g. ``'dataset.ann_file'``.

    Returns:
        list[AnnotationLine]: The videos in file order (``label`` is a tuple
        with ``multi_class``).

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: For an empty file or bad lines, naming ``file:line``.
    """
    path = str(path)
    if not exists(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist.')
    text = get_text(path, encoding='utf-8-sig')  # utf-8-sig: drop a BOM
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ValueError(f'{what} {path!r} has no samples.')
    entries, errors = [], []
    for number, line in enumerate(lines, start=1):
        where = f'{path}:{number}'
        if not line.strip():
            errors.append(f'{where}: blank line')
            continue
        video, labels, bad = _parse_line(where, line.strip(), delimiter,
                                         multi_class, num_classes)
        errors += bad
        if not bad:
            label = tuple(labels) if multi_class else labels[0]
            entries.append(AnnotationLine(video, label, number))
    raise_if_errors(errors, f'{what} {path!r}')
    return entries


def write_annotations(path: PathType,
                      entries: Iterable[AnnotationLine]) -> int:
    """Write ``<path> <label>`` lines; create the folder if needed.

    Returns:
        int: The number of lines written.
    """
    entries = list(entries)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f'{e.path} {e.label}' for e in entries]
    for line, entry in zip(lines, entries):
        if len(line.split()) != 2:
            raise ValueError(f'cannot write {entry.path!r} to {path}: '
                             'MMAction2 annotation paths must not contain '
                             'white space.')
    path.write_text(''.join(f'{line}\n' for line in lines), encoding='utf-8')
    return len(lines)


def write_class_list(path: PathType, names: Iterable[str]) -> int:
    """Write class names in label order.

    A ``.csv`` path gets an ``id,name`` table (the published protocol's
    format); any other path a label map with one name per line.

    Returns:
        int: The number of names written.
    """
    names = list(names)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == '.csv':
        with path.open('w', encoding='utf-8', newline='') as handle:
            writer = csv.writer(handle, lineterminator='\n')
            writer.writerow(['id', 'name'])
            writer.writerows(enumerate(names))
    else:
        path.write_text(''.join(f'{n}\n' for n in names), encoding='utf-8')
    return len(names)
