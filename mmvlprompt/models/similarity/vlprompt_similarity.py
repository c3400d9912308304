"""Video-text similarity model on the prompted CLIP encoders."""
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmaction.utils import ForwardResults, OptConfigType, OptSampleList
from mmengine.model import BaseModel
from torch import Tensor

from ..utils import build_prompted_towers, check_clip_options
from ..utils.clip_state import ClipStateMixin


def _captions(sample) -> List[str]:
    """The caption(s) of a data sample: metainfo ``text``, a str (a pair)
    or a list of str (every caption of a video)."""
    text = sample.metainfo.get('text')
    if isinstance(text, str):
        return [text]
    if not isinstance(text, (list, tuple)) or not text or not all(
            isinstance(t, str) for t in text):
        raise ValueError(
            'VLPromptSimilarity: each data sample needs metainfo "text", a '
            f'caption or a non-empty list of captions, got {text!r}; add '
            "'text' to PackActionInputs.meta_keys.")
    return list(text)


@MODELS.register_module()
class VLPromptSimilarity(ClipStateMixin, BaseModel):
    """Video-text retrieval with multimodal prompts on a frozen CLIP.

    The counterpart of MMAction2's ``CLIPSimilarity`` built from the same
    roles as :class:`VLPromptRecognizer`, through the registry: a prompted
    vision ``backbone`` (e.g. ``PromptedViT``), a prompt-learner ``neck``
    (e.g. ``VLPromptLearner``) and a caption text head ``cls_head`` (e.g.
    ``PromptedCaptionHead``, which owns the contrastive and scenario
    losses). A caption takes the place of the class name: the learned text
    context goes before each caption.

    Modes (MMAction2 1.2.0 contracts):

    * ``loss``: a batch of (video, caption) pairs, captions in the data
      samples' metainfo ``text`` and the video identity in ``video_id``;
      returns ``loss_contrastive`` and ``loss_scenario``.
    * ``predict``: sets the data fields ``video_feature`` ``(D,)`` and
      ``text_feature`` ``(K, D)`` on each data sample, the video embedded
      once and each of its ``K`` captions once (metainfo ``text`` a str or
      a list); ``VideoTextRetrievalMetric`` ranks them.
    * ``tensor``: ``(B, D)`` video features.

    The arguments ``clip``, ``backbone``, ``neck``, ``freeze_backbone``,
    ``prompt_only_checkpoint``, ``data_preprocessor`` and ``frozen_dtype``
    are those of :class:`VLPromptRecognizer` (``neck=None`` is zero-shot
    CLIP; ``frozen_dtype`` holds the frozen CLIP in bf16/fp16 and computes
    under autocast in it, which ``tools/train.py --amp`` sets).

    Args:
        cls_head (dict): Caption head config.
    """

    def __init__(self,
                 clip: dict,
                 backbone: dict,
                 cls_head: dict,
                 neck: OptConfigType = None,
                 freeze_backbone: bool = True,
                 prompt_only_checkpoint: Optional[bool] = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None,
                 frozen_dtype: Optional[str] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        prompt_only_checkpoint = check_clip_options(
            clip, freeze_backbone, prompt_only_checkpoint)
        self.neck = None
        build_prompted_towers(self, clip, backbone, cls_head, neck,
                              freeze_backbone)
        self.freeze_backbone = freeze_backbone
        self._init_clip_state(prompt_only_checkpoint, clip, frozen_dtype)

    def prompts(self) -> Dict[str, Sequence[Tensor]]:
        """Per-layer prompts of both branches (empty without a neck)."""
        if self.neck is not None:
            return self.neck()
        return dict(text=[], vision=[])

    def encode_video(self, inputs: Tensor,
                     prompts: Sequence[Tensor] = ()) -> Tensor:
        """``(B, T, C, H, W)`` clips to ``(B, D)`` features (views
        averaged), unnormalised."""
        return self.backbone(inputs, prompts).mean(dim=1)  # (B, D)

    def forward(self, inputs: Tensor, data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        with self.compute_context():
            return self._forward_mode(inputs, data_samples, mode)

    def _forward_mode(self, inputs: Tensor, data_samples: OptSampleList,
                      mode: str) -> ForwardResults:
        prompts = self.prompts()
        video = self.encode_video(inputs, prompts['vision'])  # (B, D)
        if mode == 'tensor':
            return video.float()
        if mode == 'loss':
            captions = []
            for sample in data_samples:
                texts = _captions(sample)
                if len(texts) != 1:
                    raise ValueError(
                        'VLPromptSimilarity: training needs one caption per '
                        f'sample, got {len(texts)}; use '
                        'VideoCaptionDataset(group_captions=False).')
                captions.extend(texts)
            ids = [sample.metainfo.get('video_id') for sample in data_samples]
            video_ids = None if None in ids else torch.as_tensor(
                ids, device=video.device)
            return self.cls_head.loss(video, captions, video_ids,
                                      prompts['text'])
        if mode == 'predict':
            per_sample = [_captions(s) for s in data_samples]
            text = self.cls_head.caption_features(
                [c for texts in per_sample for c in texts],
                prompts['text'])  # (sum K, D)
            counts = [len(texts) for texts in per_sample]
            for sample, v, t in zip(data_samples, video, text.split(counts)):
                # fp32 features whatever the compute dtype
                sample.set_data(dict(video_feature=v.float(),  # (D,)
                                     text_feature=t.float()))  # (K, D)
            return data_samples
        raise RuntimeError(f'Invalid mode "{mode}": expected "loss", '
                           '"predict" or "tensor".')
