"""Prompt-learner neck: owns every prompt and the inter-modal mappings."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from .layerwise_linear import LayerwiseLinear

MAPPINGS = ('both', 'text_to_vision', 'vision_to_text', 'none')
MAPPING_INITS = ('zeros', 'default')


def _prompt_parameter(depth: int, num_tokens: int, width: int, std: float,
                      generator: torch.Generator) -> Optional[nn.Parameter]:
    if depth == 0:
        return None
    return nn.Parameter(
        torch.randn(depth, num_tokens, width, generator=generator) * std)


def prompt_init_generator(init_seed: Optional[int]) -> torch.Generator:
    """The generator every initial prompt and mapping is drawn from.

    Seeded by ``init_seed``, or, when it is None, by the run's seed:
    ``torch.initial_seed()``, which MMEngine sets from ``randomness.seed``
    (``tools/train.py --seed``) before it builds the model. Drawing from a
    generator of its own makes the initial prompts a function of the seed
    alone: whatever else draws from the global RNG before the neck is built
    (loading CLIP one way or another, other modules) cannot move them.
    """
    seed = torch.initial_seed() if init_seed is None else init_seed
    return torch.Generator().manual_seed(seed)


@MODELS.register_module()
class VLPromptLearner(BaseModule):
    """Text and vision prompts with per-layer inter-modal mappings.

    Holds ``P_t^l`` (``depth_text`` layers of ``num_text_tokens x d_t``) and
    ``P_v^l`` (``depth_vision`` layers of ``num_vision_tokens x d_v``), plus
    one ``Linear(d_t, d_v)`` (text-to-vision) and/or ``Linear(d_v, d_t)``
    (vision-to-text) per layer prompted in both branches, held stacked in a
    :class:`LayerwiseLinear` (``text_to_vision[l]`` is layer ``l``). :meth:`forward`
    returns the per-layer prompts each encoder inserts (DESIGN 1.4)::

        vision[l] = P_v^l + M_t->v^l(P_t^l)
        text[l]   = P_t^l + M_v->t^l(P_v^l)

    The mappings read the independent prompts, never mapped values.

    With ``independent_vision_prompts=False`` there is no ``P_v``: every
    vision prompt is generated from the text prompt of its layer (MaPLe's
    coupling; needs ``mapping='text_to_vision'``)::

        vision[l] = M_t->v^l(P_t^l),  l < depth_vision <= depth_text

    Args:
        num_text_tokens (int): ``n`` text context tokens.
        num_vision_tokens (int): ``n`` vision prompt tokens per frame.
        depth_text (int): Text layers ``0..depth_text-1`` get prompts; 0
            disables text prompts (hand-crafted template).
        depth_vision (int): Same for the vision branch.
        mapping (str): ``'both'``, ``'text_to_vision'``, ``'vision_to_text'``
            or ``'none'``.
        independent_vision_prompts (bool): Learn ``P_v`` (True). False
            generates the vision prompts from the text prompts only.
        mapping_init (str): ``'zeros'`` (training starts without the
            mapped term) or ``'default'`` (PyTorch's ``nn.Linear`` init).
        ctx_init (str): Phrase that initialises the last tokens of
            ``P_t^0``, next to the class name. Empty for random init.
        fixed_ctx_tail (bool): When ``ctx_init`` has more tokens than
            ``num_text_tokens``, its first ``num_text_tokens`` tokens
            initialise ``P_t^0`` and the rest stay fixed words between the
            prompts and the class name (MaPLe: ``'a photo'`` learnt,
            ``'of a'`` kept). False refuses such a phrase.
        init_std (float): Std of the normal init of the other prompts.
        text_width, vision_width (int): ``d_t`` and ``d_v``; filled in by
            the recognizer from the encoders.
        text_layers, vision_layers (int): Layer counts, for validation;
            filled in by the recognizer.
        init_seed (int, optional): Seed of the neck's own generator, from
            which the initial prompts and ``mapping_init='default'``
            mappings are drawn. None (default) uses the run's seed
            (``randomness.seed`` / ``--seed``), see
            :func:`prompt_init_generator`.
    """

    def __init__(self,
                 num_text_tokens: int = 8,
                 num_vision_tokens: int = 8,
                 depth_text: int = 9,
                 depth_vision: int = 9,
                 mapping: str = 'both',
                 independent_vision_prompts: bool = True,
                 mapping_init: str = 'zeros',
                 ctx_init: str = 'a video of a person doing',
                 fixed_ctx_tail: bool = False,
                 init_std: float = 0.02,
                 text_width: Optional[int] = None,
                 vision_width: Optional[int] = None,
                 text_layers: Optional[int] = None,
                 vision_layers: Optional[int] = None,
                 init_seed: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._validate(num_text_tokens, num_vision_tokens, depth_text,
                       depth_vision, mapping, text_width, vision_width,
                       text_layers, vision_layers, init_std)
        if init_seed is not None and (
                isinstance(init_seed, bool) or not isinstance(init_seed, int)
                or init_seed < 0):
            raise ValueError(f'neck.init_seed={init_seed!r}: expected None '
                             '(the run\'s seed) or an int >= 0.')
        generator = prompt_init_generator(init_seed)
        self._validate_coupling(mapping, independent_vision_prompts,
                                mapping_init, fixed_ctx_tail, depth_text,
                                depth_vision)
        self.mapping = mapping
        self.independent_vision_prompts = independent_vision_prompts
        self.mapping_init = mapping_init
        self.ctx_init = ctx_init
        self.fixed_ctx_tail = fixed_ctx_tail
        # the words the text encoder reads in front of the class name, of
        # which the first n are overwritten by prompts (init_text_context)
        self.context_words: Optional[str] = None
        self.depth_text, self.depth_vision = depth_text, depth_vision
        # (J_t, n, d_t) and (J_v, n, d_v); None for an unprompted branch
        # drawn in this order from the one generator
        self.text_prompts = _prompt_parameter(depth_text, num_text_tokens,
                                              text_width, init_std, generator)
        self.vision_prompts = _prompt_parameter(
            depth_vision if independent_vision_prompts else 0,
            num_vision_tokens, vision_width, init_std, generator)
        shared = min(depth_text, depth_vision)
        # (J, d_v, d_t) and (J, d_t, d_v): one Linear per shared layer
        self.text_to_vision = LayerwiseLinear(
            shared if mapping in ('both', 'text_to_vision') else 0,
            text_width, vision_width, mapping_init, generator)
        self.vision_to_text = LayerwiseLinear(
            shared if mapping in ('both', 'vision_to_text') else 0,
            vision_width, text_width, mapping_init, generator)

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

    @staticmethod
    def _validate_coupling(mapping, independent, mapping_init, fixed_tail,
                           depth_t, depth_v) -> None:
        for key, value in (('independent_vision_prompts', independent),
                           ('fixed_ctx_tail', fixed_tail)):
            if not isinstance(value, bool):
                raise ValueError(f'neck.{key}={value!r}: expected True or '
                                 'False.')
        if mapping_init not in MAPPING_INITS:
            raise ValueError(f'neck.mapping_init={mapping_init!r}: expected '
                             f'one of {MAPPING_INITS}.')
        if mapping == 'none' and mapping_init != 'zeros':
            raise ValueError(
                f"neck.mapping_init={mapping_init!r} has no mapping to "
                "initialise with mapping='none'; leave it at 'zeros'.")
        if independent:
            return
        if mapping != 'text_to_vision':
            raise ValueError(
                'neck.independent_vision_prompts=False generates the vision '
                'prompts from the text prompts and needs '
                f"mapping='text_to_vision' (got mapping={mapping!r}).")
        if not 1 <= depth_v <= depth_t:
            raise ValueError(
                f'neck.depth_vision={depth_v}: with '
                'independent_vision_prompts=False every vision prompt comes '
                'from the text prompt of its layer, so 1 <= depth_vision <= '
                f'depth_text (={depth_t}) is needed.')

    @torch.no_grad()
    def init_text_context(self, phrase_embedding: Tensor) -> None:
        """Copy ``ctx_init``'s token embeddings ``(k, d_t)`` into the last
        ``k`` tokens of ``P_t^0``, next to the class name.

        With ``fixed_ctx_tail`` and ``k > n`` the first ``n`` tokens fill
        ``P_t^0`` and :attr:`context_words` becomes ``ctx_init``: the text
        encoder then reads the whole phrase and overwrites only its first
        ``n`` positions, so the other ``k - n`` words stay fixed.
        """
        if self.depth_text == 0 or phrase_embedding.shape[0] == 0:
            return
        k, n = phrase_embedding.shape[0], self.text_prompts.shape[1]
        dtype = self.text_prompts.dtype
        if k > n and self.fixed_ctx_tail:
            self.text_prompts[0] = phrase_embedding[:n].to(dtype)
            self.context_words = self.ctx_init
            return
        if k > n:
            raise ValueError(
                f'neck.ctx_init={self.ctx_init!r} has {k} tokens but '
                f'num_text_tokens={n}; use a shorter phrase, more tokens, or '
                'fixed_ctx_tail=True to keep the extra words fixed.')
        self.text_prompts[0, n - k:] = phrase_embedding.to(dtype)

    def forward(self) -> Dict[str, Tensor]:
        """Per-layer prompts, all layers at once: ``text`` ``(J_t, n, d_t)``
        and ``vision`` ``(J_v, n, d_v)`` (an empty list for an unprompted
        branch). Index ``l`` is layer ``l``'s prompt ``(n, d)``.

        Every layer's mapping runs in one batched product
        (:class:`LayerwiseLinear`), not layer by layer, so the number of
        operator launches does not grow with the depth.
        """
        text = [] if self.text_prompts is None else self.text_prompts
        if not self.independent_vision_prompts:  # generated from the text
            shared = len(self.text_to_vision)
            vision = self.text_to_vision(text[:shared])
            return dict(text=text, vision=vision)  # (J_v, n, d_v)
        vision = [] if self.vision_prompts is None else self.vision_prompts
        shared = min(len(text), len(vision))
        mapped_text = _add_mapped(text, vision[:shared], self.vision_to_text)
        mapped_vision = _add_mapped(vision, text[:shared],
                                    self.text_to_vision)
        return dict(text=mapped_text, vision=mapped_vision)


def _add_mapped(own, other, mapping: LayerwiseLinear):
    """``own[l] + mapping[l](other[l])`` for the first ``len(mapping)``
    layers, ``own[l]`` beyond; ``own`` as it is when there is no mapping."""
    if len(mapping) == 0:
        return own
    mapped = own[:len(mapping)] + mapping(other)  # (J, n, d)
    if len(mapping) == len(own):
        return mapped
    return torch.cat([mapped, own[len(mapping):]])
