"""share_prefix=True through the public text encoder: text blocks it
cannot run exactly are refused with a way out, and on edge cases (one
class, names of one length) it gives exactly the plain encoder's
features."""
import pytest
import torch
from torch import nn

from conftest import TINY_ARCH
from mmvlprompt.models.heads import PromptedTextEncoder
from mmvlprompt.models.heads.prompted_text_encoder import placeholder_texts
from mmvlprompt.models.utils import build_clip

TOL = 1e-5


def _unusual(block, change):
    """Change one text block the way another CLIP implementation might."""
    width = block.ln_1.normalized_shape[0]
    if change == 'no attention':
        del block.attn
    elif change == 'attention of another kind':
        block.attn = nn.Linear(width, width)
    elif change == 'separate q/k/v projections':
        block.attn = nn.MultiheadAttention(width, 2, kdim=width // 2,
                                           vdim=width // 2, batch_first=True)
    elif change == 'sequence-first attention':
        block.attn.batch_first = False
    elif change == 'cross-attention':
        block.ln_1_kv = nn.LayerNorm(width)
    elif change in ('ln_1', 'ln_2', 'mlp'):
        delattr(block, change)


@pytest.mark.parametrize('change', [
    'no attention', 'attention of another kind', 'separate q/k/v projections',
    'sequence-first attention', 'cross-attention', 'ln_1', 'ln_2', 'mlp'])
def test_blocks_it_cannot_run_are_refused(change):
    clip = build_clip(TINY_ARCH, seed=0)
    block = clip.transformer.resblocks[-1]
    _unusual(block, change)
    with pytest.raises(TypeError) as info:
        PromptedTextEncoder(clip, TINY_ARCH, share_prefix=True)
    assert str(info.value) == (
        f'cls_head.share_prefix: block {type(block).__name__} is not a '
        'standard open_clip ResidualAttentionBlock; set share_prefix=False.')


def test_standard_blocks_are_accepted():
    clip = build_clip(TINY_ARCH, seed=0)
    PromptedTextEncoder(clip, TINY_ARCH, share_prefix=True)


@pytest.fixture(scope='module')
def encoders():
    clip = build_clip(TINY_ARCH, seed=1)
    # trained weights have non-zero biases everywhere (a fresh CLIP's
    # attention biases are zero)
    torch.manual_seed(5)
    with torch.no_grad():
        for name, param in clip.transformer.named_parameters():
            if name.endswith('bias'):
                param.add_(torch.randn_like(param) * 0.1)
    return (PromptedTextEncoder(clip, TINY_ARCH, share_prefix=True),
            PromptedTextEncoder(clip, TINY_ARCH, share_prefix=False))


@pytest.mark.parametrize('names', [
    ['juggling'],                                   # one class
    ['juggling', 'swimming', 'surfing'],            # one length
    ['juggling', 'juggling balls'],                 # one is a prefix
])
@pytest.mark.parametrize('depth, template', [
    (0, 'a video of {}.'), (2, 'a video of {}.'),
    (0, '{}')])  # texts that differ right after [SOS]
def test_edge_cases_equal_the_plain_encoder(encoders, names, depth,
                                            template):
    shared, plain = encoders
    torch.manual_seed(depth)
    n = 3
    prompts = [torch.randn(n, shared.width) * 0.5 for _ in range(depth)]
    texts = placeholder_texts(names, n, template) if depth else \
        [template.format(name) for name in names]
    tokens = shared.tokenize(texts)
    with torch.no_grad():
        diff = (shared(tokens, prompts) - plain(tokens, prompts)).abs()
    assert diff.max().item() < TOL
