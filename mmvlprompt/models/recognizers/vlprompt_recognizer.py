"""Recognizer that ties the prompted CLIP encoders together."""
import copy
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Sequence

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, OptSampleList, SampleList
from mmengine.model import BaseModel
from torch import Tensor

from ...utils import load_class_names
from ..utils import build_prompted_towers, check_clip_options
from ..utils.clip_state import ClipStateMixin
from ..utils.video_feature_cache import VideoFeatureCache


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
            ``quick_gelu`` (None: follow the weights) and ``seed`` are
            optional (see :func:`mmvlprompt.models.utils.build_clip`).
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
            config. Its ``blending`` batch augments (mixup / cutmix, e.g.
            ``RandomBatchAugment``) get ``num_classes`` from
            ``cls_head.class_names``; the head trains on the soft labels.
        frozen_dtype (str, optional): ``'bfloat16'`` or ``'float16'``
            holds the frozen CLIP weights in that dtype, cast once at build
            time, and runs the model under autocast in it
            (:mod:`mmvlprompt.models.utils.frozen_dtype`); ``tools/train.py
            --amp`` sets it. None or ``'float32'`` keeps them as loaded.
            Needs a frozen backbone and prompt-only checkpoints.
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
                 data_preprocessor: OptConfigType = None,
                 frozen_dtype: Optional[str] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        data_preprocessor = self._with_blending_classes(data_preprocessor,
                                                        cls_head)
        BaseModel.__init__(self, data_preprocessor=data_preprocessor)
        prompt_only_checkpoint = check_clip_options(
            clip, freeze_backbone, prompt_only_checkpoint)
        self.backbone_from = 'mmaction2'
        build_prompted_towers(self, clip, backbone, cls_head, neck,
                              freeze_backbone)
        self.freeze_backbone = freeze_backbone
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self._init_clip_state(prompt_only_checkpoint, clip, frozen_dtype)
        self._video_cache: Optional[VideoFeatureCache] = None

    @contextmanager
    def shared_video_features(self) -> Iterator[VideoFeatureCache]:
        """Within the block, test-mode features are computed once per video
        file (``filename`` metainfo) and reused by later batches and test
        sets: for several class sets scored on the same videos
        (``MultiSetTestLoop(share_video_features=True)``). Only for fixed
        weights; the cache is dropped on exit."""
        self._video_cache = VideoFeatureCache()
        try:
            yield self._video_cache
        finally:
            self._video_cache = None

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
        if test_mode and self._video_cache is not None:
            feats = self._video_cache.features(
                inputs, data_samples,
                lambda clips: self.backbone(clips, prompts['vision']))
        else:
            feats = self.backbone(inputs, prompts['vision'])  # (B, V, D)
        return feats, dict(text_prompts=prompts['text'])

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> dict:
        with self.compute_context():
            feats, head_kwargs = self.extract_feat(inputs,
                                                   data_samples=data_samples)
            return self.cls_head.loss(feats, data_samples, **head_kwargs)

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        with self.compute_context():
            feats, head_kwargs = self.extract_feat(
                inputs, data_samples=data_samples, test_mode=True)
            return self.cls_head.predict(feats, data_samples, **head_kwargs)

    def _forward(self, inputs: Tensor, stage: str = 'backbone',
                 **kwargs) -> Tensor:
        """``stage='backbone'``: ``(B, V, D)`` features; ``'head'``:
        ``(B*V, C)`` logits over the current class set."""
        with self.compute_context():
            feats, head_kwargs = self.extract_feat(inputs, stage=stage)
            if stage == 'backbone':
                return feats
            return self.cls_head(feats, **head_kwargs)
