"""Causal transformer over a class-shared prefix plus packed per-class suffixes.

In CLIP's causal text tower the first ``P`` positions of a batch of texts
that agree on those positions (``[SOS]`` and the context prompts) have the
same hidden states, keys and values in every layer. They are computed once.
Each class then adds only its own suffix (class-name tokens up to its EOT).

To keep the number of operator launches low (what bounds a step on a GPU),
the prefix and every suffix are **packed** into one token stream
``(1, P + N, d)``, ``N`` = the sum of the suffix lengths, with no padding.
Everything that works token by token (layer norms, projections, MLP) runs
once over the stream. Only attention needs the texts apart: the packed
queries, keys and values are gathered into one padded batch
``(K, P + S, 3d)``, ``[prefix ; suffix_c ; padding]`` per class, ``S`` the
longest suffix, and attend with a plain causal mask. A real position never
sees the padding, which comes after it, so the result is exact; the outputs
are gathered back into the stream. One block is then about as many launches
as one plain block, for any number of classes and any spread of lengths.

The block math is :func:`~.prompt_blocks.lean_block_forward` (the open_clip
block's own weights, attention through
:func:`torch.nn.functional.scaled_dot_product_attention`, so that fused
flash kernels are used on GPU).
"""
from typing import NamedTuple, Optional, Sequence

import torch
from torch import Tensor, nn

from .prompt_blocks import (cast_prompts, lean_block_forward, run_layer,
                            self_attention, splice_tokens)


class PackedLayout(NamedTuple):
    """Where each text's tokens sit in the packed stream.

    Built once per token set on the host (:func:`packed_layout`) and moved to
    the compute device, so that a step needs no host-device round trip.

    Attributes:
        prefix_len: ``P``, positions shared by every text.
        suffix_len: ``S``, the longest suffix.
        num_texts: ``K``.
        token_ids: ``(P + N,)`` token ids of the stream: the prefix, then
            each text's suffix.
        positions: ``(P + N,)`` position of each stream token in its text.
        pad_index: ``(K * S,)`` index into the suffix part of the stream
            for each padded slot ``(text, j)``; padding slots point at any
            real token (their values never reach a real position).
        out_index: ``(P + N,)`` index into the flattened padded batch
            ``(K * (P + S))`` of each stream token: the prefix of the first
            text, then each suffix token.
        eot_index: ``(K,)`` index into the stream of each text's EOT.
    """

    prefix_len: int
    suffix_len: int
    num_texts: int
    token_ids: Tensor
    positions: Tensor
    pad_index: Tensor
    out_index: Tensor
    eot_index: Tensor

    def to(self, device) -> 'PackedLayout':
        return self._replace(**{
            k: getattr(self, k).to(device, non_blocking=True)
            for k in ('token_ids', 'positions', 'pad_index', 'out_index',
                      'eot_index')})


def packed_layout(tokens: Tensor, ends: Sequence[int], prefix_len: int,
                  eot: Optional[Sequence[int]] = None) -> PackedLayout:
    """Pack ``tokens`` (host tensor) into a shared prefix and suffixes.

    Args:
        tokens: ``(K, L)`` token ids whose first ``prefix_len`` positions
            agree.
        ends: Length of each text (its EOT position + 1, or ``L`` when the
            texts run to the full context); each must exceed
            ``prefix_len``.
        prefix_len: ``P``.
        eot: Position of each text's EOT, whose state is read out; defaults
            to ``ends - 1``.

    Returns:
        PackedLayout: on the device of ``tokens``.
    """
    lengths = torch.as_tensor(list(ends), dtype=torch.long) - prefix_len
    if len(lengths) == 0 or int(lengths.min()) < 1:
        raise ValueError('packed_layout: every text needs at least one '
                         'position after the shared prefix.')
    num_texts, longest = len(lengths), int(lengths.max())
    offsets = torch.cumsum(lengths, 0) - lengths  # (K,) suffix starts
    j = torch.arange(longest)  # (S,)
    real = j.unsqueeze(0) < lengths.unsqueeze(1)  # (K, S)
    suffix_index = offsets.unsqueeze(1) + j  # (K, S) into the suffixes
    rows = torch.arange(num_texts).unsqueeze(1).expand_as(real)
    eot = lengths + prefix_len - 1 if eot is None else \
        torch.as_tensor(list(eot), dtype=torch.long)
    if bool((eot < prefix_len).any() or (eot >= lengths + prefix_len).any()):
        raise ValueError('packed_layout: an EOT lies outside its suffix.')
    suffix_ids = tokens[rows[real], (prefix_len + j).expand_as(real)[real]]
    return PackedLayout(
        prefix_len=prefix_len,
        suffix_len=longest,
        num_texts=num_texts,
        token_ids=torch.cat([tokens[0, :prefix_len], suffix_ids]),
        positions=torch.cat([torch.arange(prefix_len),
                             (prefix_len + j).expand_as(real)[real]]),
        pad_index=torch.where(real, suffix_index,
                              torch.zeros_like(suffix_index)).flatten(),
        out_index=torch.cat([
            torch.arange(prefix_len),
            (rows * (prefix_len + longest) + prefix_len + j)[real]]),
        eot_index=offsets + eot).to(tokens.device)


