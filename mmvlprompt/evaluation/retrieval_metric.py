"""Video-text retrieval metric: t2v and v2t R@K, MdR, MnR."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from .retrieval_ranks import METRICS as RETRIEVAL_METRICS
from .retrieval_ranks import rank_metrics, retrieval_ranks

DIRECTIONS = ('t2v', 'v2t')


@METRICS.register_module()
class VideoTextRetrievalMetric(BaseMetric):
    """Retrieval metric over videos that have one or more captions.

    MMAction2's ``RetrievalMetric`` takes one caption per video, ranks text
    to video only and builds the whole similarity matrix. This metric reads
    the predictions' ``video_feature`` ``(D,)`` and ``text_feature``, either
    ``(D,)`` or ``(K, D)`` (every caption of the video, each embedded once
    by the model; also from MMAction2's ``features`` field), and ranks in
    both directions in chunks
    (:func:`~mmvlprompt.evaluation.retrieval_ranks.retrieval_ranks`):

    * ``t2v``: every caption ranks all videos; its own video is the target;
    * ``v2t``: every video ranks all captions; its best-ranked own caption
      is the target (the usual multi-caption protocol).

    Under DDP each rank keeps the embeddings of its share of the videos;
    ``BaseMetric`` gathers them once, and rank 0 ranks them. Keys are
    ``{direction}_{metric}`` (e.g. ``retrieval/t2v_R1``), recalls in percent,
    ranks 1-based.

    Args:
        metric_list (str | tuple[str]): Subset of ``('R1', 'R5', 'R10',
            'MdR', 'MnR')``.
        directions (tuple[str]): Subset of ``('t2v', 'v2t')``.
        chunk_size (int): Similarity rows computed at a time.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Metric name prefix, default ``retrieval``.
    """

    default_prefix = 'retrieval'

    def __init__(self,
                 metric_list: Union[str, Tuple[str, ...]] = RETRIEVAL_METRICS,
                 directions: Sequence[str] = DIRECTIONS,
                 chunk_size: int = 1024,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(metric_list, str):
            metric_list = (metric_list, )
        for name in metric_list:
            if name not in RETRIEVAL_METRICS:
                raise ValueError(f'VideoTextRetrievalMetric.metric_list: '
                                 f'unknown {name!r}; expected a subset of '
                                 f'{RETRIEVAL_METRICS}.')
        for name in directions:
            if name not in DIRECTIONS:
                raise ValueError(f'VideoTextRetrievalMetric.directions: '
                                 f'unknown {name!r}; expected a subset of '
                                 f'{DIRECTIONS}.')
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError('VideoTextRetrievalMetric.chunk_size='
                             f'{chunk_size!r}: expected an int >= 1.')
        self.metric_list = tuple(metric_list)
        self.directions = tuple(directions)
        self.chunk_size = chunk_size

    def process(self, data_batch: Optional[Dict],
                data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            # VLPromptSimilarity's fields, or MMAction2's CLIPSimilarity's
            # ``features`` (one caption per video)
            features = sample.get('features', sample)
            if 'video_feature' not in features or \
                    'text_feature' not in features:
                raise ValueError(
                    'VideoTextRetrievalMetric: predictions need the fields '
                    'video_feature and text_feature (or features with '
                    'them); use a retrieval model such as '
                    'VLPromptSimilarity.')
            text = features['text_feature'].detach().float().cpu()
            self.results.append(dict(
                video=features['video_feature'].detach().float().cpu(),
                text=text.reshape(-1, text.shape[-1])))  # (K, D)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        video = torch.stack([r['video'] for r in results])  # (N_v, D)
        text = torch.cat([r['text'] for r in results])  # (N_t, D)
        text_to_video = torch.repeat_interleave(
            torch.tensor([len(r['text']) for r in results]))
        ranks = dict(zip(DIRECTIONS, retrieval_ranks(
            video, text, text_to_video, self.chunk_size)))
        out = OrderedDict()
        for direction in self.directions:
            for name, value in rank_metrics(ranks[direction],
                                            self.metric_list).items():
                out[f'{direction}_{name}'] = value
        return out
