"""Build an open_clip CLIP model from an architecture name and a weight source.

This is the only place where CLIP weights are loaded. ``pretrained`` may be

* ``None`` - random init, seeded so that every caller gets the same weights;
* a path to a local file - an open_clip state dict (``.pt``/``.bin``/
  ``.safetensors``, optionally under a ``state_dict`` key) or an OpenAI JIT
  archive such as ``ViT-B-16.pt``;
* an open_clip pretrained tag such as ``'openai'`` or ``'laion2b_s34b_b88k'``,
  taken from the hub cache, else downloaded. Offline this fails at once with
  one message that names the cache, the local-path option and
  ``tools/fetch_clip.py`` (:mod:`.clip_weights`).

The activation (QuickGELU or GELU) follows the weights' source, decided
before anything is loaded (:func:`.clip_weights.choose_quick_gelu`): OpenAI's
weights get QuickGELU, as they were trained.
"""
import json
import logging
import os
import pickle
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Union

import open_clip
import torch
from torch import nn

from ...compat import CheckpointMismatchError, refuse_unsafe_pickles
from .clip_weights import (WEIGHT_SUFFIXES, choose_quick_gelu, is_jit_archive,
                           resolve_tag_file)

_CONFIG_DIR = Path(__file__).resolve().parents[2] / 'clip_configs'
_registered = False


def register_clip_configs(path: Union[str, Path, None] = None) -> None:
    """Make the JSON architecture configs in ``path`` known to open_clip.

    Without an argument, registers the small configs shipped in
    ``mmvlprompt/clip_configs`` (used by tests and the demo).
    """
    global _registered
    if path is None:
        if _registered:
            return
        _registered = True
        path = _CONFIG_DIR
    open_clip.add_model_config(path)


def add_clip_config(name: str, model_cfg: dict) -> None:
    """Register one architecture config (open_clip JSON schema) as ``name``."""
    from open_clip.factory import _MODEL_CONFIGS
    _MODEL_CONFIGS[name] = json.loads(json.dumps(model_cfg))


