"""Deterministic few-shot and base/novel splits of an annotation file.

Conventions (those of the published ViFi-CLIP protocol):

- a few-shot file keeps exactly ``K`` videos of every class, with the
  labels unchanged;
- a base/novel split divides the classes in two. The base file keeps the
  videos of base classes and relabels them ``0..B-1`` in the order of the
  base class list; the novel file does the same with the novel classes. The
  class lists are written next to them, so a label indexes *its own* list,
  not the full one.

Everything depends only on the inputs and the seed: the same call gives the
same files on any machine.
"""
import math
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .annotations import AnnotationLine


def group_by_label(entries: Sequence[AnnotationLine]
                   ) -> Dict[int, List[AnnotationLine]]:
    """Videos of each label, in file order."""
    groups: Dict[int, List[AnnotationLine]] = defaultdict(list)
    for entry in entries:
        groups[entry.label].append(entry)
    return dict(groups)


def sample_few_shot(entries: Sequence[AnnotationLine],
                    shots: int,
                    seed: int,
                    num_classes: Optional[int] = None,
                    class_names: Optional[Sequence[str]] = None
                    ) -> List[AnnotationLine]:
    """Keep exactly ``shots`` videos of every class.

    Each class draws its videos with its own generator, seeded by
    ``(seed, label)``, so a class's sample does not depend on the other
    classes. The result is grouped by label; inside a class the videos keep
    their file order.

    Args:
        entries: The annotation lines to sample from.
        shots: ``K``, videos per class (>= 1).
        seed: Sampling seed (>= 0).
        num_classes: Number of classes; every label in ``0..C-1`` must have
            ``K`` videos. None: ``max(label) + 1``.
        class_names: Only used to name classes in error messages.

    Returns:
        list[AnnotationLine]: ``K * C`` lines.

    Raises:
        ValueError: If ``shots`` or ``seed`` is invalid, or a class has
            fewer than ``K`` videos (all such classes are listed).
    """
    if not isinstance(shots, int) or shots < 1:
        raise ValueError(f'shots={shots!r}: expected an integer >= 1.')
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f'seed={seed!r}: expected an integer >= 0.')
    groups = group_by_label(entries)
    if not groups:
        raise ValueError('no videos to sample from.')
    if num_classes is None:
        num_classes = max(groups) + 1 if groups else 0
    outside = sorted(label for label in groups if label >= num_classes)
    if outside:
        raise ValueError(f'labels {outside[:10]} are out of range for '
                         f'{num_classes} classes.')
    short = [(label, len(groups.get(label, ())))
             for label in range(num_classes)
             if len(groups.get(label, ())) < shots]
    if short:
        def describe(label):
            return f'{label} ({class_names[label]!r})' \
                if class_names is not None else str(label)
        listed = ', '.join(f'{describe(label)}: {count}'
                           for label, count in short[:10])
        raise ValueError(f'{len(short)} of {num_classes} classes have fewer '
                         f'than {shots} videos: {listed}'
                         f'{" ..." if len(short) > 10 else ""}.')
    picked = []
    for label in range(num_classes):
        videos = groups[label]
        rng = np.random.default_rng([seed, label])
        keep = np.sort(rng.choice(len(videos), size=shots, replace=False))
        picked.extend(videos[i] for i in keep)
    return picked


def split_classes(num_classes: int,
                  num_base: Optional[int] = None,
                  base_fraction: Optional[float] = None,
                  seed: Optional[int] = 0) -> Tuple[List[int], List[int]]:
    """Divide labels ``0..C-1`` into base and novel classes.

    Args:
        num_classes: ``C``.
        num_base: Number of base classes, in ``1..C-1``.
        base_fraction: Alternatively, the base share in ``(0, 1)``; the
            count is ``ceil(fraction * C)`` (0.5 gives 51/50 on UCF-101 and
            26/25 on HMDB-51, the published sizes). Default 0.5 when
            neither is given.
        seed: Draw the base classes at random with this seed; None takes
            the first ``num_base`` labels.

    Returns:
        tuple[list[int], list[int]]: Base and novel labels, each sorted.
    """
    if num_base is not None and base_fraction is not None:
        raise ValueError('give num_base or base_fraction, not both.')
    if num_base is None:
        fraction = 0.5 if base_fraction is None else base_fraction
        if not 0 < fraction < 1:
            raise ValueError(f'base_fraction={fraction!r}: expected a value '
                             'in (0, 1).')
        # rounded first: 0.07 * 100 is 7.000000000000001 in floats, and
        # its ceil must be 7, not 8
        num_base = math.ceil(round(fraction * num_classes, 9))
    if not 1 <= num_base < num_classes:
        raise ValueError(f'num_base={num_base!r}: expected 1..'
                         f'{num_classes - 1} for {num_classes} classes.')
    if seed is None:
        base = list(range(num_base))
    else:
        rng = np.random.default_rng(seed)
        base = sorted(int(i) for i in rng.permutation(num_classes)[:num_base])
    novel = sorted(set(range(num_classes)) - set(base))
    return base, novel


def relabel(entries: Sequence[AnnotationLine],
            labels: Sequence[int]) -> List[AnnotationLine]:
    """Keep the videos of ``labels`` and renumber them by their position in
    ``labels``."""
    position = {label: i for i, label in enumerate(labels)}
    return [AnnotationLine(e.path, position[e.label], e.line)
            for e in entries if e.label in position]


def base_novel_split(entries: Sequence[AnnotationLine],
                     base: Sequence[int],
                     novel: Sequence[int]
                     ) -> Tuple[List[AnnotationLine], List[AnnotationLine]]:
    """Base and novel annotation lines, relabelled to their own lists.

    Args:
        entries: Lines labelled with the full class list.
        base: Full-list labels of the base classes, in base-list order.
        novel: Full-list labels of the novel classes, in novel-list order.

    Returns:
        tuple: ``(base_lines, novel_lines)``; a base line's label is the
        position of its class in ``base`` (likewise for novel).

    Raises:
        ValueError: If the two class sets overlap or a line's class is in
            neither.
    """
    overlap = sorted(set(base) & set(novel))
    if overlap:
        raise ValueError(f'classes {overlap[:10]} are both base and novel.')
    known = set(base) | set(novel)
    stray = [e for e in entries if e.label not in known]
    if stray:
        raise ValueError(f'line {stray[0].line}: label {stray[0].label} is '
                         f'neither base nor novel ({len(stray)} such lines).')
    return relabel(entries, base), relabel(entries, novel)
