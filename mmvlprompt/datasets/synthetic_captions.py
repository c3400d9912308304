"""Captions for the synthetic world's videos, and a retrieval benchmark.

Each video of a class ``(colour, shape, action)`` gets several captions,
each a different phrasing of the same three words (``"a red square is
spinning"``, ``"a spinning red square"``, ...). Only the world's public API
is used (:func:`~mmvlprompt.datasets.synthetic_world.all_classes` and
:func:`~mmvlprompt.datasets.synthetic_world.render_video`); the files are
the annotation format of :class:`VideoCaptionDataset`.

A caption names the class only, so the videos of one class are
indistinguishable from their captions: with ``k`` test videos per class, a
model that ranks every same-class video first still has t2v
``R@K = min(K, k) / k`` on average (for k = 6: R@1 16.7 %, R@5 83.3 %,
R@10 100 %); chance is ``K / N``.
"""
import json
from pathlib import Path
from typing import Dict, List, Union

import numpy as np

from .video_io import write_video
from .synthetic_world import all_classes, render_video

PHRASINGS = (
    'a {colour} {shape} {action}',
    'a video of a {colour} {shape} {action}.',
    'a {colour} {shape} is {action}',
    'a {action} {colour} {shape}',
    'the {shape} is {colour} and {action}',
    'a {shape}, {colour}, {action}',
    'a {colour} {shape} keeps {action}',
    'there is a {colour} {shape} {action}',
)


def video_captions(colour: str, shape: str, action: str, count: int,
                   rng: np.random.Generator) -> List[str]:
    """``count`` distinct phrasings of the class, in random order."""
    if not 1 <= count <= len(PHRASINGS):
        raise ValueError(f'captions per video must be in 1..{len(PHRASINGS)}'
                         f', got {count}.')
    picks = rng.choice(len(PHRASINGS), size=count, replace=False)
    return [PHRASINGS[i].format(colour=colour, shape=shape, action=action)
            for i in picks]


def _write_split(root: Path, split: str, per_class: int, captions: int,
                 num_frames: int, size: int, seed: int, progress) -> Path:
    annotations: Dict[str, List[str]] = {}
    triples = all_classes()
    for label, triple in enumerate(triples):
        for i in range(per_class):
            # one generator per video: it depends only on its identity
            rng = np.random.default_rng(
                [seed, 1 + sum(map(ord, split)), label, i])
            name = f'{split}/{"_".join(triple)}_{i:03d}.mp4'
            write_video(root / 'videos' / name,
                        render_video(*triple, num_frames, size, rng))
            annotations[name] = video_captions(*triple, captions, rng)
        if progress:
            progress(f'{split}: {label + 1}/{len(triples)} classes')
    ann = root / f'{split}.json'
    ann.write_text(json.dumps(annotations, indent=1) + '\n')
    return ann


def make_synthetic_retrieval(root: Union[str, Path],
                             train_per_class: int = 4,
                             test_per_class: int = 6,
                             train_captions: int = 3,
                             test_captions: int = 2,
                             num_frames: int = 8,
                             size: int = 64,
                             seed: int = 0,
                             progress=None) -> Dict[str, Path]:
    """Write the video-text retrieval benchmark of the synthetic world.

    Files under ``root``: ``train.json`` and ``test.json``
    (``{video: [caption, ...]}``, videos of every class) and
    ``videos/{train,test}/<colour>_<shape>_<action>_<i>.mp4``.

    Returns:
        dict: Paths with keys ``root``, ``train`` and ``test``.
    """
    root = Path(root)
    for key, value in (('train_per_class', train_per_class),
                       ('test_per_class', test_per_class),
                       ('num_frames', num_frames), ('size', size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'{key}={value!r}: expected an int >= 1.')
    for key, value in (('train_captions', train_captions),
                       ('test_captions', test_captions)):
        if not isinstance(value, int) or not 1 <= value <= len(PHRASINGS):
            raise ValueError(f'{key}={value!r}: captions per video must be '
                             f'in 1..{len(PHRASINGS)} (the phrasings).')
    paths = {'root': root}
    for split, per_class, captions in (
            ('train', train_per_class, train_captions),
            ('test', test_per_class, test_captions)):
        (root / 'videos' / split).mkdir(parents=True, exist_ok=True)
        paths[split] = _write_split(root, split, per_class, captions,
                                    num_frames, size, seed, progress)
    return paths
