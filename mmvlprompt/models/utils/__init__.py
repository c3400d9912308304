"""Helpers shared by the model roles."""
from .clip_loader import add_clip_config, build_clip, register_clip_configs
from .clip_weights import (ClipWeightsUnavailable, choose_quick_gelu,
                           resolve_tag_file)
from .prompted_towers import build_prompted_towers, check_clip_options
from .frozen_dtype import (compute_autocast, hold_frozen_weights,
                           parse_frozen_dtype)
from .prompt_blocks import (cast_prompts, check_sdpa_block,
                            forward_prompted_blocks, is_plain_block,
                            lean_block_forward, run_layer, self_attention,
                            splice_tokens)
from .shared_prefix import (PackedLayout, forward_shared_prefix_blocks,
                            packed_layout, shared_prefix_length)

__all__ = [
    'add_clip_config', 'build_clip', 'register_clip_configs',
    'ClipWeightsUnavailable', 'choose_quick_gelu', 'resolve_tag_file',
    'compute_autocast', 'hold_frozen_weights', 'parse_frozen_dtype',
    'cast_prompts', 'forward_prompted_blocks', 'is_plain_block',
    'lean_block_forward', 'run_layer', 'self_attention', 'splice_tokens',
    'PackedLayout',
    'check_sdpa_block', 'forward_shared_prefix_blocks', 'packed_layout',
    'shared_prefix_length', 'build_prompted_towers', 'check_clip_options'
]
