"""Transformer stack with deep prompts, shared by the text and vision branches.

Both CLIP towers are a stack of residual attention blocks over a token
sequence ``(N, L, d)``. Prompting differs only in where the ``n`` prompt tokens
sit: after ``[SOS]`` in the text branch, after the patches in the vision
branch. One helper serves both.
"""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn


def splice_tokens(x: Tensor, tokens: Tensor, start: int) -> Tensor:
    """Replace ``x[:, start:start + n]`` by ``tokens`` without in-place ops.

    Args:
        x: Token sequence, ``(N, L, d)``.
        tokens: Prompt tokens shared by the batch, ``(n, d)``.
        start: First position to overwrite; ``start == L`` appends.

    Returns:
        Tensor: ``(N, L, d)``, or ``(N, L + n, d)`` when appending.
    """
    n = tokens.shape[0]
    tokens = tokens.to(x.dtype).unsqueeze(0).expand(x.shape[0], -1, -1)
    return torch.cat([x[:, :start], tokens, x[:, start + n:]], dim=1)


def forward_prompted_blocks(transformer: nn.Module,
                            x: Tensor,
                            prompts: Sequence[Tensor],
                            start: int,
                            attn_mask: Optional[Tensor] = None) -> Tensor:
    """Run an open_clip ``Transformer`` with deep prompts.

    Before block ``l`` with ``1 <= l < len(prompts)`` the ``n`` tokens at
    ``start`` are overwritten by ``prompts[l]``. ``prompts[0]`` must already
    be in ``x`` (inserted at the input); blocks ``>= len(prompts)`` pass the
    tokens through unchanged.

    Args:
        transformer: open_clip ``Transformer`` (batch first).
        x: ``(N, L, d)`` input tokens.
        prompts: Per-layer prompts, each ``(n, d)``.
        start: Position of the first prompt token.
        attn_mask: Optional ``(L, L)`` additive mask.

    Returns:
        Tensor: ``(N, L, d)``.
    """
    for layer, block in enumerate(transformer.resblocks):
        if 1 <= layer < len(prompts):
            x = splice_tokens(x, prompts[layer], start)
        x = block(x, attn_mask=attn_mask)
    return x