def _packed_attention(qkv: Tensor, layout: PackedLayout,
                      heads: int) -> Tensor:
    """Causal self-attention of every text over the packed stream.

    Args:
        qkv: ``(P + N, 3d)`` packed queries, keys and values.
        layout: The stream's layout.
        heads: Attention heads.

    Returns:
        Tensor: ``(P + N, d)`` attention outputs, packed.
    """
    P, S, K = layout.prefix_len, layout.suffix_len, layout.num_texts
    # split (not two slices): its backward is one concatenation
    prefix, suffix = qkv.split([P, qkv.shape[0] - P])
    suffix = suffix.index_select(0, layout.pad_index)  # (K*S, 3d)
    padded = torch.cat([prefix.expand(K, -1, -1),
                        suffix.view(K, S, -1)], dim=1)  # (K, P+S, 3d)
    out = self_attention(padded, heads, causal=True)  # (K, P+S, d)
    out = out.flatten(0, 1)  # (K*(P+S), d)
    # the prefix from the first text, then each suffix token: one gather
    return out.index_select(0, layout.out_index)  # (P+N, d)


def forward_shared_prefix_blocks(transformer: nn.Module,
                                 x: Tensor,
                                 layout: PackedLayout,
                                 prompts: Sequence[Tensor],
                                 start: int,
                                 with_cp: bool = False) -> Tensor:
    """Run a causal open_clip ``Transformer`` on a packed prefix + suffixes
    stream; exact equivalent of running every ``[prefix ; suffix]`` alone.

    Before block ``l`` with ``1 <= l < len(prompts)`` the prefix positions
    ``start .. start + n - 1`` are overwritten by ``prompts[l]`` (deep
    prompts); ``prompts[0]`` must already be in ``x``.

    Args:
        transformer: open_clip ``Transformer`` (batch first, causal).
        x: ``(1, P + N, d)`` packed tokens, positions added.
        layout: Where each text's tokens are (:func:`packed_layout`).
        prompts: Per-layer prompts, each ``(n, d)``, or one ``(J, n, d)``
            tensor.
        start: Position of the first prompt token in the prefix.
        with_cp: Gradient checkpointing, one checkpoint per block.

    Returns:
        Tensor: ``(1, P + N, d)``.
    """
    prompts = cast_prompts(prompts, x.dtype)

    def attention(qkv: Tensor, heads: int) -> Tensor:  # (1, P+N, 3d)
        return _packed_attention(qkv.squeeze(0), layout,
                                 heads).unsqueeze(0)  # (1, P+N, d)

    for layer, block in enumerate(transformer.resblocks):
        prompt = prompts[layer] if 1 <= layer < len(prompts) else None

        def step(x, prompt, block=block):
            if prompt is not None:
                x = splice_tokens(x, prompt, start)
            return lean_block_forward(block, x, attention)

        x = run_layer(step, x, prompt, with_cp=with_cp)
    return x


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

