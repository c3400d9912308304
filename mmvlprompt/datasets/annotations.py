"""Read and write MMAction2 video annotation files.

An annotation file has one ``<relative/path> <label>`` line per video, the
format MMAction2's ``VideoDataset`` reads and the published split files use.
"""
import csv
from pathlib import Path
from typing import Iterable, List, NamedTuple, Union

PathType = Union[str, Path]


class AnnotationLine(NamedTuple):
    """One video of an annotation file.

    Attributes:
        path: Video path relative to the data root, as written in the file.
        label: Class index.
        line: 1-based line number in the source file (0 if generated).
    """
    path: str
    label: int
    line: int = 0


def read_annotations(path: PathType) -> List[AnnotationLine]:
    """Read an annotation file, checking every line.

    Blank lines are skipped. Each other line must have exactly two
    white-space separated fields, a path and a non-negative integer label.

    Args:
        path: The annotation file.

    Returns:
        list[AnnotationLine]: The videos in file order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: For a malformed line, naming ``file:line``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'annotation file {str(path)!r} does not '
                                'exist.')
    entries = []
    text = path.read_text(encoding='utf-8-sig')
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ValueError(
                f'{path}:{number}: expected "<video path> <label>", got '
                f'{len(fields)} fields: {line.strip()!r}.')
        try:
            label = int(fields[1])
        except ValueError:
            label = -1
        if label < 0:
            raise ValueError(f'{path}:{number}: label {fields[1]!r} is not '
                             'a non-negative integer.')
        entries.append(AnnotationLine(fields[0], label, number))
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
