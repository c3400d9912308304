"""Classification head whose weights are prompted CLIP text features."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from ...utils import load_class_names
from ..utils import build_clip
from .prompted_text_encoder import (PromptedTextEncoder, TextTowerMixin,
                                    placeholder_texts)

HAND_TEMPLATE = 'a video of a person doing {}.'


@MODELS.register_module()
class PromptedTextHead(TextTowerMixin, BaseHead):
    """Cosine-similarity classifier over prompted class-name text features.

    ``logits = exp(logit_scale) * cos(video_feature, text_feature_c)`` with
    CLIP's frozen ``logit_scale`` (DESIGN 1.5). Text features of the current
    class set are computed once per forward in training; in evaluation (no
    grad) they are cached per class set, so that alternating evaluation sets
    (base and novel, several zero-shot splits) does not recompute them, and
    rebuilt when the prompts or the text-tower weights change. Evaluation
    loops switch the scored class set with :meth:`test_classes`.

    Args:
        clip (dict): ``dict(arch=..., pretrained=...)`` for
            :func:`build_clip`; filled in by the recognizer.
        class_names (str | list[str]): Label-map file or list of training
            class names, in label order.
        test_class_names (str | list[str], optional): Class set used by
            ``predict`` (zero-shot, base-to-novel). Defaults to
            ``class_names``.
        template (str): Hand-crafted template with one ``{}``. Used as the
            text when there are no text prompts and by ``loss_scenario``.
        normalize_class_names (bool): Turn dataset names into prompt text
            (``ApplyEyeMakeup`` -> ``apply eye makeup``, see
            :func:`~mmvlprompt.utils.normalize_class_name`). False uses the
            names exactly as written.
        loss_cls (dict): Classification loss config.
        loss_scenario (dict, optional): Scenario-guided loss config, e.g.
            ``dict(type='ScenarioGuidedLoss')``. None disables it.
        label_smooth_eps (float): Label smoothing for ``loss_cls``.
        truncate_text (bool): Exact EOT truncation of the text encoder.
        share_prefix (bool): Compute the class-independent prefix
            (``[SOS]`` + prompts) once and only the class-name suffixes per
            class (exact).
        with_cp (bool): Gradient checkpointing in the text encoder.
        topk (tuple[int]): Top-k accuracies logged in training.
        average_clips (str): Multi-view fusion, ``'prob'``, ``'score'`` or
            None.
    """

    def __init__(self,
                 clip: dict,
                 class_names,
                 test_class_names=None,
                 template: str = HAND_TEMPLATE,
                 normalize_class_names: bool = True,
                 loss_cls: dict = dict(type='CrossEntropyLoss'),
                 loss_scenario: Optional[dict] = dict(type='ScenarioGuidedLoss'),
                 label_smooth_eps: float = 0.0,
                 truncate_text: bool = True,
                 share_prefix: bool = True,
                 with_cp: bool = False,
                 topk: Tuple[int, ...] = (1, 5),
                 average_clips: Optional[str] = 'prob',
                 init_cfg: Optional[dict] = None) -> None:
        if not isinstance(template, str) or template.count('{}') != 1:
            raise ValueError(f'cls_head.template={template!r} must contain '
                             'exactly one "{}" for the class name.')
        if average_clips not in ('prob', 'score', None):
            raise ValueError(f'cls_head.average_clips={average_clips!r}: '
                             "expected 'prob', 'score' or None.")
        if not 0.0 <= label_smooth_eps < 1.0:
            raise ValueError(f'cls_head.label_smooth_eps={label_smooth_eps}: '
                             'expected a value in [0, 1).')
        if not isinstance(normalize_class_names, bool):
            raise TypeError('cls_head.normalize_class_names='
                            f'{normalize_class_names!r} must be True or False.')
        self.normalize_class_names = normalize_class_names
        self.train_names, self.train_names_origin = load_class_names(
            class_names, 'cls_head.class_names', normalize_class_names)
        if test_class_names is None:
            self.test_names, self.test_names_origin = \
                self.train_names, self.train_names_origin
        else:
            self.test_names, self.test_names_origin = load_class_names(
                test_class_names, 'cls_head.test_class_names',
                normalize_class_names)
        model = build_clip(**clip)
        super().__init__(
            num_classes=len(self.train_names),
            in_channels=model.text_projection.shape[-1],
            loss_cls=loss_cls,
            label_smooth_eps=label_smooth_eps,
            topk=tuple(topk),
            average_clips=average_clips,
            init_cfg=init_cfg)
        self.template = template
        self.text_encoder = PromptedTextEncoder(
            model, clip['arch'], truncate_text, share_prefix=share_prefix,
            with_cp=with_cp)
        self.logit_scale = model.logit_scale
        self.loss_scenario = MODELS.build(loss_scenario) \
            if loss_scenario is not None else None
        self.context_words: Optional[str] = None  # set_context_words
        self._token_cache: Dict[tuple, Tensor] = {}
        self._hand_cache: Dict[tuple, Tensor] = {}
        # class names -> (text weight versions, prompts, (C, D) features)
        self._eval_cache: Dict[tuple, tuple] = {}

    # ------------------------------------------------------------------
    # text features
    # ------------------------------------------------------------------
    def set_context_words(self, words: Optional[str]) -> None:
        """Words read in front of each class name when prompted, whose
        first ``n`` tokens the prompts overwrite; the rest stay fixed (the
        prompt learner's ``context_words``). None: ``n`` placeholders."""
        if words is not None and self.text_encoder.num_phrase_tokens(
                words) < 1:
            raise ValueError(f'context words {words!r} have no tokens.')
        self.context_words = words
        self._eval_cache.clear()

    @torch.compiler.disable  # tokenizing and caching: host work
    def _tokens(self, names: Sequence[str], num_tokens: int) -> Tensor:
        key = (tuple(names), num_tokens, self.context_words)
        if key not in self._token_cache:
            texts = placeholder_texts(names, num_tokens, self.template,
                                      self.context_words) \
                if num_tokens else [self.template.format(n) for n in names]
            self._token_cache[key] = self.text_encoder.tokenize(texts)
        tokens = self._token_cache[key]
        return tokens.to(self.text_encoder.positional_embedding.device)

    def hand_features(self, names: Sequence[str]) -> Tensor:
        """Frozen features of the hand-crafted template, ``(C, D)``.

        Computed once per class set, without gradient, and cached.
        """
        key = tuple(names)
        if key not in self._hand_cache:
            with torch.no_grad():
                self._hand_cache[key] = self.text_encoder(
                    self._tokens(names, 0)).detach()
        return self._hand_cache[key].to(self.logit_scale.device)

    def _weight_versions(self) -> tuple:
        return tuple(p._version for p in self.text_encoder.parameters())

    def text_features(self, names: Sequence[str],
                      prompts: Sequence[Tensor] = ()) -> Tensor:
        """Prompted text features of ``names``, ``(C, D)``, unnormalised."""
        num_tokens = prompts[0].shape[0] if len(prompts) else 0
        tokens = self._tokens(names, num_tokens)
        if torch.is_grad_enabled() or self.training:
            self._eval_cache.clear()
            return self.text_encoder(tokens, prompts)
        key, versions = tuple(names), self._weight_versions()
        entry = self._eval_cache.get(key)
        if entry is not None and entry[0] == versions and len(
                entry[1]) == len(prompts) and all(
                    torch.equal(a, b) for a, b in zip(entry[1], prompts)):
            return entry[2]
        feats = self.text_encoder(tokens, prompts)
        self._eval_cache[key] = (versions, [p.detach().clone()
                                            for p in prompts], feats)
        return feats

    def clear_text_caches(self) -> None:
        """Forget the tokens and text features cached per class set.

        Evaluation keeps one entry per class set it has scored, which is
        right for a few fixed sets; a server that scores ever new class
        sets (``tools/webdemo.py``) calls this to bound its memory.
        """
        self._token_cache.clear()
        self._hand_cache.clear()
        self._eval_cache.clear()
        self.text_encoder.clear_plans()

    @contextmanager
    def test_classes(self, class_names,
                     key: str = 'cls_head.test_class_names'
                     ) -> Iterator[List[str]]:
        """Score ``predict`` against another class set inside a ``with``.

        Used by evaluation loops that score several sets, each with its own
        classes (base and novel, zero-shot splits). The previous test class
        set is restored on exit.

        Args:
            class_names (str | list[str]): Label-map file or list of names.
            key: Config key naming the source, for error messages.

        Yields:
            list[str]: The loaded class names, in label order.
        """
        saved = self.test_names, self.test_names_origin
        self.test_names, self.test_names_origin = load_class_names(
            class_names, key, self.normalize_class_names)
        try:
            yield self.test_names
        finally:
            self.test_names, self.test_names_origin = saved

    # ------------------------------------------------------------------
    # BaseHead API
    # ------------------------------------------------------------------
    def forward(self,
                video_feats: Tensor,
                text_prompts: Sequence[Tensor] = (),
                class_names: Optional[Sequence[str]] = None,
                **kwargs) -> Tensor:
        """Logits of each view against each class.

        Args:
            video_feats: ``(B, V, D)`` or ``(B, D)`` video features.
            text_prompts: Per-layer text prompts from the neck.
            class_names: Class set; defaults to the training names in
                training mode and the test names in eval mode.

        Returns:
            Tensor: ``(B*V, C)`` logits.
        """
        if class_names is None:
            class_names = self.train_names if self.training \
                else self.test_names
        text = self.text_features(class_names, text_prompts)  # (C, D)
        return self.logits(video_feats, text)

    def logits(self, video_feats: Tensor, text_feats: Tensor) -> Tensor:
        """Scaled cosine similarities, ``(B*V, C)``, in fp32 (also under
        autocast, since metrics and losses go through numpy)."""
        video = F.normalize(video_feats.flatten(0, -2), dim=-1)  # (B*V, D)
        text = F.normalize(text_feats, dim=-1)  # (C, D)
        return (self.logit_scale.exp() * video @ text.t()).float()

    def loss(self, feats: Tensor, data_samples: SampleList,
             text_prompts: Sequence[Tensor] = (), **kwargs) -> Dict:
        """Classification (and scenario-guided) losses on training names."""
        names = self.train_names
        self.num_classes = len(names)
        self._check_labels(data_samples, len(names))
        text = self.text_features(names, text_prompts)  # (C, D)
        logits = self.logits(feats, text)  # (B*V, C)
        if feats.dim() == 3 and feats.shape[1] > 1:  # average views
            logits = logits.view(feats.shape[0], feats.shape[1], -1).mean(1)
        losses = self.loss_by_feat(logits, data_samples)
        if self.loss_scenario is not None:
            losses['loss_scenario'] = self.loss_scenario(
                text, self.hand_features(names))
        return losses

    def predict(self, feats: Tensor, data_samples: SampleList,
                text_prompts: Sequence[Tensor] = (), **kwargs) -> SampleList:
        """Set ``pred_score``/``pred_label`` over the test class set."""
        self.num_classes = len(self.test_names)
        logits = self(feats, text_prompts, class_names=self.test_names)
        return self.predict_by_feat(logits, data_samples)

    def _check_labels(self, data_samples: SampleList, num_classes: int):
        labels: List[int] = []
        for sample in data_samples:
            label = sample.gt_label
            if label.numel() == 1:
                labels.append(int(label))
        if labels and (max(labels) >= num_classes or min(labels) < 0):
            raise ValueError(
                f'Label {max(labels)} is out of range for the '
                f'{num_classes} class names from '
                f'{self.train_names_origin}: the annotation file and '
                'cls_head.class_names disagree.')
