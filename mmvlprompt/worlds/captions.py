"""Captions for world v2's videos, and a video-text retrieval benchmark.

The role of the retired synthetic world's captions (``make retrieval``) on
world v2 (:mod:`.world_v2`): videos of appearance classes ``(colour,
shape)``, seen through world v2's camera, each with several captions, each
a different phrasing of its two class words (``"a red star"``, ``"the star
is red"``, ...). The classes (:func:`retrieval_classes`) are world A's and
world B's 25 each: every colour and every shape of the vocabulary occurs,
so the tiny CLIP (pretrained on stills of every word) knows all the words,
and its zero-shot retrieval suffers only from the camera, as in the
recognition settings. The files are the annotation format of
:class:`~mmvlprompt.datasets.VideoCaptionDataset`.

A caption names the class only (not the video's random motion), so the
videos of one class are indistinguishable from their captions: with ``k``
test videos per class, a model that ranks every same-class video first still
has t2v ``R@K = min(K, k) / k`` on average (for k = 6: R@1 16.7 %, R@5
83.3 %, R@10 100 %); chance is ``K / N``.

Each video's scene and camera come from :func:`.world_v2.video_generators`
of its pool (``retrieval_train`` or ``retrieval_test``), class and index, and
its captions from a third generator of the same identity, so a file depends
only on its identity and the seed.
"""
import json
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from . import scene as bw
from .world_v2 import VERSION, _pool_key, render_video, video_generators

PHRASINGS = (
    'a {colour} {shape}',
    'a video of a {colour} {shape}.',
    'the {shape} is {colour}',
    'a {shape} that is {colour}',
    'a {shape}, {colour}',
    'there is a {colour} {shape}',
    'a {colour} {shape} moving around',
    'a {colour} {shape} on a cluttered background',
)


def retrieval_classes() -> List[tuple]:
    """The ``(colour, shape)`` classes: world A's, then world B's (50)."""
    sets = bw.class_sets()
    return sets['world_a'] + sets['world_b']


def video_captions(colour: str, shape: str, count: int,
                   rng: np.random.Generator) -> List[str]:
    """``count`` distinct phrasings of the class, in random order.

    Raises:
        ValueError: If ``count`` is not in ``1..len(PHRASINGS)``, or a word
            is not in the world's vocabulary.
    """
    if not 1 <= count <= len(PHRASINGS):
        raise ValueError(f'captions per video must be in 1..{len(PHRASINGS)}'
                         f', got {count}.')
    if colour not in bw.COLOURS or shape not in bw.SHAPES:
        raise ValueError(f'({colour!r}, {shape!r}): not a colour and a '
                         f'shape of world v2 (colours {list(bw.COLOURS)}, '
                         f'shapes {list(bw.SHAPES)}).')
    picks = rng.choice(len(PHRASINGS), size=count, replace=False)
    return [PHRASINGS[i].format(colour=colour, shape=shape) for i in picks]


def _write_split(root: Path, split: str, classes: Sequence[tuple],
                 per_class: int, captions: int, num_frames: int, size: int,
                 seed: int, version: str, camera: bool,
                 progress: Optional[Callable[[str], None]]) -> Path:
    from ..datasets.video_io import write_video
    pool = f'retrieval_{split}'
    annotations: Dict[str, List[str]] = {}
    for label, (colour, shape) in enumerate(classes):
        for i in range(per_class):
            scene_rng, camera_rng = video_generators(pool, label, i, seed)
            name = f'{split}/{colour}_{shape}_{i:03d}.mp4'
            write_video(root / 'videos' / name, render_video(
                (colour, shape), num_frames, size, scene_rng,
                camera_rng if camera else None, version))
            caption_rng = np.random.default_rng(
                [seed, _pool_key(pool), label, i, 2])
            annotations[name] = video_captions(colour, shape, captions,
                                               caption_rng)
        if progress:
            progress(f'{split}: {label + 1}/{len(classes)} classes')
    ann = root / f'{split}.json'
    ann.write_text(json.dumps(annotations, indent=1) + '\n')
    return ann


def make_world_v2_retrieval(root: Union[str, Path],
                            train_per_class: int = 4,
                            test_per_class: int = 6,
                            train_captions: int = 3,
                            test_captions: int = 2,
                            num_frames: int = 8,
                            size: int = 64,
                            seed: int = 0,
                            classes: Optional[Sequence[tuple]] = None,
                            version: str = VERSION,
                            camera: bool = True,
                            progress: Optional[Callable[[str], None]] = None
                            ) -> Dict[str, Path]:
    """Write world v2's video-text retrieval benchmark.

    Files under ``root``: ``train.json`` and ``test.json``
    (``{video: [caption, ...]}``, videos of every class) and
    ``videos/{train,test}/<colour>_<shape>_<i>.mp4``.

    Args:
        root: Output folder.
        train_per_class, test_per_class: Videos per class of each split.
        train_captions, test_captions: Captions per video of each split.
        num_frames, size: Frames per video, their height and width.
        seed: World seed; the same seed writes the same files.
        classes: ``(colour, shape)`` classes; None:
            :func:`retrieval_classes`.
        version: World version (its camera).
        camera: False: the same scenes without the camera (the stills'
            look, where the tiny CLIP's zero-shot retrieval is above
            chance; for tests of the zero-shot pipeline).
        progress: Optional callable taking a message, called per class.

    Returns:
        dict: Paths with keys ``root``, ``train`` and ``test``.

    Raises:
        ValueError: On a bad count, before anything is written.
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
    classes = list(retrieval_classes() if classes is None else classes)
    if not classes:
        raise ValueError('classes: expected at least one class, got none.')
    for colour, shape in classes:
        video_captions(colour, shape, 1, np.random.default_rng(0))  # check
    paths = {'root': root}
    for split, per_class, captions in (
            ('train', train_per_class, train_captions),
            ('test', test_per_class, test_captions)):
        (root / 'videos' / split).mkdir(parents=True, exist_ok=True)
        paths[split] = _write_split(root, split, classes, per_class,
                                    captions, num_frames, size, seed,
                                    version, camera, progress)
    return paths
