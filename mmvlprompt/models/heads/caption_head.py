"""Prompted CLIP text encoder for captions (video-text retrieval)."""
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ..utils import build_clip
from .prompted_text_encoder import (PromptedTextEncoder, TextTowerMixin,
                                    placeholder_texts)

# The hand-crafted prompt of retrieval is the caption itself: a caption is
# already a sentence about the video, so ``template='{}'`` and the frozen
# CLIP reads exactly the plain caption (as CLIP4Clip does).
CAPTION_TEMPLATE = '{}'


@MODELS.register_module()
class PromptedCaptionHead(TextTowerMixin, BaseModule):
    """Text side of video-text retrieval: captions through the prompted
    CLIP text encoder, the contrastive loss and the scenario loss.

    Each caption is read as ``[SOS] P_t^0 (n tokens) <caption> [EOS]``: the
    learned context (the neck's text prompts) goes before the caption, as it
    goes before the class name in recognition. The hand-crafted prompt is
    ``template.format(caption)``, by default the plain caption; the
    scenario loss keeps the prompted caption features close to the frozen
    CLIP's features of it.

    Text caching: the frozen hand-prompt features are computed once per
    distinct caption, without gradient, and kept (``cache_text``); in
    evaluation (no grad) the prompted features are also kept per caption and
    reused until the prompts or the text-tower weights change. A caption
    repeated across videos, batches or evaluations is encoded once.
    Captions are encoded ``text_batch_size`` at a time.

    Named ``cls_head`` in the similarity model, as in the recognizer, so
    that prompt-only checkpoints and the tools see the same layout.

    Args:
        clip (dict): ``dict(arch=..., pretrained=...)``; filled in by the
            model.
        template (str): Hand-crafted prompt with one ``{}`` for the caption.
            The part after ``{}`` follows the caption in the prompted text.
        loss_contrastive (dict): Video-text loss, e.g.
            ``dict(type='SymmetricContrastiveLoss')``.
        loss_scenario (dict, optional): Scenario-guided loss config; None
            disables it.
        truncate_text (bool): Exact EOT truncation of the text encoder.
        share_prefix (bool): Encode the shared ``[SOS]`` + prompt prefix once
            per batch of captions (exact).
        with_cp (bool): Gradient checkpointing in the text encoder.
        text_batch_size (int): Captions per text-encoder call.
        cache_text (bool): Keep hand-prompt and evaluation features per
            caption (memory: ``D`` floats per distinct caption).
    """

    def __init__(self,
                 clip: dict,
                 template: str = CAPTION_TEMPLATE,
                 loss_contrastive: dict = dict(
                     type='SymmetricContrastiveLoss'),
                 loss_scenario: Optional[dict] = dict(
                     type='ScenarioGuidedLoss'),
                 truncate_text: bool = True,
                 share_prefix: bool = True,
                 with_cp: bool = False,
                 text_batch_size: int = 256,
                 cache_text: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(template, str) or template.count('{}') != 1:
            raise ValueError(f'cls_head.template={template!r} must contain '
                             'exactly one "{}" for the caption.')
        if not isinstance(text_batch_size, int) or text_batch_size < 1:
            raise ValueError('cls_head.text_batch_size='
                             f'{text_batch_size!r}: expected an int >= 1.')
        if not isinstance(cache_text, bool):
            raise ValueError(f'cls_head.cache_text={cache_text!r}: expected '
                             'True or False.')
        model = build_clip(**clip)
        self.template = template
        self.text_encoder = PromptedTextEncoder(
            model, clip['arch'], truncate_text, share_prefix=share_prefix,
            with_cp=with_cp)
        self.logit_scale = model.logit_scale
        self.loss_contrastive = MODELS.build(loss_contrastive)
        self.loss_scenario = MODELS.build(loss_scenario) \
            if loss_scenario is not None else None
        self.text_batch_size = text_batch_size
        self.cache_text = cache_text
        self._hand_cache: Dict[str, Tensor] = {}  # caption -> (D,)
        self._eval_cache: Dict[str, Tensor] = {}  # caption -> (D,)
        self._eval_state: Optional[tuple] = None
        self.encoded_texts = 0  # captions run through the encoder so far

    # ------------------------------------------------------------------
    # text features
    # ------------------------------------------------------------------
    def _encode(self, captions: Sequence[str],
                prompts: Sequence[Tensor]) -> Tensor:
        """``K`` captions to ``(K, D)`` features, in chunks."""
        n = prompts[0].shape[0] if len(prompts) else 0
        texts = placeholder_texts(captions, n, self.template) if n else \
            [self.template.format(c) for c in captions]
        feats = []
        for start in range(0, len(texts), self.text_batch_size):
            chunk = texts[start:start + self.text_batch_size]
            tokens = self.text_encoder.tokenize(chunk)  # (k, L)
            feats.append(self.text_encoder(tokens, prompts))  # (k, D)
            self.encoded_texts += len(chunk)
        return torch.cat(feats)  # (K, D)

    def _cached(self, cache: Dict[str, Tensor], captions: Sequence[str],
                prompts: Sequence[Tensor]) -> Tensor:
        missing = list(dict.fromkeys(c for c in captions if c not in cache))
        if missing:
            for caption, feat in zip(missing, self._encode(missing, prompts)):
                cache[caption] = feat.detach()
        return torch.stack([cache[c] for c in captions])  # (K, D)

    def hand_features(self, captions: Sequence[str]) -> Tensor:
        """Frozen CLIP features of the hand-crafted prompt, ``(K, D)``."""
        with torch.no_grad():
            if not self.cache_text:
                return self._encode(captions, ())
            return self._cached(self._hand_cache, captions, ())

    def _same_state(self, prompts: Sequence[Tensor]) -> bool:
        """Whether the cached evaluation features are still valid: same
        text-tower weights (in-place version counters) and prompt values."""
        if self._eval_state is None:
            return False
        versions, saved = self._eval_state
        return versions == self._weight_versions() and len(saved) == len(
            prompts) and all(torch.equal(a, b) for a, b in zip(saved, prompts))

    def _weight_versions(self) -> tuple:
        return tuple(p._version for p in self.text_encoder.parameters())

    def caption_features(self, captions: Sequence[str],
                         prompts: Sequence[Tensor] = ()) -> Tensor:
        """Prompted caption features, ``(K, D)``, unnormalised.

        In training (or with grad) every caption is encoded; in evaluation
        features are reused per caption while prompts and weights are
        unchanged.
        """
        if torch.is_grad_enabled() or self.training or not self.cache_text:
            self._eval_cache.clear()
            return self._encode(captions, prompts)
        if not self._same_state(prompts):
            self._eval_cache.clear()
            self._eval_state = (self._weight_versions(),
                                [p.detach().clone() for p in prompts])
        return self._cached(self._eval_cache, captions, prompts)

    # ------------------------------------------------------------------
    # losses
    # ------------------------------------------------------------------
    def loss(self, video_feats: Tensor, captions: List[str],
             video_ids: Optional[Tensor] = None,
             text_prompts: Sequence[Tensor] = ()) -> Dict[str, Tensor]:
        """Contrastive (and scenario-guided) losses of a batch of pairs.

        Args:
            video_feats: ``(B, D)`` video features.
            captions: ``B`` captions, the i-th describing the i-th video.
            video_ids: ``(B,)`` video identities; pairs of the same video
                count as positives of each other. None: all distinct.
            text_prompts: Per-layer text prompts from the neck.
        """
        text = self.caption_features(captions, text_prompts)  # (B, D)
        losses = dict(loss_contrastive=self.loss_contrastive(
            video_feats, text, self.logit_scale.exp(), video_ids))
        if self.loss_scenario is not None:
            losses['loss_scenario'] = self.loss_scenario(
                text, self.hand_features(captions))
        return losses
