"""Fetch open_clip weights for a tag into a folder (run on a login node).

    python tools/fetch_clip.py ARCH TAG --out DIR [--no-check]

e.g. ``python tools/fetch_clip.py ViT-B-16 openai --out checkpoints/clip``
writes ``DIR/ViT-B-16-openai.safetensors`` (the file as open_clip's hub cache
holds it, fetched into that cache first when missing) and, next to it,
``ViT-B-16-openai.safetensors.json`` with the arch, the tag and the activation
the weights were trained with (``quick_gelu``), so that compute nodes without
internet build the same model from the local file. Then it loads the file
once (skip with ``--no-check``) and prints the config line to use::

    model.clip.pretrained=DIR/ViT-B-16-openai.safetensors
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import shutil
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import open_clip  # noqa: E402

from mmvlprompt.models.utils import (  # noqa: E402
    build_clip, choose_quick_gelu, register_clip_configs, resolve_tag_file)
from mmvlprompt.models.utils.clip_weights import (  # noqa: E402
    activation_name, metadata_path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('arch', help='open_clip model name, e.g. ViT-B-16')
    parser.add_argument('tag', help='open_clip pretrained tag, e.g. openai')
    parser.add_argument('--out', required=True,
                        help='folder for the weights and their metadata')
    parser.add_argument('--no-check', action='store_true',
                        help='do not load the saved file once to check it')
    return parser.parse_args(argv)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def fetch(arch: str, tag: str, out: str, check: bool = True) -> str:
    """Save the weights of ``arch``/``tag`` and their metadata in ``out``.

    Returns:
        str: the saved weight file, for ``model.clip.pretrained``.
    """
    register_clip_configs()
    if tag not in open_clip.list_pretrained_tags_by_model(arch):
        raise SystemExit(
            f'{arch!r} has no pretrained tag {tag!r}; known tags: '
            f'{open_clip.list_pretrained_tags_by_model(arch)}')
    quick_gelu = choose_quick_gelu(arch, tag)  # from open_clip's table
    print(f'[fetch_clip] {arch}/{tag}: trained with '
          f'{activation_name(quick_gelu)}; resolving the weights ...',
          flush=True)
    source = resolve_tag_file(arch, tag)
    suffix = '.safetensors' if source.endswith('.safetensors') else \
        osp.splitext(source)[1] or '.pt'
    os.makedirs(out, exist_ok=True)
    target = osp.abspath(osp.join(out, f'{arch}-{tag}{suffix}'))
    print(f'[fetch_clip] copying {source} -> {target}', flush=True)
    shutil.copyfile(source, target)
    meta = dict(arch=arch, pretrained=tag, quick_gelu=quick_gelu,
                activation=activation_name(quick_gelu),
                source=osp.realpath(source), sha256=_sha256(target),
                open_clip=open_clip.__version__,
                command=f'python tools/fetch_clip.py {arch} {tag} '
                f'--out {out}')
    metadata_path(target).write_text(json.dumps(meta, indent=2) + '\n')
    if check:
        print('[fetch_clip] loading it once to check ...', flush=True)
        build_clip(arch, target)
    return target


def main(argv=None) -> str:
    args = parse_args(argv)
    target = fetch(args.arch, args.tag, args.out, check=not args.no_check)
    print(f'[fetch_clip] saved {target} and {metadata_path(target).name}')
    print('Use it with:')
    print(f'  --cfg-options model.clip.arch={args.arch} '
          f'model.clip.pretrained={target}')
    print(f"  or in a config: clip=dict(arch='{args.arch}', "
          f"pretrained='{target}')")
    return target


if __name__ == '__main__':
    main()
