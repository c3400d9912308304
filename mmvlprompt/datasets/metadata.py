"""Class lists and annotation files from a dataset's own metadata.

Supported sources:

- the official Kinetics CSVs (``label,youtube_id,time_start,time_end,split``);
  the label order is the sorted class names, as in MMAction2;
- UCF-101's ``classInd.txt`` (``<1-based index> <ClassName>`` lines);
- HMDB-51's class folders, or its ``<class>_test_split<k>.txt`` split files;
- Something-Something v2's ``labels.json`` (``{"name": "index"}``);
- any ``class_name/video.ext`` folder tree (sorted folder names).

The names are returned as the dataset spells them; turning them into prompt
text is the job of :func:`mmvlprompt.utils.normalize_class_name`, applied
when a model loads them.
"""
import csv
import json
import re
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

from ..utils.class_names import normalize_class_name
from .annotations import AnnotationLine

PathType = Union[str, Path]
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.webm', '.mkv', '.mov', '.m4v', '.flv',
                    '.mpg', '.mpeg')


class KineticsClip(NamedTuple):
    """One row of an official Kinetics CSV."""
    label: Optional[str]
    youtube_id: str
    time_start: int
    time_end: int
    split: str
    line: int


def read_kinetics_csv(path: PathType) -> List[KineticsClip]:
    """Read an official Kinetics CSV (K400, K600, K700).

    The header must contain ``youtube_id``, ``time_start`` and
    ``time_end``; ``label`` and ``split`` are optional (test CSVs have no
    label). Extra columns such as ``is_cc`` are ignored.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: For a missing column or a malformed row, naming
            ``file:line``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'Kinetics CSV {str(path)!r} does not exist.')
    clips = []
    with path.open(encoding='utf-8-sig', newline='') as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in reader.fieldnames or []]
        reader.fieldnames = fields
        missing = {'youtube_id', 'time_start', 'time_end'} - set(fields)
        if missing:
            raise ValueError(
                f'{path}:1: not a Kinetics CSV, missing column(s) '
                f'{sorted(missing)} (header: {",".join(fields)!r}).')
        for row in reader:
            number = reader.line_num
            if None in row or any(row.get(k) is None for k in fields):
                raise ValueError(f'{path}:{number}: expected {len(fields)} '
                                 'fields as in the header.')
            try:
                start = int(float(row['time_start']))
                end = int(float(row['time_end']))
            except ValueError:
                raise ValueError(
                    f'{path}:{number}: time_start/time_end '
                    f'{row["time_start"]!r}, {row["time_end"]!r} are not '
                    'numbers.') from None
            label = (row.get('label') or '').strip() or None
            clips.append(KineticsClip(label, row['youtube_id'].strip(), start,
                                      end, (row.get('split') or '').strip(),
                                      number))
    return clips


def classes_from_kinetics_csv(paths: Sequence[PathType]) -> List[str]:
    """Sorted class names found in one or more Kinetics CSVs."""
    names = set()
    for path in paths:
        names.update(c.label for c in read_kinetics_csv(path) if c.label)
    if not names:
        raise ValueError(f'no labels found in {[str(p) for p in paths]} '
                         '(test CSVs carry none: use the train CSV).')
    return sorted(names)


def classes_from_ucf_classind(path: PathType) -> List[str]:
    """Class names of UCF-101's ``classInd.txt``, in index order.

    Each line is ``<index> <ClassName>`` with 1-based indices; the label of
    a class is its index minus one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'classInd file {str(path)!r} does not '
                                'exist.')
    by_index: Dict[int, str] = {}
    lines = path.read_text(encoding='utf-8-sig').splitlines()
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[0].isdigit():
            raise ValueError(f'{path}:{number}: expected "<index> '
                             f'<ClassName>", got {line.strip()!r}.')
        index = int(fields[0])
        if index in by_index:
            raise ValueError(f'{path}:{number}: index {index} appears '
                             'twice.')
        by_index[index] = fields[1]
    return _contiguous(by_index, 1, path)


