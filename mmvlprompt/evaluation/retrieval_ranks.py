"""Ranks of the ground truth in video-text retrieval, computed in chunks.

The similarity of every text with every video is ``S = text @ video.T``
(cosine, both sides L2-normalised). It is never held whole: rows are
computed ``chunk_size`` at a time, so 10k x 10k needs
``chunk_size x 10k`` floats at once instead of 10^8.

Ranks are 0-based. Ties are broken by index, as a stable sort would: a
candidate with the same score as the ground truth ranks before it when its
index is lower. A model that gives every pair the same score therefore
scores at chance (``R@K = K / N``), not at 100 %.
"""
from collections import OrderedDict
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

METRICS = ('R1', 'R5', 'R10', 'MdR', 'MnR')


def _rank_of(sim: Tensor, gt_score: Tensor, gt_index: Tensor) -> Tensor:
    """0-based rank of ``gt_index`` in each row of ``sim`` ``(c, N)``."""
    index = torch.arange(sim.shape[1], device=sim.device)  # (N,)
    higher = (sim > gt_score[:, None]).sum(1)
    tied_before = ((sim == gt_score[:, None]) &
                   (index[None] < gt_index[:, None])).sum(1)
    return higher + tied_before  # (c,)


def retrieval_ranks(video: Tensor, text: Tensor, text_to_video: Tensor,
                    chunk_size: int = 1024) -> Tuple[Tensor, Tensor]:
    """Ranks of the ground truth, text-to-video and video-to-text.

    Args:
        video: ``(N_v, D)`` video embeddings.
        text: ``(N_t, D)`` text embeddings.
        text_to_video: ``(N_t,)`` index of each text's video; every video
            needs at least one text.
        chunk_size: Rows of the similarity matrix computed at a time.

    Returns:
        tuple: ``(N_t,)`` t2v ranks (of the text's video among all videos)
        and ``(N_v,)`` v2t ranks (of the video's best-ranked caption among
        all texts).
    """
    num_videos = video.shape[0]
    text_to_video = torch.as_tensor(text_to_video, dtype=torch.long,
                                    device=video.device)
    if text_to_video.shape != (text.shape[0], ):
        raise ValueError('text_to_video has shape '
                         f'{tuple(text_to_video.shape)}, expected '
                         f'({text.shape[0]},), one per text.')
    if text.shape[0] and (int(text_to_video.min()) < 0 or
                          int(text_to_video.max()) >= num_videos):
        raise ValueError(f'text_to_video indexes outside the {num_videos} '
                         'videos.')
    captioned = torch.bincount(text_to_video, minlength=num_videos)
    if bool((captioned == 0).any()):
        first = int((captioned == 0).nonzero()[0])
        raise ValueError(f'video {first} has no caption: every video needs '
                         'at least one text.')
    video = F.normalize(video.float(), dim=-1)
    text = F.normalize(text.float(), dim=-1)
    t2v = torch.empty(text.shape[0], dtype=torch.long)
    for start in range(0, text.shape[0], chunk_size):
        sim = text[start:start + chunk_size] @ video.t()  # (c, N_v)
        gt = text_to_video[start:start + chunk_size]  # (c,)
        score = sim.gather(1, gt[:, None])[:, 0]
        t2v[start:start + chunk_size] = _rank_of(sim, score, gt).cpu()
    v2t = torch.empty(num_videos, dtype=torch.long)
    index = torch.arange(text.shape[0], device=text.device)
    for start in range(0, num_videos, chunk_size):
        sim = video[start:start + chunk_size] @ text.t()  # (c, N_t)
        rows = torch.arange(start, start + sim.shape[0], device=sim.device)
        own = text_to_video[None] == rows[:, None]  # (c, N_t)
        best = sim.masked_fill(~own, float('-inf')).max(1).values  # (c,)
        # the first (lowest-index) own caption with the best score
        first = torch.where(own & (sim == best[:, None]), index[None],
                            text.shape[0]).min(1).values
        v2t[start:start + chunk_size] = _rank_of(sim, best, first).cpu()
    return t2v, v2t


def rank_metrics(ranks: Tensor,
                 metric_list: Sequence[str] = METRICS) -> Dict[str, float]:
    """R@1/5/10 (percent), median and mean rank (1-based) of 0-based
    ``ranks``, named as in MMAction2's ``RetrievalMetric``."""
    ranks = torch.as_tensor(ranks).double()
    out = OrderedDict()
    for name in metric_list:
        if name not in METRICS:
            raise ValueError(f'unknown retrieval metric {name!r}; expected '
                             f'one of {METRICS}.')
        if name.startswith('R') and name[1:].isdigit():
            out[name] = float((ranks < int(name[1:])).double().mean() * 100)
        elif name == 'MdR':  # numpy's median: mean of the two middle ranks
            out[name] = float(ranks.quantile(0.5)) + 1
        else:
            out[name] = float(ranks.mean()) + 1
    return out
