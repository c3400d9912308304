"""Scenario-guided loss (DESIGN 1.5)."""
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

DISTANCES = ('l1', 'cosine', 'mse')


@MODELS.register_module()
class ScenarioGuidedLoss(nn.Module):
    """Keep learned class text features close to the hand-crafted ones.

    ``loss = loss_weight * distance(norm(t_c), norm(t_c^hand))``, averaged
    over the classes of the current class set. ``t_c^hand`` are the frozen
    features of ``a video of a person doing {class}.``.

    * ``'l1'``: mean absolute difference over classes and feature dims.
    * ``'mse'``: mean squared difference over classes and feature dims.
    * ``'cosine'``: mean of ``1 - cos`` over classes.

    Args:
        distance (str): One of ``'l1'`` (default), ``'cosine'``, ``'mse'``.
        loss_weight (float): Weight, 25 by default.
    """

    def __init__(self, distance: str = 'l1', loss_weight: float = 25.0):
        super().__init__()
        if distance not in DISTANCES:
            raise ValueError(f'loss_scenario.distance={distance!r}: expected '
                             f'one of {DISTANCES}.')
        if not loss_weight >= 0:
            raise ValueError(f'loss_scenario.loss_weight={loss_weight}: '
                             'expected a non-negative number.')
        self.distance = distance
        self.loss_weight = float(loss_weight)

    def forward(self, text_feats: Tensor, hand_feats: Tensor) -> Tensor:
        """Args: ``(C, D)`` learned and ``(C, D)`` hand-crafted features."""
        if text_feats.shape != hand_feats.shape:
            raise ValueError(f'ScenarioGuidedLoss: shapes differ, '
                             f'{tuple(text_feats.shape)} vs '
                             f'{tuple(hand_feats.shape)}.')
        # in fp32 also under autocast (bf16/fp16 text features)
        learned = F.normalize(text_feats.float(), dim=-1)
        hand = F.normalize(hand_feats.float(), dim=-1).detach()
        if self.distance == 'l1':
            dist = F.l1_loss(learned, hand)
        elif self.distance == 'mse':
            dist = F.mse_loss(learned, hand)
        else:
            dist = (1 - (learned * hand).sum(-1)).mean()
        return self.loss_weight * dist

    def extra_repr(self) -> str:
        return f'distance={self.distance!r}, loss_weight={self.loss_weight}'
