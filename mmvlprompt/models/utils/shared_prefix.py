"""Causal transformer over a class-shared prefix plus per-class suffixes.

In CLIP's causal text tower the first ``P`` positions of a batch of texts
that agree on those positions (``[SOS]`` and the context prompts) have the
same hidden states, keys and values in every layer. They are computed once,
as one sequence; each class then runs only its own suffix and attends to
``[prefix K/V ; own causal K/V]``. The block math uses the open_clip block's
own weights through :func:`torch.nn.functional.scaled_dot_product_attention`
so that fused kernels are used on GPU.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .prompt_blocks import run_layer, splice_tokens


def check_sdpa_block(block: nn.Module, where: str) -> None:
    """Raise if ``block`` is not a plain open_clip residual attention block
    (self-attention with a packed in-projection) that
    :func:`block_forward` can run."""
    attn = getattr(block, 'attn', None)
    ok = (isinstance(attn, nn.MultiheadAttention)
          and attn.in_proj_weight is not None and attn.batch_first
          and not hasattr(block, 'ln_1_kv')
          and all(hasattr(block, k) for k in ('ln_1', 'ln_2', 'mlp')))
    if not ok:
        raise TypeError(f'{where}: block {type(block).__name__} is not a '
                        'standard open_clip ResidualAttentionBlock; set '
                        'share_prefix=False.')


def block_forward(block: nn.Module,
                  x: Tensor,
                  attn_mask: Optional[Tensor] = None,
                  is_causal: bool = False,
                  past: Optional[Tuple[Tensor, Tensor]] = None
                  ) -> Tuple[Tensor, Tensor, Tensor]:
    """One open_clip ``ResidualAttentionBlock`` with optional extra keys.

    Args:
        block: The block; its ``ln_1``, ``attn`` (packed in-projection and
            ``out_proj``), ``ls_1``, ``ln_2``, ``mlp`` and ``ls_2`` are used.
        x: ``(N, L, d)`` tokens.
        attn_mask: Boolean ``(L, Lp + L)`` mask, True where attention is
            allowed; ``Lp`` is the length of ``past``.
        is_causal: Causal attention within ``x`` (no ``past``).
        past: Keys and values ``(1 or N, h, Lp, d/h)`` placed before the
            sequence's own keys and values.

    Returns:
        tuple: the block output ``(N, L, d)`` and the sequence's own keys and
        values ``(N, h, L, d/h)``.
    """
    attn = block.attn
    heads = attn.num_heads
    qkv = F.linear(block.ln_1(x), attn.in_proj_weight,
                   attn.in_proj_bias)  # (N, L, 3d)
    q, k, v = (t.unflatten(-1, (heads, -1)).transpose(1, 2)
               for t in qkv.chunk(3, dim=-1))  # each (N, h, L, d/h)
    keys, values = k, v
    if past is not None:
        n = x.shape[0]
        keys = torch.cat([past[0].to(k.dtype).expand(n, -1, -1, -1), k],
                         dim=2)  # (N, h, Lp+L, d/h)
        values = torch.cat([past[1].to(v.dtype).expand(n, -1, -1, -1), v],
                           dim=2)
    out = F.scaled_dot_product_attention(q, keys, values, attn_mask=attn_mask,
                                         is_causal=is_causal)
    out = out.transpose(1, 2).flatten(2)  # (N, L, d)
    out = F.linear(out, attn.out_proj.weight, attn.out_proj.bias)
    x = x + block.ls_1(out)
    x = x + block.ls_2(block.mlp(block.ln_2(x)))
    return x, k, v


def suffix_mask(prefix_len: int, suffix_len: int, device) -> Tensor:
    """Boolean ``(S, P + S)`` mask: suffix position ``i`` sees the whole
    prefix and suffix positions ``<= i``."""
    rows = torch.arange(suffix_len, device=device).unsqueeze(1) + prefix_len
    cols = torch.arange(prefix_len + suffix_len, device=device).unsqueeze(0)
    return cols <= rows


def forward_shared_prefix_blocks(transformer: nn.Module,
                                 prefix: Tensor,
                                 suffixes: Sequence[Tensor],
                                 prompts: Sequence[Tensor],
                                 start: int,
                                 with_cp: bool = False) -> List[Tensor]:
    """Run a causal open_clip ``Transformer`` on a shared prefix and groups
    of suffixes; exact equivalent of running every ``[prefix ; suffix]``.

    Before block ``l`` with ``1 <= l < len(prompts)`` the prefix positions
    ``start .. start + n - 1`` are overwritten by ``prompts[l]`` (deep
    prompts); ``prompts[0]`` must already be in ``prefix``.

    Args:
        transformer: open_clip ``Transformer`` (batch first, causal).
        prefix: ``(1, P, d)`` class-independent tokens, positions added.
        suffixes: Groups of per-class tokens, each ``(C_g, S_g, d)`` with
            positions added; groups may differ in length.
        prompts: Per-layer prompts, each ``(n, d)``.
        start: Position of the first prompt token in the prefix.
        with_cp: Gradient checkpointing, one checkpoint per block.

    Returns:
        list[Tensor]: the outputs of the groups, ``(C_g, S_g, d)`` each.
    """
    masks = [suffix_mask(prefix.shape[1], x.shape[1], x.device)
             for x in suffixes]
    for layer, block in enumerate(transformer.resblocks):
        prompt = prompts[layer] if 1 <= layer < len(prompts) else None

        def step(prefix, prompt, *suffixes, block=block):
            if prompt is not None:
                prefix = splice_tokens(prefix, prompt, start)
            prefix, k, v = block_forward(block, prefix, is_causal=True)
            return (prefix, *(block_forward(block, x, attn_mask=mask,
                                            past=(k, v))[0]
                              for x, mask in zip(suffixes, masks)))

        prefix, *suffixes = run_layer(step, prefix, prompt, *suffixes,
                                      with_cp=with_cp)
    return suffixes


def group_lengths(lengths: Sequence[int],
                  overhead: float = 64.0) -> List[Tuple[List[int], int]]:
    """Split sequences into groups that are each padded to their longest.

    Minimises ``sum(len(group) * max_length(group)) + overhead * groups``
    over groups of consecutive lengths (dynamic programming over the sorted
    distinct lengths), trading padding against the fixed cost of one more
    batched call per layer.

    Args:
        lengths: Length of each sequence.
        overhead: Cost of one group, in padded positions.

    Returns:
        list: ``(indices, padded_length)`` per group; every index appears
        once.
    """
    distinct = sorted(set(lengths))
    counts = [sum(1 for x in lengths if x == d) for d in distinct]
    best = [0.0] + [float('inf')] * len(distinct)  # best[j]: first j done
    cut = [0] * (len(distinct) + 1)
    for j in range(1, len(distinct) + 1):
        for i in range(j):
            cost = best[i] + sum(counts[i:j]) * distinct[j - 1] + overhead
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], len(distinct)
    while j > 0:
        i = cut[j]
        low, high = distinct[i], distinct[j - 1]
        groups.append(([k for k, x in enumerate(lengths)
                        if low <= x <= high], high))
        j = i
    return groups[::-1]


def shared_prefix_length(tokens: Tensor, eot: Tensor) -> int:
    """Number of leading positions on which all rows of ``tokens`` agree,
    capped so that every row keeps its EOT in the suffix.

    Args:
        tokens: ``(K, L)`` token ids.
        eot: ``(K,)`` EOT positions.
    """
    same = (tokens == tokens[:1]).all(dim=0)  # (L,)
    differ = (~same).nonzero()
    common = int(differ[0]) if len(differ) else tokens.shape[1]
    return max(1, min(common, int(eot.min())))
