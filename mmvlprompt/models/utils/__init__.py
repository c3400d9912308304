"""Helpers shared by the model roles."""
from .clip_loader import add_clip_config, build_clip, register_clip_configs
from .clip_weights import (ClipWeightsUnavailable, choose_quick_gelu,
                           resolve_tag_file)
from .prompted_towers import build_prompted_towers, check_clip_options
from .prompt_blocks import forward_prompted_blocks, run_layer, splice_tokens
from .shared_prefix import (block_forward, check_sdpa_block,
                            forward_shared_prefix_blocks, group_lengths,
                            shared_prefix_length)

__all__ = [
    'add_clip_config', 'build_clip', 'register_clip_configs',
    'ClipWeightsUnavailable', 'choose_quick_gelu', 'resolve_tag_file',
    'forward_prompted_blocks', 'run_layer', 'splice_tokens', 'block_forward',
    'check_sdpa_block', 'forward_shared_prefix_blocks', 'group_lengths',
    'shared_prefix_length', 'build_prompted_towers', 'check_clip_options'
]
