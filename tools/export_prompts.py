"""Export the learned parameters of a checkpoint as safetensors.

::

    python tools/export_prompts.py CONFIG CHECKPOINT OUT.safetensors
        [--cfg-options KEY=VALUE ...]

Builds the model from CONFIG (its CLIP comes from ``model.clip.pretrained``),
loads CHECKPOINT into it (a prompt-only checkpoint is checked against that
CLIP's fingerprint), and writes the trainable parameters alone (prompts and
mappings) to OUT.safetensors. The file's metadata holds the config
(``config``, MMEngine's Python format), the CLIP fingerprint
(``clip_fingerprint``), the CLIP ``clip_arch`` / ``clip_pretrained`` and
the source checkpoint's file name (``source_checkpoint``). safetensors holds
tensors only, so the file is safe to load from anywhere.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmvlprompt  # noqa: E402,F401  (compat shims before mmaction)
from mmaction.registry import MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from mmvlprompt.engine import (add_cfg_options, check_file,  # noqa: E402
                               load_model_config)

FORMAT = 'mmvlprompt-prompts-v1'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config the checkpoint was trained '
                        'with')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    parser.add_argument('out', help='output file (.safetensors)')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def export_prompts(cfg: Config, checkpoint: str, out: str) -> dict:
    """Write the trainable parameters of ``cfg.model`` loaded from
    ``checkpoint`` to ``out``; return the tensors written.

    ``cfg`` comes from :func:`~mmvlprompt.engine.load_model_config` (which
    also sets the registry scope).
    """
    from safetensors.torch import save_file
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                    logger='current')
    tensors = {name: param.detach().contiguous()
               for name, param in model.named_parameters()
               if param.requires_grad}
    if not tensors:
        raise ValueError(f'{cfg.filename}: the model has no trainable '
                         'parameters to export.')
    clip = cfg.model.get('clip', {})
    metadata = dict(format=FORMAT, config=cfg.pretty_text,
                    clip_arch=str(clip.get('arch')),
                    clip_pretrained=str(clip.get('pretrained')),
                    source_checkpoint=osp.basename(checkpoint))
    if hasattr(model, 'clip_fingerprint'):
        metadata['clip_fingerprint'] = model.clip_fingerprint()
    save_file(tensors, out, metadata=metadata)
    return tensors


def main(argv=None):
    args = parse_args(argv)
    check_file(args.checkpoint, 'checkpoint')
    if not args.out.endswith('.safetensors'):
        raise ValueError(f'{args.out}: expected a .safetensors file name.')
    # the trained CLIP: a prompt-only checkpoint is checked against it
    cfg = load_model_config(args.config, args.cfg_options,
                            random_clip=False)
    tensors = export_prompts(cfg, args.checkpoint, args.out)
    count = sum(t.numel() for t in tensors.values())
    print(f'wrote {len(tensors)} tensors ({count:,} parameters) to '
          f'{args.out}')


if __name__ == '__main__':
    main()