@contextmanager
def _quiet_random_init_warning():
    """open_clip warns on the root logger whenever it builds without weights,
    even when we load them right after; silence that one call."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _jit_state_dict(path: str) -> dict:
    """The state dict of a TorchScript archive, refused like any pickle.

    TorchScript's own unpickler rejects classes it does not know with
    ``Unknown type name 'posix.system'``; that refusal, and any archive it
    cannot read, ends in the same :class:`UnsafeCheckpointError` message as
    the other routes.
    """
    with refuse_unsafe_pickles(path):
        try:
            module = torch.jit.load(path, map_location='cpu')
        except RuntimeError as err:
            match = re.search(r"Unknown type name '([^']+)'", str(err))
            raise pickle.UnpicklingError(
                f'GLOBAL {match.group(1)} was not an allowed global'
                if match else str(err)) from None
    return module.state_dict()


def _load_weight_file(model: nn.Module, path: str, jit: bool) -> None:
    """Load an open_clip state dict or an OpenAI JIT archive into model."""
    if not jit:
        with refuse_unsafe_pickles(path):  # our message, not torch's
            try:
                open_clip.load_checkpoint(model, path)
            except RuntimeError as err:  # read, but another architecture
                if 'state_dict' not in str(err):
                    raise
                raise CheckpointMismatchError(
                    f'clip.pretrained={path!r}: the weights do not fit '
                    f'clip.arch (another CLIP?): {str(err)[:800]}') from None
        return
    state_dict = _jit_state_dict(path)
    # OpenAI archives carry these scalars; open_clip's own exports also keep
    # non-persistent buffers such as attn_mask.
    transient = {name for name, _ in model.named_buffers()} - set(
        model.state_dict())
    for key in ('input_resolution', 'context_length', 'vocab_size',
                *transient):
        state_dict.pop(key, None)
    state_dict = {k: v.float() for k, v in state_dict.items()}
    try:
        missing, unexpected = model.load_state_dict(state_dict, strict=False)
    except RuntimeError as err:  # shape mismatches
        raise RuntimeError(f'clip.pretrained={path!r}: JIT archive does not '
                           f'match the architecture: {err}') from err
    missing = [k for k in missing if k != 'logit_bias']
    if missing or unexpected:
        raise RuntimeError(
            f'clip.pretrained={path!r}: JIT archive does not match the '
            f'architecture (missing {missing[:5]}, unexpected '
            f'{unexpected[:5]}).')


def build_clip(arch: str,
               pretrained: Optional[str] = None,
               seed: int = 0,
               quick_gelu: Optional[bool] = None) -> nn.Module:
    """Create an fp32 open_clip ``CLIP`` model on CPU, in eval mode.

    Args:
        arch: open_clip model name (``open_clip.list_models()``), including
            configs registered with :func:`register_clip_configs` or
            :func:`add_clip_config`.
        pretrained: ``None``, a local weight file, or an open_clip tag.
        seed: Seed for random init when ``pretrained`` is None.
        quick_gelu: ``None`` (default) takes the activation from the
            weights' source (QuickGELU for OpenAI's), or from the arch
            config when the source is unknown; ``True``/``False`` asks for
            QuickGELU/GELU and fails if the weights were trained otherwise.

    Returns:
        open_clip.CLIP: the model. Only ViT image towers with the standard
        text tower are supported.
    """
    register_clip_configs()
    if arch not in open_clip.list_models():
        raise ValueError(
            f'clip.arch={arch!r} is not an open_clip model name. Use one of '
            'open_clip.list_models() (e.g. "ViT-B-16") or register a JSON '
            'config with mmvlprompt.models.utils.register_clip_configs().')
    is_file = pretrained is not None and os.path.isfile(pretrained)
    if pretrained is not None and not is_file:
        _check_tag(arch, pretrained)
    # Decided from the tag's config or the file's metadata: no download yet.
    use_quick_gelu = choose_quick_gelu(arch, pretrained, quick_gelu)
    path = pretrained if is_file or pretrained is None else \
        resolve_tag_file(arch, pretrained)
    with torch.random.fork_rng(devices=[]), _quiet_random_init_warning():
        torch.manual_seed(seed)
        model = open_clip.create_model(arch, pretrained=None,
                                       load_weights=False,
                                       force_quick_gelu=use_quick_gelu)
    if path is not None:
        _load_weight_file(model, path, is_jit_archive(path))
    _check_supported(model, arch)
    return model.float().eval()


def _check_tag(arch: str, pretrained: str) -> None:
    """Fail, naming the value, unless ``pretrained`` is a tag of ``arch``."""
    if os.sep in pretrained or Path(pretrained).suffix in WEIGHT_SUFFIXES:
        raise FileNotFoundError(
            f'clip.pretrained={pretrained!r}: no such weight file.')
    tags = open_clip.list_pretrained_tags_by_model(arch)
    if pretrained not in tags:
        raise ValueError(
            f'clip.pretrained={pretrained!r} is neither a local file nor '
            f'a pretrained tag of {arch!r} (known tags: {tags}).')


def _check_supported(model: nn.Module, arch: str) -> None:
    from open_clip.transformer import VisionTransformer
    if not isinstance(model, open_clip.CLIP):
        raise TypeError(
            f'clip.arch={arch!r} builds a {type(model).__name__}; only CLIP '
            'models with the built-in text tower are supported.')
    visual = model.visual
    if not isinstance(visual, VisionTransformer):
        raise TypeError(f'clip.arch={arch!r}: the image tower is '
                        f'{type(visual).__name__}, not a ViT.')
    if visual.attn_pool is not None or visual.pool_type != 'tok' or \
            visual.final_ln_after_pool:
        raise TypeError(f'clip.arch={arch!r}: only [CLS]-token pooling is '
                        'supported in the image tower.')
    if model.text_pool_type != 'argmax':
        raise TypeError(f'clip.arch={arch!r}: only argmax (EOT) text pooling '
                        'is supported.')
    for tower in (visual.transformer, model.transformer):
        if not tower.batch_first:
            raise TypeError(f'clip.arch={arch!r}: batch-first transformers '
                            'are required.')
