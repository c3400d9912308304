"""mmvlprompt.models.utils.clip_weights in detail: where the caches are,
what counts as offline, which files of a hub repo are looked for, what the
messages say, and rank 0 going first (with a stand-in collective, in one
process). Nothing is downloaded."""
import json
import zipfile

import open_clip
import pytest

from mmvlprompt.models.utils import ClipWeightsUnavailable, clip_weights

from test_clip_weights import TINY_ARCH, hub  # noqa: F401 (a fixture)


# --------------------------------------------------------------------------
# the activation: sources and their descriptions
# --------------------------------------------------------------------------
def test_jit_archives_are_told_from_other_files(tmp_path):
    jit = tmp_path / 'ViT-B-16.pt'
    with zipfile.ZipFile(jit, 'w') as zf:
        zf.writestr('ViT-B-16/constants.pkl', b'')
        zf.writestr('ViT-B-16/data.pkl', b'')
    plain = tmp_path / 'state.pt'
    with zipfile.ZipFile(plain, 'w') as zf:
        zf.writestr('state/data.pkl', b'')
    (tmp_path / 'text.pt').write_text('not a zip')
    assert clip_weights.is_jit_archive(str(jit))
    assert not clip_weights.is_jit_archive(str(plain))
    assert not clip_weights.is_jit_archive(str(tmp_path / 'text.pt'))
    assert not clip_weights.is_jit_archive(str(tmp_path))  # a folder
    assert clip_weights.weights_source('ViT-B-16', str(jit)) == (
        True, f'the OpenAI JIT archive {str(jit)!r}')


def test_metadata_problems_name_both_files(tmp_path):
    weights_file = str(tmp_path / 'w.pt')
    assert clip_weights.read_metadata(weights_file) == {}
    meta = tmp_path / 'w.pt.json'
    meta.write_text('{not json')
    with pytest.raises(ValueError) as info:
        clip_weights.read_metadata(weights_file)
    assert str(info.value).startswith(f'{meta}: not valid JSON (')
    assert str(info.value).endswith(
        f'); it describes the weight file {weights_file!r}.')
    meta.write_text('[1, 2]')
    with pytest.raises(ValueError) as info:
        clip_weights.read_metadata(weights_file)
    assert str(info.value) == (f'{meta}: expected a JSON object describing '
                               f'{weights_file!r}.')


def test_descriptions_of_each_source(tmp_path):
    path = tmp_path / 'w.pt'
    path.write_bytes(b'x')
    assert clip_weights.weights_source('ViT-B-16', None) == (None,
                                                             'random init')
    assert clip_weights.weights_source('ViT-B-16', str(path)) == (
        None, f'{str(path)!r} (no activation in its metadata)')
    (tmp_path / 'w.pt.json').write_text(json.dumps(
        dict(arch='ViT-B-16', quick_gelu=True)))
    assert clip_weights.weights_source('ViT-B-16-quickgelu', str(path)) == (
        True, f"{str(path)!r} (open_clip ViT-B-16/unknown tag, per w.pt.json)")
    (tmp_path / 'w.pt.json').write_text(json.dumps(
        dict(arch='ViT-B-16', pretrained='laion2b', quick_gelu=False)))
    assert clip_weights.weights_source('ViT-B-16', str(path)) == (
        False, f"{str(path)!r} (open_clip ViT-B-16/laion2b, per w.pt.json)")
    (tmp_path / 'w.pt.json').write_text(json.dumps(
        dict(arch='ViT-B-32', pretrained='openai', quick_gelu=True)))
    with pytest.raises(ValueError) as info:
        clip_weights.weights_source('ViT-B-16', str(path))
    assert str(info.value) == (
        f"clip.pretrained={str(path)!r} holds 'ViT-B-32' weights (see "
        f"{path}.json), but clip.arch='ViT-B-16'. Set clip.arch='ViT-B-32'.")
    assert clip_weights.weights_source('ViT-B-16', 'openai') == (
        True, 'the open_clip tag ViT-B-16/openai')
    assert clip_weights.weights_source('ViT-B-32', 'laion2b_s34b_b79k') == (
        False, 'the open_clip tag ViT-B-32/laion2b_s34b_b79k')
    assert clip_weights.weights_source('ViT-B-16', 'no-such-tag') == (
        None, "'no-such-tag'")
    assert clip_weights.activation_name(True) == 'QuickGELU'
    assert clip_weights.activation_name(False) == 'GELU'


