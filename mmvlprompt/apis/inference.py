"""Open-vocabulary inference on one video with any config and checkpoint.

The path of a video through these helpers::

    read_clips        decord: K clips of T frames, one per equal segment,
                      only the sampled frames decoded
    prepare_clips     the config's test transforms after its *Decode step
                      (resize, crops, format), collated as a batch of one
    score_clips       the recognizer's own test_step: class probabilities
                      with the clips (and crops) averaged as the config says
    frame_probabilities
                      each sampled frame scored alone against the classes

:func:`predict_video` chains the first three, as ``tools/infer.py`` uses
them. A recognizer is built once by :func:`init_recognizer`; the scored
class set is the head's test set, which ``cls_head.test_classes(names)``
switches per request without rebuilding the model.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np


def sample_clip_indices(num_frames: int, num_clips: int,
                        clip_len: int) -> np.ndarray:
    """Frame indices ``(num_clips * clip_len,)``: clip ``k`` covers segment
    ``k`` of ``num_clips`` equal segments, its frames at the centres of
    ``clip_len`` equal sub-segments."""
    total = num_clips * clip_len
    centres = (np.arange(total) + 0.5) * num_frames / total
    return np.clip(centres.astype(np.int64), 0, num_frames - 1)


def init_recognizer(config: str,
                    checkpoint: Optional[str],
                    class_names: Sequence[str],
                    device: str = 'cpu',
                    cfg_options: Optional[Dict] = None):
    """Build the recognizer of ``config`` in eval mode, scoring
    ``class_names``.

    Args:
        config: Config file path.
        checkpoint: Checkpoint to load; None or ``'none'`` keeps the model
            as built (zero-shot CLIP: the weights of ``model.clip``).
        class_names: Training and test class names of the head (the
            config's label map is not read, so it may be absent).
        device: Torch device.
        cfg_options: ``--cfg-options`` to merge into the config first.

    Returns:
        tuple: ``(cfg, model)``.
    """
    from mmaction.registry import MODELS
    from mmengine.runner import load_checkpoint

    from ..engine import load_model_config
    cfg = load_model_config(config, cfg_options, random_clip=False)
    cfg.model.cls_head.class_names = list(class_names)
    cfg.model.cls_head.test_class_names = list(class_names)
    model = MODELS.build(cfg.model)
    if checkpoint is not None and checkpoint != 'none':
        load_checkpoint(model, checkpoint, map_location='cpu',
                        logger='silent')
    return cfg, model.to(device).eval()


def post_decode_pipeline(cfg):
    """The config's test transforms after frame decoding."""
    from mmengine.dataset import Compose
    steps = list(cfg.test_pipeline)
    types = [str(t['type']) for t in steps]
    decode = [i for i, t in enumerate(types) if 'Decode' in t]
    if not decode:
        raise ValueError(f'{cfg.filename}: test_pipeline has no *Decode step'
                         f' (types: {types}); inference needs one to know '
                         'where the frames come in.')
    return Compose(steps[decode[-1] + 1:])


def read_clips(path: str, num_clips: int,
               clip_len: int) -> Tuple[np.ndarray, np.ndarray, int]:
    """Decode ``num_clips`` clips of ``clip_len`` frames of one video.

    The video is streamed: only the sampled frames are decoded, so the cost
    does not grow with its length. decord's errors (not a video, damaged
    data) are passed on as they are.

    Returns:
        tuple: frames ``(K*T, H, W, 3)`` RGB, their indices ``(K*T,)`` and
        the video's frame count.
    """
    import decord

    from ..datasets.transforms import read_frames
    reader = decord.VideoReader(path, num_threads=1)
    length = len(reader)
    if length < 1:
        raise RuntimeError('the video has no frames')
    inds = sample_clip_indices(length, num_clips, clip_len)
    frames = read_frames(reader, inds)  # (K*T, H, W, 3)
    del reader
    return frames, inds, length


def prepare_clips(frames: np.ndarray, inds: np.ndarray, pipeline,
                  num_clips: int, clip_len: int, filename: str = '') -> dict:
    """Run the post-decode ``pipeline`` on decoded frames; a batch of one."""
    from mmengine.dataset import pseudo_collate
    frames = list(frames)
    results = dict(imgs=frames, frame_inds=inds, num_clips=num_clips,
                   clip_len=clip_len, original_shape=frames[0].shape[:2],
                   img_shape=frames[0].shape[:2], modality='RGB',
                   label=-1, filename=filename)
    return pseudo_collate([pipeline(results)])


def score_clips(model, data: dict) -> np.ndarray:
    """Class probabilities ``(C,)`` of a batch of one from
    :func:`prepare_clips`, over the head's test class set."""
    import torch
    with torch.no_grad():
        sample = model.test_step(data)[0]
    return sample.pred_score.float().cpu().numpy()


def frame_probabilities(model, data: dict, num_frames: int) -> np.ndarray:
    """Each sampled frame scored alone: ``(num_frames, C)`` softmax over the
    head's test class set.

    The frames go through the model's own prompted vision tower
    (``backbone.encode_frames``) and head (``cls_head``) with the
    prompts of its neck, as one-frame videos. When the test pipeline makes
    several crops of every frame (``ThreeCrop``, ``TenCrop``: crop-major,
    each crop a copy of all sampled frames) their features are averaged.

    Args:
        model: A recognizer from :func:`init_recognizer`.
        data: A batch of one from :func:`prepare_clips`.
        num_frames: The number of sampled frames (``K*T``).
    """
    import torch
    with torch.no_grad():
        inputs = model.data_preprocessor(data, False)['inputs']
        frames = inputs.reshape(-1, *inputs.shape[-3:])  # (M, C, H, W)
        if frames.shape[0] % num_frames:
            raise ValueError(f'{frames.shape[0]} frames after the test '
                             f'pipeline are not a multiple of the {num_frames}'
                             ' sampled frames.')
        prompts = model.prompts()
        feats = model.backbone.encode_frames(frames, prompts['vision'])
        feats = feats.view(-1, num_frames, feats.shape[-1]).mean(0)  # (N, D)
        logits = model.cls_head(feats, text_prompts=prompts['text'],
                                class_names=model.cls_head.test_names)
    return logits.softmax(-1).float().cpu().numpy()  # (N, C)


def predict_video(path: str, model, pipeline, clip_len: int,
                  num_clips: int):
    """Class probabilities of one video and the frame indices used.

    Returns:
        tuple: probabilities ``(C,)``, sampled frame indices ``(K*T,)`` and
        the video's frame count.
    """
    frames, inds, length = read_clips(path, num_clips, clip_len)
    data = prepare_clips(frames, inds, pipeline, num_clips, clip_len, path)
    return score_clips(model, data), inds, length
