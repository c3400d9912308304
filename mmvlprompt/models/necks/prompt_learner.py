"""Prompt-learner neck: owns every prompt and the inter-modal mappings."""
from typing import Dict, List, Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

MAPPINGS = ('both', 'text_to_vision', 'vision_to_text', 'none')


def _zero_linear(in_dim: int, out_dim: int) -> nn.Linear:
    layer = nn.Linear(in_dim, out_dim)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def _prompt_parameter(depth: int, num_tokens: int, width: int,
                      std: float) -> Optional[nn.Parameter]:
    if depth == 0:
        return None
    return nn.Parameter(torch.randn(depth, num_tokens, width) * std)


@MODELS.register_module()
class VLPromptLearner(BaseModule):
    """Text and vision prompts with per-layer inter-modal mappings.

    Holds ``P_t^l`` (``depth_text`` layers of ``num_text_tokens x d_t``) and
    ``P_v^l`` (``depth_vision`` layers of ``num_vision_tokens x d_v``), plus
    one zero-initialised ``Linear(d_t, d_v)`` (text-to-vision) and/or
    ``Linear(d_v, d_t)`` (vision-to-text) per layer prompted in both
    branches. :meth:`forward` returns the per-layer prompts each encoder
    inserts (DESIGN 1.4)::

        vision[l] = P_v^l + M_t->v^l(P_t^l)
        text[l]   = P_t^l + M_v->t^l(P_v^l)

    The mappings read the independent prompts, never mapped values.

    Args:
        num_text_tokens (int): ``n`` text context tokens.
        num_vision_tokens (int): ``n`` vision prompt tokens per frame.
        depth_text (int): Text layers ``0..depth_text-1`` get prompts; 0
            disables text prompts (hand-crafted template).
        depth_vision (int): Same for the vision branch.
        mapping (str): ``'both'``, ``'text_to_vision'``, ``'vision_to_text'``
            or ``'none'``.
        ctx_init (str): Phrase that initialises the last tokens of
            ``P_t^0``, next to the class name. Empty for random init.
        init_std (float): Std of the normal init of the other prompts.
        text_width, vision_width (int): ``d_t`` and ``d_v``; filled in by
            the recognizer from the encoders.
        text_layers, vision_layers (int): Layer counts, for validation;
            filled in by the recognizer.
    """

    def __init__(self,
                 num_text_tokens: int = 8,
                 num_vision_tokens: int = 8,
                 depth_text: int = 9,
                 depth_vision: int = 9,
                 mapping: str = 'both',
                 ctx_init: str = 'a video of a person doing',
                 init_std: float = 0.02,
                 text_width: Optional[int] = None,
                 vision_width: Optional[int] = None,
                 text_layers: Optional[int] = None,
                 vision_layers: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._validate(num_text_tokens, num_vision_tokens, depth_text,
                       depth_vision, mapping, text_width, vision_width,
                       text_layers, vision_layers, init_std)
        self.mapping = mapping
        self.ctx_init = ctx_init
        self.depth_text, self.depth_vision = depth_text, depth_vision
        # (J_t, n, d_t) and (J_v, n, d_v); None for an unprompted branch
        self.text_prompts = _prompt_parameter(depth_text, num_text_tokens,
                                              text_width, init_std)
        self.vision_prompts = _prompt_parameter(depth_vision,
                                                num_vision_tokens,
                                                vision_width, init_std)
        shared = min(depth_text, depth_vision)
        self.text_to_vision = nn.ModuleList(
            [_zero_linear(text_width, vision_width) for _ in range(shared)]
            if mapping in ('both', 'text_to_vision') else [])
        self.vision_to_text = nn.ModuleList(
            [_zero_linear(vision_width, text_width) for _ in range(shared)]
            if mapping in ('both', 'vision_to_text') else [])

    @staticmethod
    def _validate(n_t, n_v, depth_t, depth_v, mapping, width_t, width_v,
                  layers_t, layers_v, init_std) -> None:
        if mapping not in MAPPINGS:
            raise ValueError(f'neck.mapping={mapping!r}: expected one of '
                             f'{MAPPINGS}.')
        for key, value, layers in (('depth_text', depth_t, layers_t),
                                   ('depth_vision', depth_v, layers_v)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f'neck.{key}={value!r}: expected an int >= 0.')
            if layers is not None and value > layers:
                raise ValueError(f'neck.{key}={value} exceeds the {layers} '
                                 'layers of the encoder.')
        for key, value, depth in (('num_text_tokens', n_t, depth_t),
                                  ('num_vision_tokens', n_v, depth_v)):
            if not isinstance(value, int) or value < 0 or (depth and
                                                           value == 0):
                raise ValueError(f'neck.{key}={value!r}: expected an int >= 1 '
                                 'when the branch is prompted.')
        if mapping != 'none' and depth_t and depth_v and n_t != n_v:
            raise ValueError(
                f'neck.mapping={mapping!r} maps tokens one by one and needs '
                f'num_text_tokens == num_vision_tokens (got {n_t} and {n_v}); '
                "use equal counts or mapping='none'.")
        for key, value in (('text_width', width_t),
                           ('vision_width', width_v)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f'neck.{key}={value!r}: expected a positive '
                                 'int (the recognizer fills it in).')
        if not init_std >= 0:
            raise ValueError(f'neck.init_std={init_std}: expected >= 0.')

    @torch.no_grad()
    def init_text_context(self, phrase_embedding: Tensor) -> None:
        """Copy ``ctx_init``'s token embeddings ``(k, d_t)`` into the last
        ``k`` tokens of ``P_t^0``, next to the class name."""
        if self.depth_text == 0 or phrase_embedding.shape[0] == 0:
            return
        k, n = phrase_embedding.shape[0], self.text_prompts.shape[1]
        if k > n:
            raise ValueError(
                f'neck.ctx_init={self.ctx_init!r} has {k} tokens but '
                f'num_text_tokens={n}; use a shorter phrase or more tokens.')
        self.text_prompts[0, n - k:] = phrase_embedding.to(
            self.text_prompts.dtype)

    def forward(self) -> Dict[str, List[Tensor]]:
        """Per-layer prompts: ``text`` ``[(n, d_t)] * depth_text`` and
        ``vision`` ``[(n, d_v)] * depth_vision``."""
        text = [] if self.text_prompts is None else list(
            self.text_prompts.unbind(0))
        vision = [] if self.vision_prompts is None else list(
            self.vision_prompts.unbind(0))
        mapped_text = [t + m(v) for t, v, m in zip(text, vision,
                                                    self.vision_to_text)]
        mapped_vision = [v + m(t) for t, v, m in zip(text, vision,
                                                      self.text_to_vision)]
        text[:len(mapped_text)] = mapped_text
        vision[:len(mapped_vision)] = mapped_vision
        return dict(text=text, vision=vision)
