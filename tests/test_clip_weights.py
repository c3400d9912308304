"""The CLIP is built as its weights were trained, and offline runs fail fast.

* The activation (QuickGELU for OpenAI's weights, GELU for LAION's) comes
  from open_clip's pretrained table or a weight file's metadata; no weights
  are needed to check it.
* Tags resolve from the hub cache; offline or unreachable, a missing file
  fails at once, without any download call. Hub caches are built in tmp
  folders in the layout huggingface_hub uses, with tiny state dicts.
* ``tools/fetch_clip.py`` saves weights with their metadata.
* Under torch.distributed, rank 0 resolves first (2 gloo processes).
"""
import importlib.util
import json
import socket
import subprocess
import sys
import textwrap

import open_clip
import pytest
import torch
from open_clip.transformer import QuickGELU
from safetensors.torch import save_file
from torch import nn

from conftest import REPO, TINY_ARCH, tiny_model_cfg
from mmvlprompt.models.utils import (ClipWeightsUnavailable, build_clip,
                                     choose_quick_gelu)
from mmvlprompt.models.utils import clip_loader, clip_weights

FAKE_TAGS = {  # tiny stand-ins for an OpenAI tag and a LAION tag
    'fakeopenai': dict(url='', hf_hub='test-org/vlp-tiny-openai/',
                       quick_gelu=True),
    'fakelaion': dict(url='', hf_hub='test-org/vlp-tiny-laion/'),
}


def _activations(model: nn.Module) -> set:
    """Types of every MLP activation in both towers."""
    blocks = [*model.transformer.resblocks,
              *model.visual.transformer.resblocks]
    return {type(block.mlp.gelu) for block in blocks}


def put_in_hub_cache(cache, repo_id: str, state_dict: dict,
                     filename='open_clip_model.safetensors') -> str:
    """Write ``state_dict`` where huggingface_hub's cache would hold it."""
    folder = cache / ('models--' + repo_id.replace('/', '--'))
    commit = 'c0ffee' * 6 + 'beef'
    (folder / 'refs').mkdir(parents=True, exist_ok=True)
    (folder / 'refs' / 'main').write_text(commit)
    snapshot = folder / 'snapshots' / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous().clone() for k, v in state_dict.items()},
              str(snapshot / filename))
    return str(snapshot / filename)


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """Empty caches, the fake tags, and every download call recorded."""
    cache = tmp_path / 'hub'
    cache.mkdir()
    monkeypatch.setenv('HF_HUB_CACHE', str(cache))
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    monkeypatch.setitem(open_clip.pretrained._PRETRAINED, TINY_ARCH,
                        FAKE_TAGS)
    calls = []

    def recorded(name):
        def download(*args, **kwargs):
            calls.append(name)
            raise ConnectionError('downloads are disabled in this test')
        return download

    from huggingface_hub import file_download
    import huggingface_hub
    monkeypatch.setattr(open_clip.pretrained, 'download_pretrained',
                        recorded('download_pretrained'))
    monkeypatch.setattr(open_clip.pretrained, 'hf_hub_download',
                        recorded('hf_hub_download'))
    monkeypatch.setattr(huggingface_hub, 'hf_hub_download',
                        recorded('hf_hub_download'))
    monkeypatch.setattr(file_download, 'hf_hub_download',
                        recorded('hf_hub_download'))
    return dict(cache=cache, calls=calls)


@pytest.fixture
def weights():
    """A seeded tiny state dict (as if trained with QuickGELU)."""
    return build_clip(TINY_ARCH, None, seed=7).state_dict()


# --------------------------------------------------------------------------
# the activation, from open_clip's table (no weights needed)
# --------------------------------------------------------------------------
@pytest.mark.parametrize('arch, tag, quick_gelu', [
    ('ViT-B-16', 'openai', True),
    ('ViT-B-32', 'openai', True),
    ('ViT-L-14', 'openai', True),
    ('ViT-B-32', 'laion2b_s34b_b79k', False),
    ('ViT-B-16', 'laion2b_s34b_b88k', False),
    ('ViT-B-16-quickgelu', 'openai', True),
    ('ViT-B-16', None, False),           # random init: the arch's own
    ('ViT-B-16-quickgelu', None, True),
])
def test_activation_chosen_for_tag(arch, tag, quick_gelu):
    assert choose_quick_gelu(arch, tag) is quick_gelu


