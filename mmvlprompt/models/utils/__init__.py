"""Helpers shared by the model roles."""
from .clip_loader import add_clip_config, build_clip, register_clip_configs
from .prompt_blocks import forward_prompted_blocks, splice_tokens

__all__ = [
    'add_clip_config', 'build_clip', 'register_clip_configs',
    'forward_prompted_blocks', 'splice_tokens'
]
