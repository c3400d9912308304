"""Version of the mmvlprompt package."""
__version__ = '0.1.0'