@pytest.mark.parametrize('arch, tag, quick_gelu', [
    ('ViT-B-16', 'openai', True),
    ('ViT-B-32', 'openai', True),
    ('ViT-L-14', 'openai', True),
    ('ViT-B-32', 'laion2b_s34b_b79k', False),
])
def test_build_clip_builds_with_that_activation(monkeypatch, arch, tag,
                                                 quick_gelu):
    """build_clip passes the choice to open_clip (stopped before building
    the real-size model, and before any download)."""
    seen = {}

    class Stop(Exception):
        pass

    def create_model(name, **kwargs):
        seen.update(kwargs, name=name)
        raise Stop

    monkeypatch.setattr(clip_loader, 'resolve_tag_file',
                        lambda a, t: '/nonexistent/weights.safetensors')
    monkeypatch.setattr(open_clip, 'create_model', create_model)
    with pytest.raises(Stop):
        build_clip(arch, tag)
    assert seen['name'] == arch
    assert seen['force_quick_gelu'] is quick_gelu
    assert seen['pretrained'] is None and seen['load_weights'] is False


@pytest.mark.parametrize('arch, tag, asked', [
    ('ViT-B-16', 'openai', False),
    ('ViT-L-14', 'openai', False),
    ('ViT-B-32', 'laion2b_s34b_b79k', True),
])
def test_contradicting_activation_is_refused_before_download(
        hub, arch, tag, asked):
    with pytest.raises(ValueError) as info:
        build_clip(arch, tag, quick_gelu=asked)
    msg = str(info.value)
    assert f'clip.quick_gelu={asked}' in msg
    assert repr(arch) in msg and repr(tag) in msg
    assert f'set clip.quick_gelu={not asked}' in msg  # the fix
    assert 'Remove clip.quick_gelu' in msg
    assert hub['calls'] == []


def test_agreeing_activation_is_accepted():
    assert choose_quick_gelu('ViT-B-16', 'openai', True) is True
    assert choose_quick_gelu('ViT-B-32', 'laion2b_s34b_b79k', False) is False
    assert choose_quick_gelu('ViT-B-16', None, True) is True  # unknown source
    with pytest.raises(ValueError, match='ViT-B-16-quickgelu'):
        choose_quick_gelu('ViT-B-16-quickgelu', None, False)
    with pytest.raises(ValueError, match='quick_gelu must be'):
        choose_quick_gelu('ViT-B-16', 'openai', 'yes')


# --------------------------------------------------------------------------
# local files whose source is known
# --------------------------------------------------------------------------
def _save_with_metadata(tmp_path, state, **meta):
    path = tmp_path / 'weights.pt'
    torch.save(state, path)
    (tmp_path / 'weights.pt.json').write_text(json.dumps(meta))
    return str(path)


def test_local_file_metadata_decides_the_activation(tmp_path, weights):
    path = _save_with_metadata(tmp_path, weights, arch=TINY_ARCH,
                               pretrained='openai', quick_gelu=True)
    model = build_clip(TINY_ARCH, path)
    assert _activations(model) == {QuickGELU}
    for key, value in weights.items():
        assert torch.equal(model.state_dict()[key], value), key
    with pytest.raises(ValueError) as info:
        build_clip(TINY_ARCH, path, quick_gelu=False)
    assert 'weights.pt.json' in str(info.value)
    assert 'set clip.quick_gelu=True' in str(info.value)


def test_local_file_without_activation_follows_arch(tmp_path, weights,
                                                    tiny_clip_path):
    """No metadata (or none about the activation): the arch's config
    (GELU here), or what the config asks for."""
    assert _activations(build_clip(TINY_ARCH, tiny_clip_path)) == {nn.GELU}
    assert _activations(build_clip(TINY_ARCH, tiny_clip_path,
                                   quick_gelu=True)) == {QuickGELU}
    path = _save_with_metadata(tmp_path, weights, arch=TINY_ARCH, seed=0)
    assert _activations(build_clip(TINY_ARCH, path)) == {nn.GELU}


