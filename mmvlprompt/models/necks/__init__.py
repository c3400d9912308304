from .prompt_learner import VLPromptLearner

__all__ = ['VLPromptLearner']