def classes_from_ssv2_json(path: PathType) -> List[str]:
    """Class names of SSv2's ``labels.json``, in label order.

    The file maps each template to its index, ``{"Approaching something
    with your camera": "0", ...}``; a plain list of names is accepted too.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'labels file {str(path)!r} does not exist.')
    try:
        data = json.loads(path.read_text(encoding='utf-8-sig'))
    except json.JSONDecodeError as error:
        raise ValueError(f'{path}:{error.lineno}: not valid JSON: '
                         f'{error.msg}.') from None
    if isinstance(data, list):
        return [str(n) for n in data]
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a {{"name": index}} object.')
    by_index: Dict[int, str] = {}
    for name, index in data.items():
        try:
            index = int(index)
        except (TypeError, ValueError):
            raise ValueError(f'{path}: index {index!r} of {name!r} is not '
                             'an integer.') from None
        if index in by_index:
            raise ValueError(f'{path}: index {index} is used by both '
                             f'{by_index[index]!r} and {name!r}.')
        by_index[index] = name
    return _contiguous(by_index, 0, path)


def _contiguous(by_index: Dict[int, str], first: int, path: Path) -> List[str]:
    """Names ordered by index; the indices must be ``first..first+C-1``."""
    if not by_index:
        raise ValueError(f'{path}: no classes found.')
    expected = set(range(first, first + len(by_index)))
    if set(by_index) != expected:
        missing = sorted(expected - set(by_index))
        raise ValueError(f'{path}: indices must run from {first} to '
                         f'{first + len(by_index) - 1} without gaps; missing '
                         f'{missing[:10]}.')
    return [by_index[i] for i in sorted(by_index)]


def class_folders(root: PathType) -> List[Path]:
    """Sorted, non-hidden sub-folders of ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f'folder {str(root)!r} does not exist.')
    folders = sorted((p for p in root.iterdir()
                      if p.is_dir() and not p.name.startswith('.')),
                     key=lambda p: p.name)
    if not folders:
        raise ValueError(f'{root} has no class sub-folders '
                         '(expected <root>/<class_name>/<video>).')
    return folders


def classes_from_folders(root: PathType) -> List[str]:
    """Sorted class-folder names of a ``class_name/video`` tree."""
    return [p.name for p in class_folders(root)]


_HMDB_SPLIT = re.compile(r'^(?P<name>.+)_test_split\d+\.txt$')


def classes_from_hmdb(root: PathType) -> List[str]:
    """HMDB-51 class names, sorted, as MMAction2 labels them.

    ``root`` is either the folder of extracted class folders
    (``brush_hair/``, ``cartwheel/`` ...) or the folder of the official
    split files (``brush_hair_test_split1.txt`` ...).
    """
    root = Path(root)
    if root.is_dir():
        from_splits = {m.group('name') for p in root.iterdir()
                       for m in [_HMDB_SPLIT.match(p.name)] if m}
        if from_splits:
            return sorted(from_splits)
    return classes_from_folders(root)


class LabelLookup:
    """Find a class name's label in a label map.

    Names are compared as written first, then after
    :func:`normalize_class_name`, so ``brush_hair`` finds ``brush hair`` and
    ``ApplyEyeMakeup`` finds ``apply eye makeup``.
    """

    def __init__(self, class_names: Sequence[str]):
        self.exact = {n: i for i, n in enumerate(class_names)}
        self.loose = {normalize_class_name(n): i
                      for i, n in enumerate(class_names)}

    def get(self, name: str) -> Optional[int]:
        """The label of ``name``, or None if it is not in the map."""
        label = self.exact.get(name)
        return label if label is not None else self.loose.get(
            normalize_class_name(name))

    def labels(self, names: Sequence[str], what: str) -> List[int]:
        """Labels of all ``names``; a clear error lists the unknown ones."""
        labels = [self.get(n) for n in names]
        unknown = [n for n, label in zip(names, labels) if label is None]
        if unknown:
            raise ValueError(f'{what} {unknown[:10]} not in the label map '
                             '(compared as written and after '
                             'normalisation).')
        return labels