def test_local_file_metadata_for_another_arch_is_refused(tmp_path, weights):
    path = _save_with_metadata(tmp_path, weights, arch='ViT-B-16',
                               quick_gelu=True)
    with pytest.raises(ValueError) as info:
        build_clip(TINY_ARCH, path)
    msg = str(info.value)
    assert "'ViT-B-16'" in msg and repr(TINY_ARCH) in msg
    assert 'weights.pt.json' in msg


def test_quickgelu_arch_with_gelu_weights_is_refused(tmp_path):
    """A ``*-quickgelu`` arch always builds QuickGELU; weights known to be
    GELU do not fit it, with ``clip.quick_gelu`` unset as well as set."""
    path = tmp_path / 'laion.pt'
    path.write_bytes(b'not read: the metadata decides')
    (tmp_path / 'laion.pt.json').write_text(json.dumps(
        dict(arch='ViT-B-16', pretrained='laion2b_s34b_b88k',
             quick_gelu=False)))
    for asked in (None, False):
        with pytest.raises(ValueError) as info:
            choose_quick_gelu('ViT-B-16-quickgelu', str(path), asked)
        msg = str(info.value)
        assert msg.startswith("clip.arch='ViT-B-16-quickgelu' always builds "
                              'QuickGELU, but the weights use GELU ('), msg
        assert "laion.pt.json" in msg
        assert msg.endswith("Use clip.arch='ViT-B-16'."), msg
    # the plain arch takes them, as GELU
    assert choose_quick_gelu('ViT-B-16', str(path)) is False
    # and GELU asked of a *-quickgelu arch, weights unknown, is refused too
    with pytest.raises(ValueError, match=r"^clip.arch='ViT-B-16-quickgelu' "
                       r"always builds QuickGELU, but clip.quick_gelu=False "
                       r"\(random init\). Use clip.arch='ViT-B-16'.$"):
        choose_quick_gelu('ViT-B-16-quickgelu', None, False)


def test_recognizer_takes_clip_quick_gelu(tiny_clip_path):
    from mmaction.registry import MODELS
    cfg = tiny_model_cfg(tiny_clip_path)
    cfg['clip']['quick_gelu'] = True
    model = MODELS.build(cfg)
    blocks = model.backbone.visual.transformer.resblocks
    assert {type(b.mlp.gelu) for b in blocks} == {QuickGELU}


@pytest.mark.parametrize('config, quick_gelu', [
    ('configs/vlprompt_k400.py', True),              # ViT-B-16 + openai
    ('configs/demo/vlprompt_tiny_synthetic.py', False)])
def test_analysis_tools_random_clip_keeps_the_activation(config, quick_gelu):
    """load_model_config swaps in a random CLIP built like the real one."""
    from mmvlprompt.engine import load_model_config
    cfg = load_model_config(str(REPO / config))
    assert cfg.model.clip.pretrained is None
    assert cfg.model.clip.quick_gelu is quick_gelu


# --------------------------------------------------------------------------
# tags: cache first, fail fast offline
# --------------------------------------------------------------------------
@pytest.mark.parametrize('tag, activation', [('fakeopenai', QuickGELU),
                                             ('fakelaion', nn.GELU)])
def test_tag_loads_from_cache_offline(hub, monkeypatch, weights, tag,
                                      activation):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    repo = FAKE_TAGS[tag]['hf_hub'].rstrip('/')
    put_in_hub_cache(hub['cache'], repo, weights)
    model = build_clip(TINY_ARCH, tag)
    assert _activations(model) == {activation}
    for key, value in weights.items():
        assert torch.equal(model.state_dict()[key], value), key
    assert hub['calls'] == []


def test_bin_in_cache_is_found_too(hub, monkeypatch, weights, tmp_path):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    repo = 'test-org/vlp-tiny-openai'
    folder = hub['cache'] / ('models--' + repo.replace('/', '--'))
    put_in_hub_cache(hub['cache'], repo, weights)
    snapshot = next((folder / 'snapshots').iterdir())
    (snapshot / 'open_clip_model.safetensors').unlink()
    torch.save(weights, snapshot / 'open_clip_pytorch_model.bin')
    model = build_clip(TINY_ARCH, 'fakeopenai')
    assert torch.equal(model.state_dict()['text_projection'],
                       weights['text_projection'])


def _assert_helpful(msg, cache_folder):
    assert 'clip.pretrained=<local file>' in msg
    assert 'tools/fetch_clip.py vlp-tiny fakeopenai --out DIR' in msg
    assert str(cache_folder) in msg
    assert "'fakeopenai'" in msg and repr(TINY_ARCH) in msg


