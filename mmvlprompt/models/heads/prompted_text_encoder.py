"""CLIP text tower with learnable context and deep prompts (DESIGN 1.2)."""
from typing import List, NamedTuple, Optional, Sequence

import open_clip
import torch
from torch import Tensor, nn

from ..utils import (PackedLayout, cast_prompts, check_sdpa_block,
                     forward_prompted_blocks,
                     forward_shared_prefix_blocks, packed_layout,
                     shared_prefix_length, splice_tokens)


class TextPlan(NamedTuple):
    """How :class:`PromptedTextEncoder` runs one token set, on its device.

    Attributes:
        tokens: ``(K, L')`` ids, truncated to the longest text when
            ``truncate`` is set.
        eot: ``(K,)`` EOT positions.
        packed: The shared-prefix stream layout, or None to run every text
            as its own sequence.
    """

    tokens: Tensor
    eot: Tensor
    packed: Optional[PackedLayout]


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
            only the class-name suffixes, packed into one token stream
            (see :mod:`~mmvlprompt.models.utils.shared_prefix`).
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
        # token set -> TextPlan, so that a step with a known class set does
        # no host work and no host-device round trip (see _plan)
        self._plans: dict = {}
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
            prompts: Per-layer prompts, ``(depth_text, n, d_t)`` or a list
                of ``(n, d_t)``.

        Returns:
            Tensor: Unnormalised text features, ``(K, D)``.
        """
        num_prompts = prompts[0].shape[0] if len(prompts) else 0
        plan = self._plan(tokens, num_prompts)
        if plan.packed is not None:
            x = self._encode_shared(plan.packed, prompts)  # (K, d_t)
        else:
            x = self._encode_full(plan.tokens, prompts)  # (K, L, d_t)
            x = x[torch.arange(x.shape[0], device=x.device),
                  plan.eot]  # (K, d_t)
        x = self.ln_final(x)
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection  # (K, D)

    @torch.compiler.disable  # host-side bookkeeping, never in a graph
    def _plan(self, tokens: Tensor, num_prompts: int) -> TextPlan:
        """The :class:`TextPlan` of ``tokens``, computed on the host once per
        token tensor (and options) and then reused.

        A cached plan is keyed by the tensor itself (it is held, so its
        storage cannot be reused) and its version counter, so an edited or
        new tensor gets a new plan.
        """
        key = (tokens.data_ptr(), tuple(tokens.shape), str(tokens.device),
               num_prompts, self.truncate, self.share_prefix)
        entry = self._plans.get(key)
        if entry is not None and entry[0] is tokens and \
                entry[1] == tokens._version:
            return entry[2]
        host = tokens.cpu()
        eot = host.argmax(dim=-1)  # (K,) EOT has the largest id
        length = int(eot.max()) + 1 if self.truncate else host.shape[1]
        host = host[:, :length]
        packed = None
        if self.share_prefix:
            shared = shared_prefix_length(host, eot)
            if shared >= 1 + num_prompts:
                ends = (eot + 1).tolist() if self.truncate else \
                    [length] * host.shape[0]
                packed = packed_layout(host, ends, shared,
                                       eot.tolist()).to(tokens.device)
        plan = TextPlan(tokens[:, :length], eot.to(tokens.device), packed)
        if len(self._plans) >= 16:  # e.g. retrieval captions: keep it small
            self._plans.pop(next(iter(self._plans)))
        self._plans[key] = (tokens, tokens._version, plan)
        return plan

    def clear_plans(self) -> None:
        """Forget the cached :class:`TextPlan` of every token set."""
        self._plans.clear()

    def _encode_full(self, tokens: Tensor, prompts: Sequence[Tensor]) -> Tensor:
        """Every text as its own sequence, ``(K, L)`` ids to ``(K, L, d_t)``."""
        length = tokens.shape[1]
        x = self.token_embedding(tokens)  # (K, L, d_t)
        prompts = cast_prompts(prompts, x.dtype)  # all layers, one cast
        if len(prompts) > 0:
            x = splice_tokens(x, prompts[0], start=1)
        x = x + self.positional_embedding[:length].to(x.dtype)
        mask = self.attn_mask[:length, :length]  # causal (L, L)
        return forward_prompted_blocks(self.transformer, x, prompts, start=1,
                                       attn_mask=mask, with_cp=self.with_cp,
                                       causal=True)

    def _encode_shared(self, layout: PackedLayout,
                       prompts: Sequence[Tensor]) -> Tensor:
        """The shared prefix once and every suffix, packed into one stream
        (:mod:`~mmvlprompt.models.utils.shared_prefix`); returns the EOT
        states ``(K, d_t)`` in the order of the texts."""
        x = self.token_embedding(layout.token_ids).unsqueeze(0)  # (1, P+N, d_t)
        prompts = cast_prompts(prompts, x.dtype)  # all layers, one cast
        if len(prompts) > 0:
            x = splice_tokens(x, prompts[0], start=1)
        pos = self.positional_embedding.index_select(0, layout.positions)
        x = x + pos.to(x.dtype)  # (1, P+N, d_t)
        x = forward_shared_prefix_blocks(
            self.transformer, x, layout, prompts, start=1,
            with_cp=self.with_cp)  # (1, P+N, d_t)
        return x.squeeze(0).index_select(0, layout.eot_index)  # (K, d_t)

    def extra_repr(self) -> str:
        return (f'truncate={self.truncate}, '
                f'share_prefix={self.share_prefix}, with_cp={self.with_cp}')


class TextTowerMixin:
    """What the model builder reads from a text head that holds a
    :class:`PromptedTextEncoder` as ``text_encoder``: the widths for the
    prompt learner and the ``ctx_init`` embeddings."""

    @property
    def text_width(self) -> int:
        return self.text_encoder.width

    @property
    def text_layers(self) -> int:
        return self.text_encoder.num_layers

    def embed_context(self, phrase: str) -> Tensor:
        """Token embeddings of the ``ctx_init`` phrase, ``(k, d_t)``."""
        return self.text_encoder.embed_phrase(phrase)


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
