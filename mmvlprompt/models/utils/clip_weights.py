"""Where CLIP weights come from, and which activation they were trained with.

:mod:`.clip_loader` builds the model; this module answers the questions to
ask before that, without loading or downloading anything:

* **Activation.** OpenAI's CLIP was trained with QuickGELU
  (``x * sigmoid(1.702 x)``), most LAION/DataComp models with GELU. open_clip
  builds ``ViT-B-16`` with GELU whatever the tag and only warns. The
  activation is therefore taken from the weights' source
  (:func:`choose_quick_gelu`): the tag's open_clip pretrained config, an
  OpenAI JIT archive, or the ``quick_gelu`` entry of a weight file's
  metadata (``<file>.json``, written by ``tools/fetch_clip.py``).
* **Files for tags** (:func:`resolve_tag_file`). The hub cache is looked up
  first; offline (``HF_HUB_OFFLINE=1``) or with the hub unreachable, a
  missing file fails at once with a message naming the cache folder,
  ``clip.pretrained=<local file>`` and ``tools/fetch_clip.py``, instead of
  retrying for ~46 s. Under ``torch.distributed`` rank 0 resolves first and
  the other ranks follow after it (a collective), so one rank downloads and
  the others read the cache.
"""
import json
import os
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, List, Optional, Tuple
from urllib.parse import urlparse

import open_clip

PROBE_TIMEOUT_S = 3.0  # reachability check of the hub before downloading
WEIGHT_SUFFIXES = ('.pt', '.pth', '.bin', '.safetensors')
_HF_WEIGHTS = 'open_clip_pytorch_model.bin'
_HF_SAFE_WEIGHTS = 'open_clip_model.safetensors'


class ClipWeightsUnavailable(RuntimeError):
    """The weights of an open_clip tag are neither cached nor reachable."""


def activation_name(quick_gelu: bool) -> str:
    return 'QuickGELU' if quick_gelu else 'GELU'


# --------------------------------------------------------------------------
# the activation
# --------------------------------------------------------------------------
def is_jit_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript zip (OpenAI's ``ViT-B-16.pt``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith('/constants.pkl') for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):  # not a zip, or a damaged one
        return False


def metadata_path(weights: str) -> Path:
    """The metadata file next to a weight file: ``<file>.json``."""
    return Path(f'{weights}.json')


def read_metadata(weights: str) -> dict:
    """The metadata saved next to ``weights``, or ``{}`` when there is none."""
    path = metadata_path(weights)
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text())
    except ValueError as err:
        raise ValueError(f'{path}: not valid JSON ({err}); it describes '
                         f'the weight file {weights!r}.') from err
    if not isinstance(meta, dict):
        raise ValueError(f'{path}: expected a JSON object describing '
                         f'{weights!r}.')
    return meta


def weights_source(arch: str, pretrained: Optional[str]
                   ) -> Tuple[Optional[bool], str]:
    """``(quick_gelu of the weights or None if unknown, description)``.

    Reads only open_clip's tables, a zip index and a small JSON file.
    """
    if pretrained is None:
        return None, 'random init'
    if os.path.isfile(pretrained):
        if is_jit_archive(pretrained):
            return True, f'the OpenAI JIT archive {pretrained!r}'
        meta = read_metadata(pretrained)
        meta_arch = meta.get('arch')
        if meta_arch is not None and _base_arch(meta_arch) != \
                _base_arch(arch):
            raise ValueError(
                f'clip.pretrained={pretrained!r} holds {meta_arch!r} weights '
                f'(see {metadata_path(pretrained)}), but clip.arch={arch!r}.'
                f' Set clip.arch={meta_arch!r}.')
        if isinstance(meta.get('quick_gelu'), bool):
            origin = meta.get('pretrained', 'unknown tag')
            return meta['quick_gelu'], (
                f'{pretrained!r} (open_clip {meta_arch}/{origin}, per '
                f'{metadata_path(pretrained).name})')
        return None, f'{pretrained!r} (no activation in its metadata)'
    cfg = open_clip.get_pretrained_cfg(arch, pretrained)
    if cfg:
        return bool(cfg.get('quick_gelu', False)), \
            f'the open_clip tag {arch}/{pretrained}'
    return None, repr(pretrained)  # not a file or tag: the loader says so


def _base_arch(arch: str) -> str:
    return arch[:-len('-quickgelu')] if arch.endswith('-quickgelu') else arch