def test_contradiction_message_in_full():
    with pytest.raises(ValueError) as info:
        clip_weights.choose_quick_gelu('ViT-B-16', 'openai', False)
    assert str(info.value) == (
        "model.clip.quick_gelu=False contradicts the weights: "
        "clip.arch='ViT-B-16' with clip.pretrained='openai' was trained "
        'with QuickGELU (the open_clip tag ViT-B-16/openai). Remove '
        'clip.quick_gelu (the activation then follows the weights) or set '
        'clip.quick_gelu=True.')
    assert clip_weights.choose_quick_gelu('ViT-B-16', None) is False
    assert clip_weights.choose_quick_gelu('ViT-B-16-quickgelu', None,
                                          True) is True
    with pytest.raises(ValueError) as info:
        clip_weights.choose_quick_gelu('ViT-B-16', None, 1)
    assert str(info.value) == ('model.clip.quick_gelu must be None, True or '
                               'False, got 1.')


# --------------------------------------------------------------------------
# caches, offline, files of a hub repo
# --------------------------------------------------------------------------
def test_hub_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    for key in ('HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HOME',
                'XDG_CACHE_HOME'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('HOME', str(tmp_path))
    assert clip_weights.hub_cache_dir() == \
        f'{tmp_path}/.cache/huggingface/hub'
    assert clip_weights.url_cache_dir() == f'{tmp_path}/.cache/clip'
    monkeypatch.setenv('XDG_CACHE_HOME', '/xdg')
    assert clip_weights.hub_cache_dir() == '/xdg/huggingface/hub'
    monkeypatch.setenv('HF_HOME', '~/hf')
    assert clip_weights.hub_cache_dir() == f'{tmp_path}/hf/hub'
    monkeypatch.setenv('HUGGINGFACE_HUB_CACHE', '~/old')
    assert clip_weights.hub_cache_dir() == f'{tmp_path}/old'
    monkeypatch.setenv('HF_HUB_CACHE', '')  # empty: not set
    assert clip_weights.hub_cache_dir() == f'{tmp_path}/old'
    monkeypatch.setenv('HF_HUB_CACHE', '~/new')
    assert clip_weights.hub_cache_dir() == f'{tmp_path}/new'


@pytest.mark.parametrize('value, offline', [
    ('1', True), ('ON', True), ('yes', True), (' true ', True),
    ('', False), ('0', False), ('off', False), ('no', False)])
def test_offline_values(monkeypatch, value, offline):
    monkeypatch.setenv('HF_HUB_OFFLINE', value)
    assert clip_weights.hub_offline() is offline


def test_offline_when_unset(monkeypatch):
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    assert clip_weights.hub_offline() is False


@pytest.mark.parametrize('hf_hub, files', [
    ('org/repo/', ['open_clip_model.safetensors',
                   'open_clip_pytorch_model.bin']),
    ('org/repo', ['repo']),
    ('org/repo/model.bin', ['model.safetensors', 'model.bin']),
    ('org/repo/model.pth', ['model.safetensors', 'model.pth']),
    ('org/repo/model.safetensors', ['model.safetensors']),
])
def test_files_looked_for_in_a_hub_repo(hf_hub, files):
    repo_id, names = clip_weights._hub_files(hf_hub)
    assert names == files
    assert repo_id == hf_hub.rsplit('/', 1)[0]


def test_url_tags_use_the_clip_cache(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    cfg = dict(url='https://example.org/w/ViT-X.pt', hf_hub='')
    folder = tmp_path / '.cache' / 'clip'
    assert clip_weights.cached_tag_file(cfg) == (None, str(folder))
    folder.mkdir(parents=True)
    (folder / 'ViT-X.pt').write_bytes(b'x')
    assert clip_weights.cached_tag_file(cfg) == (str(folder / 'ViT-X.pt'),
                                                 str(folder))
    assert clip_weights._endpoint(cfg) == 'https://example.org/w/ViT-X.pt'


def test_hub_endpoint(monkeypatch):
    cfg = dict(url='', hf_hub='org/repo/')
    monkeypatch.delenv('HF_ENDPOINT', raising=False)
    assert clip_weights._endpoint(cfg) == 'https://huggingface.co'
    monkeypatch.setenv('HF_ENDPOINT', 'https://mirror.example')
    assert clip_weights._endpoint(cfg) == 'https://mirror.example'


def test_probe_names_host_and_default_port(monkeypatch):
    import urllib.error
    import urllib.request
    seen = []

    def answer(request, timeout):
        seen.append((request.get_method(), request.full_url, timeout))
        raise urllib.error.HTTPError(request.full_url, 407,
                                     'Proxy Authentication Required', {},
                                     None)
    monkeypatch.setattr(urllib.request, 'urlopen', answer)
    assert clip_weights.probe('http://hub.example/x', timeout=1) == \
        'hub.example:80 HTTP 407 Proxy Authentication Required'
    assert clip_weights.probe('https://hub.example') == \
        'hub.example:443 HTTP 407 Proxy Authentication Required'
    assert seen == [('HEAD', 'http://hub.example/x', 1),
                    ('HEAD', 'https://hub.example', 3.0)]

    def refuse(request, timeout):
        raise urllib.error.URLError(ConnectionRefusedError('refused'))
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)
    assert clip_weights.probe('https://hub.example:8443') == \
        'hub.example:8443 ConnectionRefusedError: refused'

    def down(request, timeout):
        raise OSError('network down')
    monkeypatch.setattr(urllib.request, 'urlopen', down)
    assert clip_weights.probe('https://hub.example') == \
        'hub.example:443 OSError: network down'

    def fine(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 405, 'Not Allowed',
                                     {}, None)
    monkeypatch.setattr(urllib.request, 'urlopen', fine)
    assert clip_weights.probe('https://hub.example') is None


# --------------------------------------------------------------------------
# resolving a tag
# --------------------------------------------------------------------------
def test_unknown_tag(hub):
    with pytest.raises(ValueError) as info:
        clip_weights.resolve_tag_file(TINY_ARCH, 'nosuch')
    assert str(info.value) == ("clip.pretrained='nosuch' is not a pretrained "
                               f"tag of {TINY_ARCH!r}.")


def test_unavailable_message_in_full(hub, monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(ClipWeightsUnavailable) as info:
        clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai')
    folder = hub['cache'] / 'models--test-org--vlp-tiny-openai'
    assert str(info.value) == (
        f"clip.pretrained='fakeopenai' (clip.arch={TINY_ARCH!r}): the "
        f'weights are not in the local cache {folder} and cannot be '
        'downloaded: HF_HUB_OFFLINE is set. Either fetch them on a machine '
        'with internet (e.g. a login node) with `python tools/fetch_clip.py '
        f'{TINY_ARCH} fakeopenai --out DIR` and set the printed '
        'clip.pretrained=<local file> (any local open_clip state dict or '
        f"OpenAI JIT .pt works too), or fill the cache {hub['cache']} "
        '(HF_HUB_CACHE) from a connected machine.')


def test_download_outcomes(hub, monkeypatch, tmp_path):
    monkeypatch.setattr(clip_weights, 'probe', lambda *a, **k: None)
    asked = []

    def download(cfg, cache_dir=None):
        asked.append(cache_dir)
        return result
    monkeypatch.setattr(open_clip.pretrained, 'download_pretrained',
                        download)
    folder = hub['cache'] / 'models--test-org--vlp-tiny-openai'
    for result in ('', str(tmp_path / 'missing.bin')):
        with pytest.raises(ClipWeightsUnavailable) as info:
            clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai')
        assert str(info.value).startswith(
            f"clip.pretrained='fakeopenai' (clip.arch={TINY_ARCH!r}): the "
            f'weights are not in the local cache {folder} and cannot')
        assert str(info.value).endswith(
            'cannot be downloaded: open_clip returned no file. Either fetch '
            'them on a machine with internet (e.g. a login node) with '
            f'`python tools/fetch_clip.py {TINY_ARCH} fakeopenai --out DIR` '
            'and set the printed clip.pretrained=<local file> (any local '
            'open_clip state dict or OpenAI JIT .pt works too), or fill the '
            f"cache {hub['cache']} (HF_HUB_CACHE) from a connected machine.")
    result = tmp_path / 'w.bin'
    result.write_bytes(b'x')
    result = str(result)
    assert clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai') == result
    assert asked == [str(hub['cache'])] * 3


def test_download_failure_is_explained(hub, monkeypatch):
    monkeypatch.setattr(clip_weights, 'probe', lambda *a, **k: None)
    with pytest.raises(ClipWeightsUnavailable) as info:
        clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai')
    folder = hub['cache'] / 'models--test-org--vlp-tiny-openai'
    assert str(info.value).startswith(
        f"clip.pretrained='fakeopenai' (clip.arch={TINY_ARCH!r}): the "
        f'weights are not in the local cache {folder} and cannot be '
        'downloaded: ConnectionError: downloads are disabled in this test. '
        'Either')
    assert isinstance(info.value.__cause__, ConnectionError)


def test_unreachable_reason_is_the_probes(hub, monkeypatch):
    monkeypatch.setattr(clip_weights, 'probe',
                        lambda url: f'{url} said no')
    with pytest.raises(ClipWeightsUnavailable) as info:
        clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai')
    assert 'cannot be downloaded: https://huggingface.co said no. ' in \
        str(info.value)
    assert hub['calls'] == []


# --------------------------------------------------------------------------
# rank 0 first, with a stand-in for torch.distributed
# --------------------------------------------------------------------------
class _FakeDist:
    """One rank's view of a 2-rank group; broadcasts deliver rank 0's
    status (given in advance to the other rank)."""

    def __init__(self, rank, world=2, from_rank0=None):
        self.rank, self.world, self.from_rank0 = rank, world, from_rank0
        self.sent = []

    def is_available(self):
        return True

    def is_initialized(self):
        return True

    def get_world_size(self):
        return self.world

    def get_rank(self):
        return self.rank

    def broadcast_object_list(self, objects, src):
        assert src == 0
        if self.rank == 0:
            self.sent.append(list(objects))
        else:
            objects[0] = self.from_rank0


def _with_dist(monkeypatch, fake):
    import torch.distributed as dist
    for name in ('is_available', 'is_initialized', 'get_world_size',
                 'get_rank', 'broadcast_object_list'):
        monkeypatch.setattr(dist, name, getattr(fake, name))


def test_rank_zero_runs_first_and_passes_on_its_failure(monkeypatch):
    calls = []

    def ok():
        calls.append('ok')
        return 'file'

    def fail():
        calls.append('fail')
        raise OSError('disk full')

    rank0 = _FakeDist(0)
    _with_dist(monkeypatch, rank0)
    assert clip_weights.rank_zero_first(ok, 'the weights') == 'file'
    with pytest.raises(OSError, match='disk full'):
        clip_weights.rank_zero_first(fail, 'the weights')
    assert rank0.sent == [[None], ['OSError: disk full']]
    # rank 1 after rank 0 succeeded: runs fn itself (reads the cache)
    _with_dist(monkeypatch, _FakeDist(1, from_rank0=None))
    assert clip_weights.rank_zero_first(ok, 'the weights') == 'file'
    # rank 1 after rank 0 failed: fails at once, without trying
    calls.clear()
    _with_dist(monkeypatch, _FakeDist(1, from_rank0='OSError: disk full'))
    with pytest.raises(ClipWeightsUnavailable) as info:
        clip_weights.rank_zero_first(ok, 'the weights x/y')
    assert str(info.value) == ('rank 0 could not get the weights x/y: '
                               'OSError: disk full')
    assert calls == []
    # one process in the group: just fn
    single = _FakeDist(0, world=1)
    _with_dist(monkeypatch, single)
    assert clip_weights.rank_zero_first(ok, 'w') == 'file'
    assert single.sent == []


def test_a_hanging_probe_does_not_hold_the_interpreter(monkeypatch):
    """The abandoned request runs in a daemon thread: exiting Python does
    not wait for it."""
    import threading
    import urllib.request
    release = threading.Event()

    def hang(request, timeout):
        release.wait(5)
        raise OSError('late')
    monkeypatch.setattr(urllib.request, 'urlopen', hang)
    before = set(threading.enumerate())
    try:
        assert clip_weights.probe('https://hub.example', timeout=0.05) == \
            'hub.example:443 timed out'
        left = [t for t in threading.enumerate()
                if t not in before and t.is_alive()]
        assert left and all(t.daemon for t in left)
    finally:
        release.set()


def test_without_huggingface_hub_tags_use_their_url(monkeypatch, tmp_path):
    import sys
    assert clip_weights._has_hub()
    monkeypatch.setitem(sys.modules, 'huggingface_hub', None)
    assert not clip_weights._has_hub()
    monkeypatch.setenv('HOME', str(tmp_path))
    cfg = dict(url='https://example.org/w/ViT-X.pt', hf_hub='org/repo/')
    assert clip_weights._endpoint(cfg) == cfg['url']
    assert clip_weights.cached_tag_file(cfg) == (
        None, str(tmp_path / '.cache' / 'clip'))


def test_url_tags_download_into_open_clips_own_cache(hub, monkeypatch,
                                                     tmp_path):
    monkeypatch.setitem(open_clip.pretrained._PRETRAINED, TINY_ARCH, {
        'urltag': dict(url='https://example.org/w/vlp.pt', hf_hub='')})
    monkeypatch.setattr(clip_weights, 'probe', lambda *a, **k: None)
    target = tmp_path / 'vlp.pt'
    target.write_bytes(b'x')
    asked = []

    def download(cfg, cache_dir=None):
        asked.append(cache_dir)
        return str(target)
    monkeypatch.setattr(open_clip.pretrained, 'download_pretrained',
                        download)
    assert clip_weights.resolve_tag_file(TINY_ARCH, 'urltag') == str(target)
    assert asked == [None]


def test_other_ranks_name_the_weights_rank_zero_failed_on(hub, monkeypatch):
    _with_dist(monkeypatch, _FakeDist(1, from_rank0='OSError: disk full'))
    with pytest.raises(ClipWeightsUnavailable) as info:
        clip_weights.resolve_tag_file(TINY_ARCH, 'fakeopenai')
    assert str(info.value) == (f'rank 0 could not get the weights '
                               f'{TINY_ARCH}/fakeopenai: OSError: disk full')
