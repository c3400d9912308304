"""How a world writes its protocol files: a pool's videos, class subsets,
and the class lists, annotation files and few-shot samples of the four
settings (used by :mod:`.world_v2`; world v1's generator used them too until
it was removed, last at commit ``20ee9bd``)."""
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Union

import numpy as np

from ..datasets.annotations import (AnnotationLine, write_annotations,
                                    write_class_list)
from ..datasets.splits import sample_few_shot
from . import scene

SHOTS = (2, 4, 8, 16)  # the few-shot K values
SEEDS = (1, 2, 3)  # the few-shot and base-to-novel sampling seeds


def render_scene(triple: tuple, num_frames: int, size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """One video of a class tuple of :func:`.scene.class_sets`.

    An appearance class ``(colour, shape)`` gets a random motion, a motion
    class ``(motion,)`` a random object, both drawn from ``rng`` first.

    Returns:
        np.ndarray: ``(T, size, size, 3)`` uint8 RGB.
    """
    if len(triple) == 1:
        colour = list(scene.COLOURS)[rng.integers(len(scene.COLOURS))]
        shape = scene.SHAPES[rng.integers(len(scene.SHAPES))]
        motion = triple[0]
    else:
        colour, shape = triple
        motion = scene.MOTIONS[rng.integers(len(scene.MOTIONS))]
    return scene.render_clip(colour, shape, motion, num_frames, size, rng)


def subset_entries(entries: Sequence[AnnotationLine],
                   classes: Sequence[tuple],
                   keep: Sequence[tuple]) -> List[AnnotationLine]:
    """The videos of the classes ``keep``, relabelled by position in it."""
    position = {classes.index(t): i for i, t in enumerate(keep)}
    return [AnnotationLine(e.path, position[e.label]) for e in entries
            if e.label in position]


class ProtocolFiles:
    """Writes a world's videos, class lists and annotation files under one
    root, and records every file's path.

    Attributes:
        root: The output folder.
        paths: ``name -> Path`` of every file written (without ``.txt``),
            plus ``root``.
    """

    def __init__(self, root: Union[str, Path]):
        self.root = Path(root)
        self.paths: Dict[str, Path] = {'root': self.root}

    def pool(self, pool: str, triples: Sequence[tuple], count: int,
             render: Callable[[int, int], np.ndarray]
             ) -> List[AnnotationLine]:
        """Write ``count`` videos of every class of a pool as
        ``videos/<pool>/<class words>_<i>.mp4``; ``render(label, i)`` draws
        one. Returns the pool's annotation lines."""
        from ..datasets.video_io import write_video
        (self.root / 'videos' / pool).mkdir(parents=True, exist_ok=True)
        entries = []
        for label, triple in enumerate(triples):
            for i in range(count):
                rel = f'{pool}/{"_".join(triple)}_{i:03d}.mp4'
                write_video(self.root / 'videos' / rel, render(label, i))
                entries.append(AnnotationLine(rel, label))
        return entries

    def classes(self, name: str, triples: Sequence[tuple]) -> None:
        """``classes_<name>.txt``: the class names of ``triples``."""
        path = self.paths[f'classes_{name}'] = \
            self.root / f'classes_{name}.txt'
        write_class_list(path, [scene.class_name(t) for t in triples])

    def annotations(self, name: str,
                    entries: Sequence[AnnotationLine]) -> None:
        """``<name>.txt``: annotation lines."""
        self.paths[name] = self.root / f'{name}.txt'
        write_annotations(self.paths[name], entries)

    def few_shot(self, prefix: str, entries: Sequence[AnnotationLine],
                 shots: Sequence[int], num_classes: int = None) -> None:
        """``<prefix>_k<K>_s<seed>.txt`` for every K of ``shots`` and every
        seed of :data:`SEEDS` (the file names keep the K asked for)."""
        for k in shots:
            for s in SEEDS:
                self.annotations(f'{prefix}_k{k}_s{s}', sample_few_shot(
                    entries, k, s, num_classes))
