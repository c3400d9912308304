"""GFLOPs of a config's model: per view (vision) and per class set (text).

Counts with MMEngine's maintained counter (:class:`mmengine.analysis.
FlopAnalyzer`, fvcore's jit-trace counter: one multiply-add counts as one
FLOP) on random CLIP weights, plus a handle for fused attention
(``scaled_dot_product_attention``), which the counter does not know::

    python tools/analysis/get_flops.py configs/vlprompt_k400.py \
        [--num-classes 400] [--label-map FILE] [--cfg-options KEY=VALUE ...]

The text rows show the class set with the config's settings and, for
comparison, without the shared prefix and on all 77 positions.
"""
import argparse
import logging
import os.path as osp
import sys
from math import prod

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmvlprompt  # noqa: E402,F401  (compat shims before mmaction)
import torch  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmengine.analysis import FlopAnalyzer  # noqa: E402
from mmvlprompt.engine import add_cfg_options, load_model_config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from torch import nn  # noqa: E402

from mmvlprompt.utils import (generated_class_names,  # noqa: E402
                              load_class_names)


def sdpa_flop_jit(inputs, outputs):
    """MACs of ``scaled_dot_product_attention``: ``q @ k^T`` and
    ``attn @ v``, ``2 * N * h * Lq * Lk * d``."""
    q = inputs[0].type().sizes()  # (..., Lq, d)
    k = inputs[1].type().sizes()  # (..., Lk, d)
    return 2 * prod(q[:-1]) * k[-2] * q[-1]


class _VisionView(nn.Module):
    """One view of ``T`` frames through the neck and the backbone."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, frames):  # (1, T, C, H, W)
        return self.model.backbone(frames, self.model.prompts()['vision'])


class _TextClassSet(nn.Module):
    """Every class name of the set through the neck and the text encoder."""

    def __init__(self, model, names):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, dummy):
        prompts = self.model.prompts()['text']
        return self.model.cls_head.text_features(self.names, prompts) + \
            dummy


def count_gflops(module, inputs):
    """GFLOPs (multiply-adds) of ``module(*inputs)``."""
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.set_op_handle('aten::scaled_dot_product_attention',
                           sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def build(args):
    cfg = load_model_config(args.config, args.cfg_options)
    head = cfg.model.cls_head
    source = args.label_map
    if source is None and isinstance(head.get('class_names'), str) and \
            osp.isfile(head.class_names):
        source = head.class_names
    if source is not None:
        names = load_class_names(source, '--label-map')[0]
        names = names[:args.num_classes] if args.num_classes else names
    else:
        names = generated_class_names(args.num_classes or 400)
    head.class_names = names
    head.pop('test_class_names', None)
    model = MODELS.build(cfg.model).train()
    return model, names


def analyse(model, names):
    """``dict`` of GFLOPs and parameter counts."""
    backbone = model.backbone
    size = tuple(backbone.visual.image_size)
    frames = torch.randn(1, backbone.num_frames, 3, *size)
    result = dict(frames=backbone.num_frames, classes=len(names))
    with torch.no_grad():
        result['vision_gflops_per_view'] = count_gflops(_VisionView(model),
                                                        (frames, ))
        encoder = model.cls_head.text_encoder
        saved = encoder.share_prefix, encoder.truncate
        text = _TextClassSet(model, names)
        for key, share, truncate in (('text_gflops', saved[0], saved[1]),
                                     ('text_gflops_no_sharing', False,
                                      saved[1]),
                                     ('text_gflops_77', False, False)):
            encoder.share_prefix, encoder.truncate = share, truncate
            result[key] = count_gflops(text, (torch.zeros(()), ))
        encoder.share_prefix, encoder.truncate = saved
    params = list(model.parameters())
    result['trainable_params'] = sum(p.numel() for p in params
                                     if p.requires_grad)
    result['total_params'] = sum(p.numel() for p in params)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--num-classes', type=int, default=None,
                        help='use the first N names (default: all names of '
                        'the label map, or 400 generated ones)')
    parser.add_argument('--label-map', default=None)
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    # the jit tracer warns about every data-dependent shape; keep it quiet
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    model, names = build(args)
    r = analyse(model, names)
    encoder = model.cls_head.text_encoder
    print(f'{args.config}: {r["frames"]} frames per view, {r["classes"]} '
          f'classes, share_prefix={encoder.share_prefix}, '
          f'truncate_text={encoder.truncate}')
    print('| part | GFLOPs |')
    print('|---|---:|')
    print(f'| vision, per view ({r["frames"]} frames) | '
          f'{r["vision_gflops_per_view"]:.3f} |')
    print(f'| text, per class set | {r["text_gflops"]:.3f} |')
    print(f'| text, per class set, no prefix sharing | '
          f'{r["text_gflops_no_sharing"]:.3f} |')
    print(f'| text, per class set, 77 positions, no sharing | '
          f'{r["text_gflops_77"]:.3f} |')
    print(f'trainable params: {r["trainable_params"]:,}; total params: '
          f'{r["total_params"]:,}')
    return r


if __name__ == '__main__':
    main()