def file_list_from_folders(root: PathType,
                           class_names: Optional[Sequence[str]] = None,
                           extensions: Sequence[str] = VIDEO_EXTENSIONS
                           ) -> List[AnnotationLine]:
    """Annotation lines for a ``class_name/video.ext`` tree.

    Args:
        root: Folder with one sub-folder per class. Videos may sit deeper
            inside a class folder; paths are written relative to ``root``.
        class_names: Label map to index; folder names are matched as
            written or after normalisation (``brush_hair`` matches
            ``brush hair``). None: labels are the sorted folder names.
        extensions: Video file extensions, lower case.

    Returns:
        list[AnnotationLine]: Sorted by class folder, then path.
    """
    root = Path(root)
    folders = class_folders(root)
    names = [p.name for p in folders]
    labels = dict(zip(names, range(len(names)) if class_names is None else
                      LabelLookup(class_names).labels(names,
                                                      'class folder(s)')))
    extensions = tuple(e.lower() for e in extensions)
    entries = []
    for folder in folders:
        videos = sorted(p for p in folder.rglob('*')
                        if p.is_file() and p.suffix.lower() in extensions)
        entries.extend(AnnotationLine(p.relative_to(root).as_posix(),
                                      labels[folder.name]) for p in videos)
    if not entries:
        raise ValueError(f'no videos with extensions {list(extensions)} '
                         f'under {root}.')
    return entries


def kinetics_video_name(clip: KineticsClip, ext: str = '.mp4') -> str:
    """``<youtube_id>_<start:06d>_<end:06d><ext>``: the file name of
    MMAction2's Kinetics download script and of the published splits."""
    return f'{clip.youtube_id}_{clip.time_start:06d}_{clip.time_end:06d}{ext}'


def file_list_from_kinetics_csv(path: PathType,
                                class_names: Optional[Sequence[str]] = None,
                                layout: str = 'flat',
                                prefix: str = '',
                                ext: str = '.mp4') -> List[AnnotationLine]:
    """Annotation lines for the clips of an official Kinetics CSV.

    Args:
        path: The CSV (``train.csv``, ``validate.csv`` ...).
        class_names: Label map to index (use the train map for every
            split). None: the sorted labels of this CSV.
        layout: ``'flat'`` writes ``<prefix><youtube_id>_<s>_<e><ext>``;
            ``'class'`` writes ``<prefix><class_folder>/<name>`` where the
            class folder is the label with spaces replaced by ``_``.
        prefix: Folder prepended to every path, e.g. ``'train/'``.
        ext: Video file extension.

    Returns:
        list[AnnotationLine]: One line per CSV row, in CSV order.
    """
    if layout not in ('flat', 'class'):
        raise ValueError(f"layout={layout!r}: expected 'flat' or 'class'.")
    clips = read_kinetics_csv(path)
    unlabelled = [c.line for c in clips if c.label is None]
    if unlabelled:
        raise ValueError(f'{path}:{unlabelled[0]}: row without a label '
                         f'({len(unlabelled)} in all); a file list needs '
                         'labels.')
    lookup = LabelLookup(class_names if class_names is not None else
                         sorted({c.label for c in clips}))
    entries = []
    for clip in clips:
        label = lookup.get(clip.label)
        if label is None:
            raise ValueError(f'{path}:{clip.line}: label {clip.label!r} is '
                             'not in the label map.')
        name = kinetics_video_name(clip, ext)
        if layout == 'class':
            name = f"{clip.label.replace(' ', '_')}/{name}"
        entries.append(AnnotationLine(prefix + name, label, clip.line))
    return entries
