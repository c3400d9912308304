from .contrastive_loss import SymmetricContrastiveLoss
from .scenario_loss import ScenarioGuidedLoss

__all__ = ['ScenarioGuidedLoss', 'SymmetricContrastiveLoss']
