from .prompted_text_encoder import PromptedTextEncoder
from .text_head import PromptedTextHead

__all__ = ['PromptedTextEncoder', 'PromptedTextHead']