def arch_quick_gelu(arch: str) -> bool:
    """Whether the architecture config itself asks for QuickGELU
    (open_clip's ``*-quickgelu`` variants)."""
    return bool((open_clip.get_model_config(arch) or {}).get('quick_gelu'))


def choose_quick_gelu(arch: str, pretrained: Optional[str],
                      quick_gelu: Optional[bool] = None) -> bool:
    """The activation to build ``arch`` with, decided before any download.

    Args:
        arch: open_clip model name.
        pretrained: ``None``, a local file or an open_clip tag.
        quick_gelu: The config's ``clip.quick_gelu``: ``None`` follows the
            weights (or the arch config when their source is unknown);
            ``True``/``False`` asks for one activation and must agree with
            the weights when their source is known.

    Returns:
        bool: True for QuickGELU, False for GELU.

    Raises:
        ValueError: the request contradicts the weights or the arch.
    """
    if quick_gelu is not None and not isinstance(quick_gelu, bool):
        raise ValueError('model.clip.quick_gelu must be None, True or False, '
                         f'got {quick_gelu!r}.')
    source_qg, source = weights_source(arch, pretrained)
    by_arch = arch_quick_gelu(arch)
    wanted = source_qg if source_qg is not None else quick_gelu
    if source_qg is not None and quick_gelu is not None and \
            quick_gelu != source_qg:
        raise ValueError(
            f'model.clip.quick_gelu={quick_gelu} contradicts the weights: '
            f'clip.arch={arch!r} with clip.pretrained={pretrained!r} was '
            f'trained with {activation_name(source_qg)} ({source}). Remove '
            'clip.quick_gelu (the activation then follows the weights) or '
            f'set clip.quick_gelu={source_qg}.')
    if by_arch and wanted is False:
        asked = 'the weights use GELU' if source_qg is False else \
            'clip.quick_gelu=False'
        raise ValueError(
            f'clip.arch={arch!r} always builds QuickGELU, but {asked} '
            f'({source}). Use clip.arch={_base_arch(arch)!r}.')
    return by_arch if wanted is None else wanted


# --------------------------------------------------------------------------
# files for tags
# --------------------------------------------------------------------------
def hub_cache_dir() -> str:
    """The Hugging Face hub cache folder, read from the environment now."""
    for key in ('HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE'):
        if os.environ.get(key):
            return os.path.expanduser(os.environ[key])
    home = os.environ.get('HF_HOME') or os.path.join(
        os.environ.get('XDG_CACHE_HOME', '~/.cache'), 'huggingface')
    return os.path.join(os.path.expanduser(home), 'hub')


