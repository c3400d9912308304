"""Transformer stack with deep prompts, shared by the text and vision branches.

Both CLIP towers are a stack of residual attention blocks over a token
sequence ``(N, L, d)``. Prompting differs only in where the ``n`` prompt tokens
sit: after ``[SOS]`` in the text branch, after the patches in the vision
branch. One helper serves both, and it is also the one place where gradient
checkpointing (``with_cp``) is applied.
"""
from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

# attention over packed queries, keys and values: (qkv, heads) -> output
Attention = Callable[[Tensor, int], Tensor]


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
    if start == x.shape[1]:  # append
        return torch.cat([x, tokens], dim=1)
    # one split, not two slices: its backward is a single concatenation
    head, _, tail = x.split([start, n, x.shape[1] - start - n], dim=1)
    return torch.cat([head, tokens, tail], dim=1)


def cast_prompts(prompts: Sequence[Tensor], dtype: torch.dtype
                 ) -> Sequence[Tensor]:
    """Per-layer prompts in ``dtype``.

    All layers as one ``(J, n, d)`` tensor are cast once and unbound into
    ``J`` views (whose backward is one stack, where indexing layer by layer
    would cost a zero-filled gradient per layer); a list is returned as it
    is (cast per layer where used).
    """
    if isinstance(prompts, Tensor):
        return prompts.to(dtype).unbind(0)
    return prompts


def is_plain_block(block: nn.Module) -> bool:
    """Whether ``block`` is a plain open_clip residual attention block
    (self-attention with a packed in-projection) that
    :func:`lean_block_forward` can run."""
    attn = getattr(block, 'attn', None)
    return (isinstance(attn, nn.MultiheadAttention)
            and attn.in_proj_weight is not None and attn.batch_first
            and not hasattr(block, 'ln_1_kv')
            and all(hasattr(block, k) for k in ('ln_1', 'ln_2', 'mlp')))


def check_sdpa_block(block: nn.Module, where: str) -> None:
    """Raise, naming ``where``, if ``block`` is not a plain open_clip block
    (:func:`is_plain_block`)."""
    if not is_plain_block(block):
        raise TypeError(f'{where}: block {type(block).__name__} is not a '
                        'standard open_clip ResidualAttentionBlock; set '
                        'share_prefix=False.')


def self_attention(qkv: Tensor, heads: int, causal: bool = False,
                   attn_mask: Optional[Tensor] = None) -> Tensor:
    """Multi-head attention of a sequence with itself.

    Args:
        qkv: ``(N, L, 3d)`` packed queries, keys and values.
        heads: Number of heads.
        causal: Causal attention (position ``i`` sees ``j <= i``).
        attn_mask: Additive ``(L, L)`` mask, when not causal.

    Returns:
        Tensor: ``(N, L, d)``.
    """
    q, k, v = (t.unflatten(-1, (heads, -1)).transpose(1, 2)
               for t in qkv.chunk(3, dim=-1))  # each (N, h, L, d/h)
    if attn_mask is not None:
        attn_mask = attn_mask.to(q.dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                         is_causal=causal)
    return out.transpose(1, 2).flatten(2)  # (N, L, d)


def lean_block_forward(block: nn.Module, x: Tensor,
                       attention: Attention) -> Tensor:
    """One open_clip ``ResidualAttentionBlock`` from its own weights, with
    the attention given by the caller.

    The same math as the block's ``forward``, without
    ``nn.MultiheadAttention``'s reshapes, selects and checks (about a dozen
    fewer operator launches per block with its backward), and with the
    attention pattern of the caller's choice (plain, causal, packed texts).

    Args:
        block: A block for which :func:`is_plain_block` holds.
        x: ``(N, L, d)`` tokens.
        attention: ``(qkv (N, L, 3d), heads) -> (N, L, d)``.

    Returns:
        Tensor: ``(N, L, d)``.
    """
    attn = block.attn
    qkv = F.linear(block.ln_1(x), attn.in_proj_weight,
                   attn.in_proj_bias)  # (N, L, 3d)
    out = F.linear(attention(qkv, attn.num_heads), attn.out_proj.weight,
                   attn.out_proj.bias)  # (N, L, d)
    x = x + block.ls_1(out)
    return x + block.ls_2(block.mlp(block.ln_2(x)))


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
                            with_cp: bool = False,
                            causal: bool = False) -> Tensor:
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
        causal: Causal attention (then ``attn_mask``, if given, must be the
            causal mask; it is used only by blocks that are not plain).

    Plain open_clip blocks run through :func:`lean_block_forward`; others
    through their own ``forward`` with ``attn_mask``.

    Returns:
        Tensor: ``(N, L, d)``.
    """
    prompts = cast_prompts(prompts, x.dtype)
    for layer, block in enumerate(transformer.resblocks):
        run = _block_fn(block, attn_mask, causal)
        if 1 <= layer < len(prompts):
            x = run_layer(_spliced(run, start), x, prompts[layer],
                          with_cp=with_cp)
        else:
            x = run_layer(run, x, with_cp=with_cp)
    return x


def _block_fn(block: nn.Module, attn_mask: Optional[Tensor],
              causal: bool) -> Callable[[Tensor], Tensor]:
    if not is_plain_block(block):
        return lambda x: block(x, attn_mask=attn_mask)
    mask = None if causal else attn_mask

    def attention(qkv: Tensor, heads: int) -> Tensor:
        return self_attention(qkv, heads, causal=causal, attn_mask=mask)

    return lambda x: lean_block_forward(block, x, attention)


def _spliced(run: Callable[[Tensor], Tensor], start: int) -> Callable:
    def fn(x: Tensor, prompt: Tensor) -> Tensor:
        return run(splice_tokens(x, prompt, start))
    return fn
