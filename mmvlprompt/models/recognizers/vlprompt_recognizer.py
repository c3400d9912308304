"""Recognizer that ties the prompted CLIP encoders together."""
import copy
from typing import Dict, Optional, Sequence

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, OptSampleList, SampleList
from mmengine.model import BaseModel
from torch import Tensor

from ...utils import load_class_names
from ..utils.clip_state import ClipStateMixin


@MODELS.register_module()
class VLPromptRecognizer(ClipStateMixin, BaseRecognizer):
    """Video recognizer with multimodal prompt learning on a frozen CLIP.

    Builds, from config and through the registry, a prompted vision
    ``backbone`` (e.g. :class:`PromptedViT`), a text ``cls_head`` (e.g.
    :class:`PromptedTextHead`) and an optional prompt-learner ``neck`` (e.g.
    :class:`VLPromptLearner`). The shared ``clip`` dict is passed to the
    backbone and the head; the neck gets the encoder widths and depths.

    Args:
        clip (dict): ``dict(arch='ViT-B-16', pretrained='openai')``, the CLIP
            model both encoders take their weights from.
        backbone (dict): Vision encoder config.
        cls_head (dict): Text head config.
        neck (dict, optional): Prompt learner config. None means no prompts
            (zero-shot CLIP, ViFi-CLIP).
        freeze_backbone (bool): Freeze every CLIP weight (backbone and
            text head). False allows full fine-tuning.
        prompt_only_checkpoint (bool, optional): Leave the frozen CLIP out
            of ``state_dict`` (so of every checkpoint) and store its
            fingerprint instead; loading checks the fingerprint and takes
            the CLIP from ``clip.pretrained``
            (:mod:`mmvlprompt.models.utils.clip_state`). None (default)
            follows ``freeze_backbone``; True needs a frozen backbone.
        train_cfg, test_cfg (dict, optional): Kept for MMAction2 parity.
        data_preprocessor (dict, optional): ``ActionDataPreprocessor``
            config.
    """

    def __init__(self,
                 clip: dict,
                 backbone: dict,
                 cls_head: dict,
                 neck: OptConfigType = None,
                 freeze_backbone: bool = True,
                 prompt_only_checkpoint: Optional[bool] = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        data_preprocessor = self._with_blending_classes(data_preprocessor,
                                                        cls_head)
        BaseModel.__init__(self, data_preprocessor=data_preprocessor)
        if not isinstance(clip, dict) or 'arch' not in clip:
            raise ValueError("model.clip must be a dict with at least 'arch' "
                             f'(and optionally pretrained), got {clip!r}.')
        unknown = set(clip) - {'arch', 'pretrained', 'seed'}
        if unknown:
            raise ValueError(f'model.clip: unknown keys {sorted(unknown)}.')
        if not isinstance(freeze_backbone, bool):
            raise ValueError('model.freeze_backbone must be True or False, '
                             f'got {freeze_backbone!r}.')
        if prompt_only_checkpoint is None:
            prompt_only_checkpoint = freeze_backbone
        if not isinstance(prompt_only_checkpoint, bool):
            raise ValueError('model.prompt_only_checkpoint must be None, True '
                             f'or False, got {prompt_only_checkpoint!r}.')
        if prompt_only_checkpoint and not freeze_backbone:
            raise ValueError(
                'model.prompt_only_checkpoint=True needs '
                'model.freeze_backbone=True: with a trained CLIP the '
                'checkpoint must hold its weights.')
        self.backbone_from = 'mmaction2'
        self.backbone = MODELS.build(self._with_clip(backbone, clip))
        self.cls_head = MODELS.build(self._with_clip(cls_head, clip))
        if neck is not None:
            neck = copy.deepcopy(dict(neck))
            neck.update(text_width=self.cls_head.text_width,
                        vision_width=self.backbone.width,
                        text_layers=self.cls_head.text_layers,
                        vision_layers=self.backbone.num_layers)
            self.neck = MODELS.build(neck)
            self.neck.init_text_context(
                self.cls_head.embed_context(self.neck.ctx_init))
            self.cls_head.set_context_words(
                getattr(self.neck, 'context_words', None))
        self.freeze_backbone = freeze_backbone
        if freeze_backbone:
            self.backbone.requires_grad_(False)
            self.cls_head.requires_grad_(False)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self._init_clip_state(prompt_only_checkpoint, clip)

    @staticmethod
    def _with_blending_classes(preprocessor: dict, cls_head: dict) -> dict:
        """Fill ``num_classes`` of the mixup/cutmix batch augments
        (``data_preprocessor.blending``, training only) with the size of the
        training class set, and refuse a stated count that differs."""
        blending = preprocessor.get('blending')
        if not blending:
            return preprocessor
        preprocessor = copy.deepcopy(dict(preprocessor))
        blending = preprocessor['blending'] = copy.deepcopy(dict(blending))
        names, origin = load_class_names(cls_head.get('class_names'),
                                         'model.cls_head.class_names')
        augments = blending.get('augments')
        if augments is None:
            augments = [blending]
        else:
            augments = blending['augments'] = [
                dict(a) for a in (augments if isinstance(augments, (
                    list, tuple)) else [augments])]
        for i, aug in enumerate(augments):
            stated = aug.setdefault('num_classes', len(names))
            if stated != len(names):
                where = 'data_preprocessor.blending' + (
                    f'.augments.{i}' if 'augments' in blending else '')
                raise ValueError(
                    f'model.{where}.num_classes={stated} but {origin} has '
                    f'{len(names)} training classes; leave num_classes out '
                    'to take it from cls_head.class_names.')
        return preprocessor

    @staticmethod
    def _with_clip(cfg: dict, clip: dict) -> dict:
        cfg = copy.deepcopy(dict(cfg))
        cfg.setdefault('clip', dict(clip))
        return cfg

    def prompts(self) -> Dict[str, Sequence[Tensor]]:
        """Per-layer prompts of both branches (empty without a neck)."""
        if self.with_neck:
            return self.neck()
        return dict(text=[], vision=[])

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'head',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> tuple:
        """Video features and the text prompts for the head.

        Returns:
            tuple: ``(B, V, D)`` video features, and
            ``dict(text_prompts=...)`` for the head.
        """
        prompts = self.prompts()
        feats = self.backbone(inputs, prompts['vision'])  # (B, V, D)
        return feats, dict(text_prompts=prompts['text'])

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> dict:
        feats, head_kwargs = self.extract_feat(inputs, data_samples=data_samples)
        return self.cls_head.loss(feats, data_samples, **head_kwargs)

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        feats, head_kwargs = self.extract_feat(inputs, test_mode=True)
        return self.cls_head.predict(feats, data_samples, **head_kwargs)

    def _forward(self, inputs: Tensor, stage: str = 'backbone',
                 **kwargs) -> Tensor:
        """``stage='backbone'``: ``(B, V, D)`` features; ``'head'``:
        ``(B*V, C)`` logits over the current class set."""
        feats, head_kwargs = self.extract_feat(inputs, stage=stage)
        if stage == 'backbone':
            return feats
        return self.cls_head(feats, **head_kwargs)
