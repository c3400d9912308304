from .vlprompt_recognizer import VLPromptRecognizer

__all__ = ['VLPromptRecognizer']
