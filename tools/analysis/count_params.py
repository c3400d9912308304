"""Print trainable and frozen parameter counts of a config's model.

Builds the model with random CLIP weights (nothing is downloaded) and prints
one row per top-level module and per neck part::

    python tools/analysis/count_params.py configs/vlprompt_k400.py
"""
import argparse
import os.path as osp
import sys
from collections import defaultdict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmvlprompt  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmvlprompt.engine import add_cfg_options, load_model_config  # noqa: E402


def count_parameters(model):
    """``{group: [trainable, frozen]}`` with neck parts listed separately."""
    counts = defaultdict(lambda: [0, 0])
    for name, param in model.named_parameters():
        parts = name.split('.')
        group = '.'.join(parts[:2]) if parts[0] == 'neck' else parts[0]
        counts[group][0 if param.requires_grad else 1] += param.numel()
    return dict(counts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    cfg = load_model_config(args.config, args.cfg_options)
    model = MODELS.build(cfg.model)
    counts = count_parameters(model)
    print('| module | trainable | frozen |')
    print('|---|---:|---:|')
    for group, (trainable, frozen) in sorted(counts.items()):
        print(f'| {group} | {trainable:,} | {frozen:,} |')
    total = [sum(c[i] for c in counts.values()) for i in (0, 1)]
    print(f'| **total** | **{total[0]:,}** | **{total[1]:,}** |')
    return counts


if __name__ == '__main__':
    main()
