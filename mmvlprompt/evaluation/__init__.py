"""Evaluation loops, metrics and protocol statistics, registered into
mmaction."""
from .multi_set_loop import MultiSetTestLoop, MultiSetValLoop
from .protocol_stats import harmonic_mean, mean_std
from .retrieval_metric import VideoTextRetrievalMetric
from .retrieval_ranks import rank_metrics, retrieval_ranks

__all__ = ['MultiSetValLoop', 'MultiSetTestLoop', 'harmonic_mean',
           'mean_std', 'VideoTextRetrievalMetric', 'rank_metrics',
           'retrieval_ranks']
