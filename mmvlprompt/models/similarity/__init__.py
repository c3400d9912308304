from .vlprompt_similarity import VLPromptSimilarity

__all__ = ['VLPromptSimilarity']
