"""Class names are data: read them from a label-map file or take a list."""
from pathlib import Path
from typing import List, Sequence, Tuple, Union

ClassNamesType = Union[str, Path, Sequence[str]]


def load_class_names(source: ClassNamesType,
                     key: str = 'class_names') -> Tuple[List[str], str]:
    """Return ``(names, description)`` from a label-map file or a list.

    A label-map file has one class name per line, in label order. Blank
    lines are ignored; underscores are read as spaces so that names such as
    ``abseiling_down`` become natural text.

    Args:
        source: Path of the label-map file, or a list of names.
        key: Config key, used in error messages.

    Returns:
        tuple: The names, and a short description of where they came from
        (the file path, or ``'list'``) for error messages.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f'{key}: label-map file {str(path)!r} '
                                    'does not exist.')
        lines = path.read_text(encoding='utf-8').splitlines()
        names = [ln.strip().replace('_', ' ') for ln in lines if ln.strip()]
        origin = str(path)
    elif isinstance(source, Sequence):
        names = [str(n).strip() for n in source]
        origin = 'list'
    else:
        raise TypeError(f'{key} must be a label-map path or a list of names, '
                        f'got {type(source).__name__}.')
    if not names:
        raise ValueError(f'{key}: no class names found in {origin}.')
    if any(not n for n in names):
        raise ValueError(f'{key}: empty class name in {origin}.')
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'{key}: duplicate class names {dup[:5]} in {origin}.')
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
