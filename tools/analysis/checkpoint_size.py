"""Print checkpoint sizes with and without the frozen CLIP.

Builds the model once with random CLIP weights (nothing is downloaded), gives
the config's optimizer one step with zero gradients so that its state
exists, and saves an MMEngine-style checkpoint (``meta``, ``state_dict``,
``optimizer``) twice: full (``prompt_only_checkpoint=False``) and
prompt-only::

    python tools/analysis/checkpoint_size.py configs/vlprompt_k400.py \\
        --cfg-options "model.cls_head.class_names=[a,b]"
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmvlprompt  # noqa: E402,F401
import torch  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmvlprompt.engine import add_cfg_options, load_model_config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.runner.checkpoint import (save_checkpoint,  # noqa: E402
                                        weights_to_cpu)

MB = 1e6


def measure(model, optimizer, folder: str) -> dict:
    """Sizes in bytes of the full and the prompt-only checkpoint."""
    sizes = {}
    for mode, prompt_only in (('full', False), ('prompt-only', True)):
        model.prompt_only_checkpoint = prompt_only
        path = osp.join(folder, f'{mode}.pth')
        save_checkpoint(dict(meta=dict(epoch=1), optimizer=optimizer,
                             state_dict=weights_to_cpu(model.state_dict())),
                        path)
        state_path = osp.join(folder, f'{mode}_state.pth')
        torch.save(model.state_dict(), state_path)
        sizes[mode] = (os.path.getsize(state_path), os.path.getsize(path))
    return sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    cfg = load_model_config(args.config, args.cfg_options)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for param in model.parameters():
        if param.requires_grad:
            param.grad = torch.zeros_like(param)
    wrapper.step()
    with tempfile.TemporaryDirectory() as folder:
        sizes = measure(model, wrapper.state_dict(), folder)
    print('| checkpoint | state_dict MB | file MB (with optimizer) |')
    print('|---|---:|---:|')
    for mode, (state, total) in sizes.items():
        print(f'| {mode} | {state / MB:.1f} | {total / MB:.1f} |')
    return sizes


if __name__ == '__main__':
    main()