def test_offline_without_cache_fails_without_downloading(hub, monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    probes = []
    monkeypatch.setattr(clip_weights, 'probe',
                        lambda *a, **k: probes.append(a))
    with pytest.raises(ClipWeightsUnavailable) as info:
        build_clip(TINY_ARCH, 'fakeopenai')
    msg = str(info.value)
    _assert_helpful(msg, hub['cache'] / 'models--test-org--vlp-tiny-openai')
    assert 'HF_HUB_OFFLINE' in msg
    assert hub['calls'] == [] and probes == []


def test_unreachable_hub_fails_without_downloading(hub, monkeypatch):
    """No HF_HUB_OFFLINE, but no network: the probe fails, nothing retries."""
    def refuse(*args, **kwargs):
        raise OSError('network disabled in tests')
    monkeypatch.setattr(socket, 'create_connection', refuse)
    with pytest.raises(ClipWeightsUnavailable) as info:
        build_clip(TINY_ARCH, 'fakeopenai')
    msg = str(info.value)
    _assert_helpful(msg, hub['cache'])
    assert 'huggingface.co:443' in msg and 'network disabled' in msg
    assert hub['calls'] == []


def test_probe_gives_up_on_a_hanging_lookup(monkeypatch):
    """A name lookup that hangs is abandoned after the timeout."""
    import threading
    release = threading.Event()

    def hang(*args, **kwargs):
        release.wait(5)
        raise OSError('late')
    monkeypatch.setattr(socket, 'create_connection', hang)
    try:
        reason = clip_weights.probe('https://huggingface.co', timeout=0.2)
    finally:
        release.set()
    assert reason == 'huggingface.co:443 timed out'


@pytest.mark.parametrize('status, reachable', [(200, True), (404, True),
                                               (403, False), (502, False)])
def test_probe_asks_for_an_http_answer(monkeypatch, status, reachable):
    """A local server: success (or 404) counts as reachable; a proxy's
    refusal (403, 5xx) does not."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    monkeypatch.setenv('no_proxy', '*')
    server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        reason = clip_weights.probe(f'http://127.0.0.1:{port}', timeout=2)
    finally:
        server.shutdown()
        server.server_close()
    if reachable:
        assert reason is None
    else:
        assert reason.startswith(f'127.0.0.1:{port} HTTP {status}')


def test_reachable_hub_downloads_and_reports_failures(hub, monkeypatch):
    monkeypatch.setattr(clip_weights, 'probe', lambda *a, **k: None)
    with pytest.raises(ClipWeightsUnavailable) as info:
        build_clip(TINY_ARCH, 'fakeopenai')
    assert hub['calls'] == ['download_pretrained']
    assert 'downloads are disabled in this test' in str(info.value)


# --------------------------------------------------------------------------
# tools/fetch_clip.py
# --------------------------------------------------------------------------
def _fetch_tool():
    spec = importlib.util.spec_from_file_location(
        'fetch_clip', REPO / 'tools' / 'fetch_clip.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fetch_clip_saves_weights_and_metadata(hub, monkeypatch, weights,
                                               tmp_path, capsys):
    """A fake download fills the cache; the tool copies the file, writes
    its metadata, and the printed file builds a QuickGELU model offline."""
    downloads = []

    def download(cfg, cache_dir=None, **kwargs):
        downloads.append(cfg['hf_hub'])
        return put_in_hub_cache(hub['cache'], cfg['hf_hub'].rstrip('/'),
                                weights)
    monkeypatch.setattr(clip_weights, 'probe', lambda *a, **k: None)
    monkeypatch.setattr(open_clip.pretrained, 'download_pretrained',
                        download)
    out = tmp_path / 'clip'
    target = _fetch_tool().main([TINY_ARCH, 'fakeopenai', '--out', str(out)])
    assert downloads == ['test-org/vlp-tiny-openai/']
    assert target == str(out / 'vlp-tiny-fakeopenai.safetensors')
    meta = json.loads((out / 'vlp-tiny-fakeopenai.safetensors.json')
                      .read_text())
    assert (meta['arch'], meta['pretrained'], meta['quick_gelu']) == \
        (TINY_ARCH, 'fakeopenai', True)
    printed = capsys.readouterr().out
    assert f'model.clip.pretrained={target}' in printed
    # on a compute node: offline, empty cache, only the saved file
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setenv('HF_HUB_CACHE', str(tmp_path / 'empty'))
    model = build_clip(TINY_ARCH, target)
    assert _activations(model) == {QuickGELU}
    for key, value in weights.items():
        assert torch.equal(model.state_dict()[key], value), key


def test_fetch_clip_offline_fails_with_the_message(hub, monkeypatch,
                                                   tmp_path):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(ClipWeightsUnavailable, match='HF_HUB_OFFLINE'):
        _fetch_tool().main([TINY_ARCH, 'fakeopenai', '--out',
                            str(tmp_path / 'clip')])
    assert hub['calls'] == []
    assert not (tmp_path / 'clip').exists()


# --------------------------------------------------------------------------
# distributed: rank 0 first
# --------------------------------------------------------------------------
_DIST_SCRIPT = textwrap.dedent('''
    import os, sys, time
    import torch
    import torch.distributed as dist
    sys.path.insert(0, {repo!r})
    sys.path.insert(0, {tests!r})
    import open_clip
    from mmvlprompt.models.utils import build_clip, clip_weights
    from test_clip_weights import FAKE_TAGS, put_in_hub_cache
    from pathlib import Path

    dist.init_process_group('gloo')
    rank = dist.get_rank()
    cache, log = Path(os.environ['HF_HUB_CACHE']), Path({log!r})
    open_clip.pretrained._PRETRAINED['vlp-tiny'] = FAKE_TAGS
    clip_weights.probe = lambda *a, **k: None
    weights = torch.load({weights!r})
    phase = 'fail'

    def write(line):
        with open(log, 'a') as f:
            f.write(f'{{phase}} {{line}}\\n')

    def download(cfg, cache_dir=None, **kwargs):
        write(f'download by rank {{rank}}')
        if phase == 'fail':
            raise ConnectionError('no route to host')
        time.sleep(1.0)  # the other rank would miss the cache meanwhile
        return put_in_hub_cache(cache, cfg['hf_hub'].rstrip('/'), weights)

    open_clip.pretrained.download_pretrained = download
    for phase in ('fail', 'ok'):
        try:
            model = build_clip('vlp-tiny', 'fakeopenai')
            ok = all(torch.equal(model.state_dict()[k], v)
                     for k, v in weights.items())
            result = 'same weights' if ok else 'other weights'
        except Exception as err:
            result = f'{{type(err).__name__}}: {{err}}'
        write(f'rank {{rank}}: {{result}}')
        dist.barrier()
    dist.destroy_process_group()
''')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_rank_zero_resolves_first(tmp_path, weights):
    """2 gloo ranks. A download that fails on rank 0 is tried once; rank 1
    fails at once with its reason. Then one download (by rank 0) while rank
    1 waits, and rank 1 reads the cache: both get the same weights."""
    weights_file = tmp_path / 'weights.pt'
    torch.save(weights, weights_file)
    log = tmp_path / 'log.txt'
    script = tmp_path / 'ranks.py'
    script.write_text(_DIST_SCRIPT.format(
        repo=str(REPO), tests=str(REPO / 'tests'), log=str(log),
        weights=str(weights_file)))
    env = dict(HF_HUB_CACHE=str(tmp_path / 'hub'), HOME=str(tmp_path),
               OMP_NUM_THREADS='1', PYTHONPATH=str(REPO),
               PATH='/usr/bin:/bin', MASTER_ADDR='127.0.0.1')
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_port', str(_free_port()), str(script)],
        env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = log.read_text().splitlines()
    downloads = [ln for ln in lines if 'download by' in ln]
    assert downloads == ['fail download by rank 0', 'ok download by rank 0']
    results = sorted(ln for ln in lines if ': ' in ln)
    assert results[0].startswith('fail rank 0: ClipWeightsUnavailable')
    assert results[1].startswith(
        'fail rank 1: ClipWeightsUnavailable: rank 0 could not get the '
        'weights vlp-tiny/fakeopenai')
    assert 'no route to host' in results[1]
    assert results[2:] == ['ok rank 0: same weights',
                           'ok rank 1: same weights']
