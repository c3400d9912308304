"""CLIP text tower with learnable context and deep prompts (DESIGN 1.2)."""
from typing import List, Sequence

import open_clip
import torch
from torch import Tensor, nn

from ..utils import forward_prompted_blocks, splice_tokens


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
    """

    def __init__(self, clip_model: nn.Module, arch: str, truncate: bool = True):
        super().__init__()
        self.token_embedding = clip_model.token_embedding
        self.positional_embedding = clip_model.positional_embedding
        self.transformer = clip_model.transformer
        self.ln_final = clip_model.ln_final
        self.text_projection = clip_model.text_projection
        self.register_buffer('attn_mask', clip_model.attn_mask,
                             persistent=False)
        self.truncate = truncate
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
        x = self.token_embedding(tokens[:, :length])  # (K, L, d_t)
        if len(prompts) > 0:
            x = splice_tokens(x, prompts[0], start=1)
        x = x + self.positional_embedding[:length].to(x.dtype)
        mask = self.attn_mask[:length, :length]  # causal (L, L)
        x = forward_prompted_blocks(self.transformer, x, prompts, start=1,
                                    attn_mask=mask)  # (K, L, d_t)
        x = self.ln_final(x)
        x = x[torch.arange(x.shape[0], device=x.device), eot]  # (K, d_t)
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection  # (K, D)

    def extra_repr(self) -> str:
        return f'truncate={self.truncate}'


def placeholder_texts(class_names: Sequence[str], num_tokens: int,
                      template: str) -> List[str]:
    """Texts whose first ``num_tokens`` words are overwritten by prompts.

    The part of ``template`` before ``{}`` is replaced by the learnable
    context; the part after it (usually ``.``) is kept.
    """
    suffix = template[template.index('{}'):]
    prefix = ' '.join(['X'] * num_tokens)
    return [f'{prefix} {suffix.format(name)}' for name in class_names]
