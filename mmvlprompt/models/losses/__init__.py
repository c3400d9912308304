from .scenario_loss import ScenarioGuidedLoss

__all__ = ['ScenarioGuidedLoss']