def url_cache_dir() -> str:
    """open_clip's folder for weights fetched by URL (no hub entry)."""
    return os.path.expanduser('~/.cache/clip')


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` (read now, not at huggingface_hub's import)."""
    value = os.environ.get('HF_HUB_OFFLINE', '')
    return value.strip().upper() in ('1', 'ON', 'YES', 'TRUE')


def _has_hub() -> bool:
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        return False
    return True


def _hub_files(hf_hub: str) -> Tuple[str, List[str]]:
    """``(repo_id, candidate file names)`` in open_clip's order of
    preference (``.safetensors`` first)."""
    repo_id, filename = os.path.split(hf_hub)
    filename = filename or _HF_WEIGHTS
    names = [filename]
    if filename == _HF_WEIGHTS:
        names.insert(0, _HF_SAFE_WEIGHTS)
    elif filename.endswith(('.bin', '.pth')):
        names.insert(0, filename[:-4] + '.safetensors')
    return repo_id, names


def cached_tag_file(cfg: dict) -> Tuple[Optional[str], str]:
    """``(cached file or None, folder where it would be)`` for a tag's
    open_clip pretrained config. Never touches the network."""
    if cfg.get('hf_hub') and _has_hub():
        from huggingface_hub import try_to_load_from_cache
        repo_id, names = _hub_files(cfg['hf_hub'])
        cache = hub_cache_dir()
        folder = os.path.join(cache, 'models--' + repo_id.replace('/', '--'))
        for name in names:
            found = try_to_load_from_cache(repo_id, name, cache_dir=cache)
            if isinstance(found, str) and os.path.isfile(found):
                return found, folder
        return None, folder
    target = os.path.join(url_cache_dir(), os.path.basename(cfg['url']))
    return (target if os.path.isfile(target) else None), url_cache_dir()


def _endpoint(cfg: dict) -> str:
    if cfg.get('hf_hub') and _has_hub():
        return os.environ.get('HF_ENDPOINT', 'https://huggingface.co')
    return cfg['url']


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> Optional[str]:
    """Why ``url``'s server does not answer an HTTP ``HEAD`` within
    ``timeout`` seconds, or None when it answers with success (or 404/405).

    A full request, not only a TCP connection: some networks accept every
    connection and fail later. Proxies from the environment are used, as
    for the download. Name resolution can hang far longer than any socket
    timeout, so the request runs in a daemon thread that is abandoned after
    ``timeout``.
    """
    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    where = f'{parts.hostname}:{port}'
    outcome: List[Optional[str]] = ['timed out']

    def request():
        try:
            urllib.request.urlopen(
                urllib.request.Request(url, method='HEAD'),
                timeout=timeout).close()
            outcome[0] = None
        except urllib.error.HTTPError as err:  # someone answered
            # a hub's root answers < 400 (or 404/405 on a mirror); a proxy
            # or firewall that blocks the hub answers 403, 407, 5xx
            outcome[0] = None if err.code in (404, 405) else \
                f'HTTP {err.code} {err.reason}'
        except Exception as err:  # URLError, timeouts, TLS errors
            err = getattr(err, 'reason', err)
            outcome[0] = f'{type(err).__name__}: {err}'

    thread = threading.Thread(target=request, daemon=True)
    thread.start()
    thread.join(timeout)
    reason = outcome[0]
    return None if reason is None else f'{where} {reason}'


def unavailable_message(arch: str, tag: str, folder: str,
                        reason: str) -> str:
    return (
        f'clip.pretrained={tag!r} (clip.arch={arch!r}): the weights are not '
        f'in the local cache {folder} and cannot be downloaded: {reason}. '
        'Either fetch them on a machine with internet (e.g. a login node) '
        f'with `python tools/fetch_clip.py {arch} {tag} --out DIR` and set '
        'the printed clip.pretrained=<local file> (any local open_clip '
        'state dict or OpenAI JIT .pt works too), or fill the cache '
        f'{hub_cache_dir()} (HF_HUB_CACHE) from a connected machine.')


def _resolve_tag_file(arch: str, tag: str) -> str:
    cfg = open_clip.get_pretrained_cfg(arch, tag)
    if not cfg:
        raise ValueError(f'clip.pretrained={tag!r} is not a pretrained tag '
                         f'of {arch!r}.')
    cached, folder = cached_tag_file(cfg)
    if cached:
        return cached
    if hub_offline():
        reason = 'HF_HUB_OFFLINE is set'
    else:
        reason = probe(_endpoint(cfg))
    if reason is not None:
        raise ClipWeightsUnavailable(
            unavailable_message(arch, tag, folder, reason))
    from open_clip.pretrained import download_pretrained
    try:
        path = download_pretrained(cfg, cache_dir=hub_cache_dir() if
                                   cfg.get('hf_hub') else None)
    except Exception as err:  # network, hub or disk errors
        raise ClipWeightsUnavailable(unavailable_message(
            arch, tag, folder, f'{type(err).__name__}: {err}')) from err
    if not path or not os.path.isfile(path):
        raise ClipWeightsUnavailable(unavailable_message(
            arch, tag, folder, 'open_clip returned no file'))
    return path


def rank_zero_first(fn: Callable[[], str], what: str) -> str:
    """Run ``fn`` on rank 0, then, after a collective, on the other ranks.

    Without an initialised process group (or with one process) this is just
    ``fn()``. Rank 0's failure is passed on, so the other ranks raise at
    once instead of waiting at a barrier or retrying themselves.
    """
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return fn()
    status: List[Optional[str]] = [None]
    if dist.get_rank() == 0:
        try:
            result = fn()
        except Exception as err:
            status[0] = f'{type(err).__name__}: {err}'
            dist.broadcast_object_list(status, src=0)
            raise
        dist.broadcast_object_list(status, src=0)
        return result
    dist.broadcast_object_list(status, src=0)  # waits for rank 0
    if status[0] is not None:
        raise ClipWeightsUnavailable(
            f'rank 0 could not get {what}: {status[0]}')
    return fn()


def resolve_tag_file(arch: str, tag: str) -> str:
    """The local file of an open_clip tag: cached, else downloaded.

    Rank 0 goes first under ``torch.distributed``.

    Raises:
        ClipWeightsUnavailable: not cached, and offline or unreachable (in
            about :data:`PROBE_TIMEOUT_S` at most), or the download failed.
    """
    return rank_zero_first(lambda: _resolve_tag_file(arch, tag),
                           f'the weights {arch}/{tag}')
