"""CLIP ViT image tower run frame by frame with vision prompts (DESIGN 1.3)."""
from typing import Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ..utils import (build_clip, cast_prompts, forward_prompted_blocks,
                     splice_tokens)


@MODELS.register_module()
class PromptedViT(BaseModule):
    """Prompted CLIP vision encoder producing one feature per view.

    Each frame is encoded as ``[CLS] patches (+pos) P_v^0`` followed by
    ``ln_pre`` and the transformer, with ``P_v^l`` overwriting the prompt
    positions before layer ``l``. The frame feature is ``proj(ln_post(CLS))``
    and a view's feature is the mean of its ``T`` frame features
    (unnormalised).

    Args:
        clip (dict): ``dict(arch=..., pretrained=...)`` for
            :func:`build_clip`; filled in by the recognizer.
        num_frames (int): ``T``, frames per view. Inputs of shape
            ``(B, V*T, C, H, W)`` are split into ``V`` views.
        with_cp (bool): Gradient checkpointing, one checkpoint per
            transformer block: activations are recomputed in the backward
            pass instead of stored.
        init_cfg (dict, optional): Unused; CLIP weights come from ``clip``.
    """

    def __init__(self, clip: dict, num_frames: int = 8,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(with_cp, bool):
            raise ValueError(f'backbone.with_cp={with_cp!r}: expected True '
                             'or False.')
        self.with_cp = with_cp
        if not isinstance(num_frames, int) or num_frames < 1:
            raise ValueError(f'backbone.num_frames={num_frames!r}: expected '
                             'a positive int.')
        self.num_frames = num_frames
        self.visual = build_clip(**clip).visual
        if getattr(self.visual.patch_dropout, 'prob', 0.0) > 0:
            raise ValueError('backbone: CLIP patch dropout is not supported '
                             'with vision prompts.')

    @property
    def width(self) -> int:
        return self.visual.transformer.width

    @property
    def num_layers(self) -> int:
        return len(self.visual.transformer.resblocks)

    @property
    def embed_dim(self) -> int:
        return self.visual.output_dim

    def forward(self, imgs: Tensor, prompts: Sequence[Tensor] = ()) -> Tensor:
        """Encode a batch of clips.

        Args:
            imgs: ``(B, V, T, C, H, W)``, ``(B, V*T, C, H, W)`` or
                ``(B*V*T, C, H, W)`` normalised frames.
            prompts: Per-layer vision prompts, ``(depth_vision, n, d_v)``
                or a list of ``(n, d_v)``.

        Returns:
            Tensor: ``(B, V, D)`` video features, one per view.
        """
        T = self.num_frames
        if imgs.dim() == 6:
            batch, views = imgs.shape[:2]
            if imgs.shape[2] != T:
                raise ValueError(f'backbone: input has {imgs.shape[2]} frames '
                                 f'per view but num_frames={T}.')
        elif imgs.dim() in (4, 5):
            frames = imgs.shape[1] if imgs.dim() == 5 else imgs.shape[0]
            if frames % T:
                raise ValueError(
                    f'backbone: {frames} frames per sample is not a multiple '
                    f'of num_frames={T} (input shape {tuple(imgs.shape)}).')
            batch = imgs.shape[0] if imgs.dim() == 5 else frames // T
            views = frames // T if imgs.dim() == 5 else 1
        else:
            raise ValueError('backbone: expected a 4-, 5- or 6-D input, got '
                             f'shape {tuple(imgs.shape)}.')
        frames = imgs.reshape(-1, *imgs.shape[-3:])  # (B*V*T, C, H, W)
        feats = self.encode_frames(frames, prompts)  # (B*V*T, D)
        return feats.view(batch, views, T, -1).mean(dim=2)  # (B, V, D)

    def encode_frames(self, x: Tensor, prompts: Sequence[Tensor] = ()) -> Tensor:
        """``(N, C, H, W)`` frames to ``(N, D)`` unnormalised features."""
        v = self.visual
        if tuple(x.shape[-2:]) != tuple(v.image_size):
            raise ValueError(
                f'backbone: frames are {tuple(x.shape[-2:])} pixels but the '
                f'CLIP image tower expects {tuple(v.image_size)}; resize or '
                'crop to that size in the pipeline.')
        x = v.conv1(x)  # (N, d_v, gh, gw)
        x = x.flatten(2).transpose(1, 2)  # (N, HW, d_v)
        cls = v.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1)  # (N, 1+HW, d_v)
        x = x + v.positional_embedding.to(x.dtype)
        start = x.shape[1]
        prompts = cast_prompts(prompts, x.dtype)  # all layers, one cast
        if len(prompts) > 0:
            x = splice_tokens(x, prompts[0], start)  # (N, 1+HW+n, d_v)
        x = v.ln_pre(x)
        x = forward_prompted_blocks(v.transformer, x, prompts, start,
                                    with_cp=self.with_cp)
        x = v.ln_post(x[:, 0])  # (N, d_v)
        return x @ v.proj if v.proj is not None else x  # (N, D)
