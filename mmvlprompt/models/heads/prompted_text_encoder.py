"""CLIP text tower with learnable context and deep prompts (DESIGN 1.2)."""
from typing import List, Optional, Sequence

import open_clip
import torch
from torch import Tensor, nn

from ..utils import (check_sdpa_block, forward_prompted_blocks,
                     forward_shared_prefix_blocks, group_lengths,
                     shared_prefix_length, splice_tokens)


class PromptedTextEncoder(nn.Module):
    """The text half of an open_clip ``CLIP`` model, run with prompts.

    The prompted sequence is ``[SOS] P_t^0 (n tokens) <class name> . [EOS]``:
    the caller tokenizes ``n`` placeholder words in front of the class name
    and :meth:`forward` overwrites their embeddings with ``prompts[0]``.

    Args:
        clip_model (open_clip.CLIP): Model to take the text tower from.
        arch (str): open_clip model name, to pick the tokenizer.
        truncate (bool): Run on ``max_eot + 1`` positions instead of the full
            context length. Exact for CLIP's causal text transformer.
        share_prefix (bool): Compute the leading positions that every text
            shares (``[SOS]`` and the prompts) once, as one sequence, and run
            only the class-name suffixes against their cached keys and
            values. The suffixes are batched in groups of similar length
            (each padded to its longest; see :func:`group_lengths`).
            Exact for the causal text transformer.
        with_cp (bool): Gradient checkpointing, one checkpoint per block.
    """

    def __init__(self, clip_model: nn.Module, arch: str, truncate: bool = True,
                 share_prefix: bool = True, with_cp: bool = False):
        super().__init__()
        for key, value in (('truncate_text', truncate),
                           ('share_prefix', share_prefix),
                           ('with_cp', with_cp)):
            if not isinstance(value, bool):
                raise ValueError(f'cls_head.{key}={value!r}: expected True '
                                 'or False.')
        self.token_embedding = clip_model.token_embedding
        self.positional_embedding = clip_model.positional_embedding
        self.transformer = clip_model.transformer
        self.ln_final = clip_model.ln_final
        self.text_projection = clip_model.text_projection
        self.register_buffer('attn_mask', clip_model.attn_mask,
                             persistent=False)
        self.truncate = truncate
        self.share_prefix = share_prefix
        self.with_cp = with_cp
        # cost of one more suffix group, in padded positions
        self.group_overhead = 64.0
        if share_prefix:
            for block in self.transformer.resblocks:
                check_sdpa_block(block, 'cls_head.share_prefix')
        self.tokenizer = open_clip.get_tokenizer(arch)

    @property
    def width(self) -> int:
        return self.transformer.width

    @property
    def num_layers(self) -> int:
        return len(self.transformer.resblocks)

    def tokenize(self, texts: Sequence[str]) -> Tensor:
        """Tokenize to ``(K, context_length)`` ids on the module's device."""
        tokens = self.tokenizer(list(texts))
        return tokens.to(self.positional_embedding.device)

    def embed_phrase(self, phrase: str) -> Tensor:
        """Token embeddings of ``phrase`` without SOS/EOS, ``(k, d_t)``."""
        tokens = self.tokenize([phrase])[0]
        eot = int(tokens.argmax())
        with torch.no_grad():
            return self.token_embedding(tokens[1:eot]).detach().clone()

    def num_phrase_tokens(self, phrase: str) -> int:
        """Number of BPE tokens in ``phrase`` (SOS/EOS excluded)."""
        return int(self.tokenize([phrase])[0].argmax()) - 1

    def forward(self, tokens: Tensor, prompts: Sequence[Tensor] = ()) -> Tensor:
        """Encode tokenized texts.

        Args:
            tokens: ``(K, context_length)`` token ids; when ``prompts`` is not
                empty, positions ``1 .. n`` hold placeholders.
            prompts: Per-layer prompts ``[(n, d_t)] * depth_text``.

        Returns:
            Tensor: Unnormalised text features, ``(K, D)``.
        """
        eot = tokens.argmax(dim=-1)  # (K,) EOT has the largest id
        length = int(eot.max()) + 1 if self.truncate else tokens.shape[1]
        tokens = tokens[:, :length]
        num_prompts = prompts[0].shape[0] if len(prompts) else 0
        shared = shared_prefix_length(tokens, eot) if self.share_prefix \
            else 0
        if shared >= 1 + num_prompts:
            x = self._encode_shared(tokens, prompts, shared, eot)  # (K, d_t)
        else:
            x = self._encode_full(tokens, prompts)  # (K, L, d_t)
            x = x[torch.arange(x.shape[0], device=x.device), eot]  # (K, d_t)
        x = self.ln_final(x)
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection  # (K, D)

    def _encode_full(self, tokens: Tensor, prompts: Sequence[Tensor]) -> Tensor:
        """Every text as its own sequence, ``(K, L)`` ids to ``(K, L, d_t)``."""
        length = tokens.shape[1]
        x = self.token_embedding(tokens)  # (K, L, d_t)
        if len(prompts) > 0:
            x = splice_tokens(x, prompts[0], start=1)
        x = x + self.positional_embedding[:length].to(x.dtype)
        mask = self.attn_mask[:length, :length]  # causal (L, L)
        return forward_prompted_blocks(self.transformer, x, prompts, start=1,
                                       attn_mask=mask, with_cp=self.with_cp)

    def _encode_shared(self, tokens: Tensor, prompts: Sequence[Tensor],
                       shared: int, eot: Tensor) -> Tensor:
        """The first ``shared`` positions once, then the suffixes in groups
        of similar length: ``(K, L)`` ids to the EOT states ``(K, d_t)``."""
        pos = self.positional_embedding[:tokens.shape[1]]  # (L, d_t)
        prefix = self.token_embedding(tokens[:1, :shared])  # (1, P, d_t)
        if len(prompts) > 0:
            prefix = splice_tokens(prefix, prompts[0], start=1)
        prefix = prefix + pos[:shared].to(prefix.dtype)
        ends = (eot + 1 - shared).tolist() if self.truncate else \
            [tokens.shape[1] - shared] * tokens.shape[0]
        groups = group_lengths(ends, self.group_overhead)
        suffixes = []
        for rows, length in groups:
            x = self.token_embedding(tokens[rows, shared:shared + length])
            suffixes.append(x + pos[shared:shared + length].to(x.dtype))
        outs = forward_shared_prefix_blocks(
            self.transformer, prefix, suffixes, prompts, start=1,
            with_cp=self.with_cp)  # [(C_g, S_g, d_t)]
        rows = [torch.as_tensor(r, device=tokens.device) for r, _ in groups]
        x = torch.cat([out[torch.arange(len(r), device=out.device),
                           eot[r] - shared] for out, r in zip(outs, rows)])
        order = torch.empty_like(eot)
        order[torch.cat(rows)] = torch.arange(len(eot), device=eot.device)
        return x[order]  # (K, d_t), in the order of ``tokens``

    def extra_repr(self) -> str:
        return (f'truncate={self.truncate}, '
                f'share_prefix={self.share_prefix}, with_cp={self.with_cp}')


def placeholder_texts(class_names: Sequence[str], num_tokens: int,
                      template: str,
                      context_words: Optional[str] = None) -> List[str]:
    """Texts whose first ``num_tokens`` words are overwritten by prompts.

    The part of ``template`` before ``{}`` is replaced by the learnable
    context; the part after it (usually ``.``) is kept. ``context_words``
    (at least ``num_tokens`` tokens) stands in for the ``num_tokens``
    placeholders: its first ``num_tokens`` tokens are overwritten and the
    rest stay as fixed words before the class name.
    """
    suffix = template[template.index('{}'):]
    prefix = context_words or ' '.join(['X'] * num_tokens)
    return [f'{prefix} {suffix.format(name)}' for name in class_names]
