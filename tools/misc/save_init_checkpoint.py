"""Save a model exactly as its config builds it, as an MMEngine checkpoint.

Use it to evaluate a model without training, e.g. zero-shot CLIP, with the
usual ``tools/test.py CONFIG CHECKPOINT``::

    python tools/misc/save_init_checkpoint.py \
        configs/demo/zeroshot-clip_synthetic_world.py work_dirs/zs/init.pth
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import mmvlprompt  # noqa: E402,F401  (registers modules, compat shims)
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, as in tools/train.py')
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config file {args.config!r} does not exist.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(dict(meta=dict(config=args.config),
                    state_dict=model.state_dict()), args.out)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f'saved {args.out} ({trainable:,} trainable parameters)')


if __name__ == '__main__':
    main()
