"""Build the frozen-CLIP towers and the prompt learner of a model.

Shared by the models that pair a prompted vision ``backbone`` with a prompted
text ``cls_head`` and a ``neck`` prompt learner (the recognizer and the
video-text similarity model), so that both validate and wire them the same
way. The roles are built through the registry only.
"""
import copy
from typing import Optional

from mmaction.registry import MODELS
from torch import nn


def check_clip_options(clip: dict, freeze_backbone: bool,
                       prompt_only_checkpoint: Optional[bool]) -> bool:
    """Validate ``model.clip`` and the freezing keys.

    Returns:
        bool: ``prompt_only_checkpoint`` resolved (None follows
        ``freeze_backbone``).
    """
    if not isinstance(clip, dict) or 'arch' not in clip:
        raise ValueError("model.clip must be a dict with at least 'arch' "
                         f'(and optionally pretrained), got {clip!r}.')
    unknown = set(clip) - {'arch', 'pretrained', 'seed', 'quick_gelu'}
    if unknown:
        raise ValueError(f'model.clip: unknown keys {sorted(unknown)}.')
    if not isinstance(freeze_backbone, bool):
        raise ValueError('model.freeze_backbone must be True or False, '
                         f'got {freeze_backbone!r}.')
    if prompt_only_checkpoint is None:
        prompt_only_checkpoint = freeze_backbone
    if not isinstance(prompt_only_checkpoint, bool):
        raise ValueError('model.prompt_only_checkpoint must be None, True '
                         f'or False, got {prompt_only_checkpoint!r}.')
    if prompt_only_checkpoint and not freeze_backbone:
        raise ValueError(
            'model.prompt_only_checkpoint=True needs '
            'model.freeze_backbone=True: with a trained CLIP the '
            'checkpoint must hold its weights.')
    return prompt_only_checkpoint


def _with_clip(cfg: dict, clip: dict) -> dict:
    cfg = copy.deepcopy(dict(cfg))
    cfg.setdefault('clip', dict(clip))
    return cfg


def build_prompted_towers(owner: nn.Module, clip: dict, backbone: dict,
                          cls_head: dict, neck: Optional[dict],
                          freeze_backbone: bool) -> None:
    """Set ``owner.backbone``, ``owner.cls_head`` and (if given)
    ``owner.neck``, built from their configs.

    The ``clip`` dict goes to the backbone and the head; the neck gets the
    encoder widths and depths, and its text context is initialised from the
    head's token embeddings of ``neck.ctx_init``. With ``freeze_backbone``
    every CLIP weight stops requiring gradients.
    """
    owner.backbone = MODELS.build(_with_clip(backbone, clip))
    owner.cls_head = MODELS.build(_with_clip(cls_head, clip))
    if neck is not None:
        neck = copy.deepcopy(dict(neck))
        neck.update(text_width=owner.cls_head.text_width,
                    vision_width=owner.backbone.width,
                    text_layers=owner.cls_head.text_layers,
                    vision_layers=owner.backbone.num_layers)
        owner.neck = MODELS.build(neck)
        owner.neck.init_text_context(
            owner.cls_head.embed_context(owner.neck.ctx_init))
        # fixed_ctx_tail: the words of ctx_init after the n learnable tokens
        # stay fixed in front of every class name (or caption)
        words = getattr(owner.neck, 'context_words', None)
        if hasattr(owner.cls_head, 'set_context_words'):
            owner.cls_head.set_context_words(words)
        elif words is not None:
            raise ValueError(
                'model.neck.fixed_ctx_tail=True is not supported by '
                f'{type(owner.cls_head).__name__}: it has no fixed context '
                'words; set fixed_ctx_tail=False.')
    if freeze_backbone:
        owner.backbone.requires_grad_(False)
        owner.cls_head.requires_grad_(False)
