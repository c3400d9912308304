"""Video features kept across the test sets of one evaluation run.

Several test sets often hold the same videos: world v2's three zero-shot
subsets are 3 x 1,000 of world B's 1,250 test videos, scored against three
class lists. A video's feature does not depend on the class list (the
prompts are class-agnostic), so within one run it needs computing once.
"""
from typing import Callable, Dict, Hashable, List, Sequence

import torch
from torch import Tensor


class VideoFeatureCache:
    """Per-video features, keyed by the sample's ``filename`` metainfo.

    Only for evaluation with fixed weights and a deterministic test pipeline
    (the same frames of a file in every set): the owner opens it for one
    run (:meth:`VLPromptRecognizer.shared_video_features`) and drops it
    after.
    """

    def __init__(self) -> None:
        self._features: Dict[Hashable, Tensor] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._features)

    @staticmethod
    def keys(data_samples: Sequence) -> List[Hashable]:
        keys = []
        for sample in data_samples:
            name = sample.metainfo.get('filename')
            if name is None:
                raise KeyError(
                    'shared video features need each sample\'s "filename" '
                    'metainfo: add meta_keys=(\'filename\', ...) to the test '
                    "pipeline's PackActionInputs, or set the loop's "
                    'share_video_features=False.')
            keys.append(name)
        return keys

    def features(self, inputs: Tensor, data_samples: Sequence,
                 compute: Callable[[Tensor], Tensor]) -> Tensor:
        """``(B, V, D)`` features of the batch; ``compute`` runs on the
        clips of the videos not seen before only."""
        keys = self.keys(data_samples)
        missing = [i for i, key in enumerate(keys) if key not in
                   self._features]
        if missing:
            index = torch.tensor(missing, device=inputs.device)
            fresh = compute(inputs.index_select(0, index))  # (M, V, D)
            for i, feat in zip(missing, fresh):
                self._features[keys[i]] = feat
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        return torch.stack([self._features[key] for key in keys])
