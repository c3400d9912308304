"""Symmetric video-text contrastive loss (CLIP's InfoNCE, both ways)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.dist import all_gather, get_rank, get_world_size
from torch import Tensor, nn


def gather_with_local_grad(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """Concatenate each tensor over the ranks; this rank's slice keeps its
    gradient (the others' arrive without one, as in open_clip)."""
    if get_world_size() == 1:
        return tensors
    rank, out = get_rank(), []
    for tensor in tensors:
        parts = all_gather(tensor.detach().contiguous())
        parts[rank] = tensor
        out.append(torch.cat(parts))
    return tuple(out)


@MODELS.register_module()
class SymmetricContrastiveLoss(nn.Module):
    """``(CE(video->text) + CE(text->video)) / 2`` over a batch of pairs.

    ``logits = logit_scale * cos(video_i, text_j)``; the i-th text is the
    positive of the i-th video. Pairs that share a video (two captions of
    one video in a batch) are positives of each other: the target of a row
    is uniform over its positives instead of one-hot, so that a caption of
    the same video is not pushed away.

    Args:
        loss_weight (float): Weight of the loss.
        gather (bool): Under DDP, contrast against the pairs of every rank
            (all-gathered). Each rank's loss is then the whole batch's, and
            its gradient flows through this rank's features only, so DDP's
            average gives ``1 / world_size`` of the single-process gradient
            (as open_clip; AdamW is insensitive to the scale).
    """

    def __init__(self, loss_weight: float = 1.0, gather: bool = True):
        super().__init__()
        if not loss_weight >= 0:
            raise ValueError(f'loss_contrastive.loss_weight={loss_weight}: '
                             'expected a non-negative number.')
        if not isinstance(gather, bool):
            raise ValueError(f'loss_contrastive.gather={gather!r}: expected '
                             'True or False.')
        self.loss_weight = float(loss_weight)
        self.gather = gather

    def forward(self, video: Tensor, text: Tensor, logit_scale: Tensor,
                video_ids: Optional[Tensor] = None) -> Tensor:
        """Args: ``(B, D)`` video and ``(B, D)`` text features, the scale
        (already exponentiated) and optional ``(B,)`` video ids."""
        if video.shape != text.shape:
            raise ValueError('SymmetricContrastiveLoss: video and text '
                             f'features differ, {tuple(video.shape)} vs '
                             f'{tuple(text.shape)}.')
        if video_ids is None:
            video_ids = torch.arange(len(video), device=video.device)
            if self.gather and get_world_size() > 1:  # unique over ranks
                video_ids = video_ids + get_rank() * 2**31
        video = F.normalize(video.float(), dim=-1)
        text = F.normalize(text.float(), dim=-1)
        if self.gather:
            video, text, video_ids = gather_with_local_grad(
                video, text, video_ids.to(video.device))
        logits = logit_scale.float() * video @ text.t()  # (N, N)
        same = (video_ids[:, None] == video_ids[None, :]).float()  # (N, N)
        target = same / same.sum(1, keepdim=True)
        loss = (F.cross_entropy(logits, target) +
                F.cross_entropy(logits.t(), target)) / 2
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}, gather={self.gather}'
