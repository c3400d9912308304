"""Transformer stack with deep prompts, shared by the text and vision branches.

Both CLIP towers are a stack of residual attention blocks over a token
sequence ``(N, L, d)``. Prompting differs only in where the ``n`` prompt tokens
sit: after ``[SOS]`` in the text branch, after the patches in the vision
branch. One helper serves both, and it is also the one place where gradient
checkpointing (``with_cp``) is applied.
"""
from typing import Callable, Optional, Sequence

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint


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
    if start + n >= x.shape[1]:  # the prompts end the sequence
        return torch.cat([x[:, :start], tokens], dim=1)
    return torch.cat([x[:, :start], tokens, x[:, start + n:]], dim=1)


def cast_prompts(prompts: Sequence[Tensor], dtype: torch.dtype
                 ) -> Sequence[Tensor]:
    """All layers' prompts in ``dtype`` with one cast when they come as one
    ``(J, n, d)`` tensor; a list is returned as it is (cast per layer)."""
    if isinstance(prompts, Tensor) and prompts.dtype != dtype:
        return prompts.to(dtype)
    return prompts


def run_layer(fn: Callable, *args, with_cp: bool = False):
    """Call ``fn(*args)``, under gradient checkpointing when ``with_cp`` is
    set and autograd is recording.

    Checkpointing keeps only the layer inputs and recomputes the layer in the
    backward pass (``use_reentrant=False``, so gradients reach parameters
    and prompts that are not arguments). Without grad it is a plain call.
    """
    if with_cp and torch.is_grad_enabled():
        return checkpoint(fn, *args, use_reentrant=False)
    return fn(*args)


def forward_prompted_blocks(transformer: nn.Module,
                            x: Tensor,
                            prompts: Sequence[Tensor],
                            start: int,
                            attn_mask: Optional[Tensor] = None,
                            with_cp: bool = False) -> Tensor:
    """Run an open_clip ``Transformer`` with deep prompts.

    Before block ``l`` with ``1 <= l < len(prompts)`` the ``n`` tokens at
    ``start`` are overwritten by ``prompts[l]``. ``prompts[0]`` must already
    be in ``x`` (inserted at the input); blocks ``>= len(prompts)`` pass the
    tokens through unchanged.

    Args:
        transformer: open_clip ``Transformer`` (batch first).
        x: ``(N, L, d)`` input tokens.
        prompts: Per-layer prompts, each ``(n, d)``, or all layers as one
            ``(J, n, d)`` tensor (cast to the dtype of ``x`` once).
        start: Position of the first prompt token.
        attn_mask: Optional ``(L, L)`` additive mask.
        with_cp: Gradient checkpointing, one checkpoint per block.

    Returns:
        Tensor: ``(N, L, d)``.
    """
    prompts = cast_prompts(prompts, x.dtype)
    for layer, block in enumerate(transformer.resblocks):
        if 1 <= layer < len(prompts):
            x = run_layer(_spliced_block(block, start, attn_mask), x,
                          prompts[layer], with_cp=with_cp)
        else:
            x = run_layer(_plain_block(block, attn_mask), x, with_cp=with_cp)
    return x


def _spliced_block(block: nn.Module, start: int,
                   attn_mask: Optional[Tensor]) -> Callable:
    def fn(x: Tensor, prompt: Tensor) -> Tensor:
        return block(splice_tokens(x, prompt, start), attn_mask=attn_mask)
    return fn


def _plain_block(block: nn.Module, attn_mask: Optional[Tensor]) -> Callable:
    def fn(x: Tensor) -> Tensor:
        return block(x, attn_mask=attn_mask)
    return fn
