"""Prompt-only checkpoints: leave the frozen CLIP out, keep its fingerprint.

A frozen-backbone recognizer trains a few million prompt and mapping
parameters on top of a CLIP of ~150 M that never changes. Saving the CLIP in
every checkpoint costs ~600 MB (ViT-B/16) for nothing: it is rebuilt from
``model.clip.pretrained`` anyway. In prompt-only mode the recognizer's
``state_dict`` (and so every MMEngine checkpoint) holds

* everything outside the CLIP towers (the prompt learner ``neck``), and
* ``clip_fingerprint``: a ``uint8`` tensor with the SHA-256 digest of the
  left-out CLIP state (see :func:`fingerprint`),

and loading such a state dict (``tools/test.py``, ``--resume``,
``load_from``, ``mmengine.runner.load_checkpoint``, ``load_state_dict``)
compares the fingerprint with that of the model's own CLIP, refuses a
mismatch with a clear error, and fills the CLIP entries in from the model
itself, so that strict loading sees no missing keys.

The CLIP state is every entry of the recognizer's ``backbone`` and
``cls_head`` (the two CLIP towers and the logit scale); the
prompt learner lives in ``neck``.

With ``model.frozen_dtype`` (:mod:`.frozen_dtype`) the frozen CLIP is held
in bf16/fp16. Its fingerprint stays that of the fp32 weights it was cast
from, as long as it holds exactly the cast bits, so that a checkpoint
trained with ``--amp`` loads into an fp32 model and the other way round.
"""
import hashlib
from typing import ContextManager, Dict, Mapping, Optional

import torch
from torch import Tensor, nn

from ...compat import CheckpointMismatchError
from .frozen_dtype import (compute_autocast, hold_frozen_weights,
                           parse_frozen_dtype)

FINGERPRINT_KEY = 'clip_fingerprint'
CLIP_PREFIXES = ('backbone.', 'cls_head.')


def fingerprint(tensors: Mapping[str, Tensor]) -> str:
    """SHA-256 hex digest of named tensors.

    Hashes, in sorted key order, each key, dtype, shape and the tensor's raw
    bytes, so any changed weight, renamed key, reshaped or recast tensor
    gives another digest. About 1 s for ViT-B/16's 600 MB on one core.
    """
    digest = hashlib.sha256()
    for key in sorted(tensors):
        tensor = tensors[key].detach().cpu().contiguous()
        digest.update(f'{key}|{tensor.dtype}|{tuple(tensor.shape)}|'.encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def _digest_tensor(hex_digest: str) -> Tensor:
    return torch.tensor(list(bytes.fromhex(hex_digest)), dtype=torch.uint8)


def digest_from_tensor(tensor: Tensor) -> str:
    """Hex digest stored in a checkpoint's ``clip_fingerprint`` entry."""
    return bytes(tensor.to(torch.uint8).tolist()).hex()


def is_clip_key(key: str) -> bool:
    """Whether a recognizer state-dict key belongs to the CLIP."""
    return key.startswith(CLIP_PREFIXES)


class ClipStateMixin:
    """Adds prompt-only ``state_dict``, fingerprint-checked loading and
    frozen weights held in the compute dtype.

    The host (an ``nn.Module`` with ``backbone`` and ``cls_head``) calls
    :meth:`_init_clip_state` at the end of its ``__init__``, and runs its
    forward passes inside :meth:`compute_context`.
    """

    def _init_clip_state(self, prompt_only: bool, clip_cfg: dict,
                         frozen_dtype: Optional[str] = None) -> None:
        self.prompt_only_checkpoint = prompt_only
        self._clip_cfg = dict(clip_cfg)
        self._fingerprint_cache = (None, None)
        self._register_state_dict_hook(_drop_clip_state)
        self._register_load_state_dict_pre_hook(_restore_clip_state,
                                                with_module=True)
        self.frozen_dtype = frozen_dtype
        self._compute_dtype = parse_frozen_dtype(frozen_dtype)
        self._held_digests = None  # (digest as held, digest as loaded)
        if self._compute_dtype is None:
            return
        if not prompt_only:
            raise ValueError(
                f'model.frozen_dtype={frozen_dtype!r} holds the frozen CLIP '
                'in low precision, so it needs model.freeze_backbone=True '
                'and prompt-only checkpoints (model.prompt_only_checkpoint '
                'None or True); use frozen_dtype=None otherwise.')
        loaded = self.clip_fingerprint()
        for name in ('backbone', 'cls_head'):
            hold_frozen_weights(getattr(self, name), self._compute_dtype)
        self._held_digests = (self.clip_fingerprint(), loaded)

    def compute_context(self) -> ContextManager:
        """Autocast in the held dtype when the frozen CLIP is held in low
        precision and no autocast is active; otherwise a no-op."""
        device = self.cls_head.logit_scale.device
        return compute_autocast(self._compute_dtype, device)

    def clip_state(self) -> Dict[str, Tensor]:
        """The CLIP entries of the full state dict, without the hook."""
        state = {}
        for name in ('backbone', 'cls_head'):
            module: nn.Module = getattr(self, name)
            state.update(module.state_dict(prefix=name + '.'))
        return state

    def clip_fingerprint(self) -> str:
        """SHA-256 of :meth:`clip_state`; cached until a tensor changes
        (tracked by storage pointer and in-place version counter)."""
        state = self.clip_state()
        key = tuple((k, t.data_ptr(), t._version) for k, t in state.items())
        if self._fingerprint_cache[0] != key:
            self._fingerprint_cache = (key, fingerprint(state))
        digest = self._fingerprint_cache[1]
        held = getattr(self, '_held_digests', None)
        if held is not None and digest == held[0]:
            return held[1]  # the weights it was cast from
        return digest


def _drop_clip_state(module, state_dict, prefix, local_metadata):
    """State-dict hook: in prompt-only mode, swap the CLIP for its digest."""
    if not module.prompt_only_checkpoint:
        return
    for key in [k for k in state_dict if k.startswith(prefix)
                and is_clip_key(k[len(prefix):])]:
        del state_dict[key]
    state_dict[prefix + FINGERPRINT_KEY] = _digest_tensor(
        module.clip_fingerprint())


def _restore_clip_state(module, state_dict, prefix, local_metadata, strict,
                        missing_keys, unexpected_keys, error_msgs):
    """Load pre-hook: check a prompt-only state dict and fill the CLIP in."""
    key = prefix + FINGERPRINT_KEY
    if key not in state_dict:
        return  # a full state dict: loads as usual
    stored = digest_from_tensor(state_dict.pop(key))
    own = module.clip_fingerprint()
    if stored != own:
        clip = ', '.join(f'{k}={v!r}' for k, v in module._clip_cfg.items())
        raise CheckpointMismatchError(
            'This checkpoint holds prompts only and was trained on a CLIP '
            f'whose weights have fingerprint {stored[:16]}..., but the model '
            f'built from model.clip ({clip}) has fingerprint {own[:16]}.... '
            'Prompts do not transfer between CLIP weights: set '
            'model.clip.pretrained (and arch) to the weights used in '
            'training.')
    for name, tensor in module.clip_state().items():
        state_dict.setdefault(prefix + name, tensor)
