from .caption_head import PromptedCaptionHead
from .prompted_text_encoder import PromptedTextEncoder
from .text_head import PromptedTextHead

__all__ = ['PromptedCaptionHead', 'PromptedTextEncoder', 'PromptedTextHead']
