"""Tests for :func:`mmvlprompt.models.utils.build_clip` (offline, CPU).

Weight files are generated locally: an open_clip state dict (conftest's
``tiny_clip_path``) and OpenAI-style TorchScript archives traced from the tiny
architecture. Hub downloads are patched out and sockets are blocked.
"""
import json
import os
import re
import socket
import zipfile

import open_clip
import pytest
import torch
from open_clip.transformer import QuickGELU, VisionTransformer
from torch import nn

from conftest import TINY_ARCH
from mmvlprompt.models.utils import (add_clip_config, build_clip,
                                     register_clip_configs)


def _assert_same_state(actual: dict, expected: dict):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        assert actual[key].dtype == value.dtype, key
        assert torch.equal(actual[key], value), key


def _tiny_cfg(**vision) -> dict:
    vision_cfg = dict(image_size=32, layers=1, width=16, head_width=8,
                      patch_size=16)
    vision_cfg.update(vision)
    return dict(
        embed_dim=16, vision_cfg=vision_cfg,
        text_cfg=dict(context_length=77, vocab_size=49408, width=16, heads=2,
                      layers=1))


@pytest.fixture
def custom_arch(monkeypatch):
    """Yield a registration helper whose configs are removed afterwards."""
    from open_clip import factory
    register_clip_configs()  # any rescan happens now, not mid-test

    def register(name, cfg):
        monkeypatch.setitem(factory._MODEL_CONFIGS, name, None)
        add_clip_config(name, cfg)
        return name

    return register


# --------------------------------------------------------------------------
# random init and local state dicts
# --------------------------------------------------------------------------
def test_random_init_is_deterministic_per_seed():
    """Same seed -> identical weights; another seed -> different weights."""
    a = build_clip(TINY_ARCH, None, seed=0).state_dict()
    b = build_clip(TINY_ARCH, None, seed=0).state_dict()
    c = build_clip(TINY_ARCH, None, seed=1).state_dict()
    _assert_same_state(a, b)
    assert any(not torch.equal(a[k], c[k]) for k in a)
    assert not torch.equal(a['visual.conv1.weight'], c['visual.conv1.weight'])


def test_random_init_does_not_touch_global_rng():
    """Seeded random init forks the RNG: the caller's stream is unchanged."""
    torch.manual_seed(42)
    expected = torch.rand(3)
    torch.manual_seed(42)
    build_clip(TINY_ARCH, None, seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_random_init_model_properties():
    """The model is an fp32 open_clip CLIP in eval mode with plain GELU."""
    model = build_clip(TINY_ARCH, None)
    assert isinstance(model, open_clip.CLIP)
    assert not model.training
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert isinstance(model.visual, VisionTransformer)
    assert len(model.visual.transformer.resblocks) == 3
    assert len(model.transformer.resblocks) == 3
    assert type(model.transformer.resblocks[0].mlp.gelu) is nn.GELU


def test_local_state_dict_is_loaded_exactly(tiny_clip_path):
    """A local open_clip state dict is loaded tensor-for-tensor."""
    saved = torch.load(tiny_clip_path, map_location='cpu')
    model = build_clip(TINY_ARCH, tiny_clip_path)
    _assert_same_state(model.state_dict(), saved)
    # Not a JIT archive: the default GELU is kept.
    assert type(model.transformer.resblocks[0].mlp.gelu) is nn.GELU
    # The seed only matters for random init.
    other = build_clip(TINY_ARCH, tiny_clip_path, seed=99)
    _assert_same_state(other.state_dict(), saved)


def test_local_state_dict_under_state_dict_key(tiny_clip_path, tmp_path):
    """A checkpoint with a 'state_dict' key (and 'module.' prefix) loads."""
    saved = torch.load(tiny_clip_path, map_location='cpu')
    path = tmp_path / 'wrapped.pt'
    torch.save({'epoch': 3, 'state_dict': {
        'module.' + k: v for k, v in saved.items()}}, path)
    model = build_clip(TINY_ARCH, str(path))
    _assert_same_state(model.state_dict(), saved)


# --------------------------------------------------------------------------
# OpenAI-style TorchScript archives
# --------------------------------------------------------------------------
def _trace(model: nn.Module, path, image, text):
    traced = torch.jit.trace_module(
        model,
        inputs=dict(forward=(image, text), encode_text=(text,),
                    encode_image=(image,)),
        check_trace=False)
    torch.jit.save(traced, str(path))
    return traced


@pytest.fixture(scope='module')
def jit_archives(tmp_path_factory):
    """Trace a QuickGELU tiny CLIP like OpenAI's releases (fp32 and fp16).

    OpenAI's models keep ``attn_mask`` as a plain tensor attribute (traced into
    constants) and carry an ``input_resolution`` entry in the state dict; the
    released archives hold fp16 weights.
    """
    register_clip_configs()
    root = tmp_path_factory.mktemp('jit')
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        ref = open_clip.create_model(TINY_ARCH, force_quick_gelu=True).eval()
        image = torch.randn(2, 3, 32, 32)
        text = torch.randint(1, 49407, (2, 77))
    ref_state = {k: v.clone() for k, v in ref.state_dict().items()}
    with torch.no_grad():
        ref_image = ref.encode_image(image)
        ref_text = ref.encode_text(text)

    openai_like = open_clip.create_model(TINY_ARCH, force_quick_gelu=True)
    openai_like.load_state_dict(ref_state)
    openai_like.eval()
    mask = openai_like.attn_mask
    del openai_like._buffers['attn_mask']
    openai_like.attn_mask = mask  # plain attribute, as in OpenAI's model
    openai_like.register_buffer('input_resolution', torch.tensor(32))
    fp32_path = root / 'openai-fp32.pt'
    traced = _trace(openai_like, fp32_path, image, text)
    with torch.no_grad():
        traced_image = traced.encode_image(image)
        traced_text = traced.encode_text(text)
    fp16_path = root / 'openai-fp16.pt'
    traced.half()
    torch.jit.save(traced, str(fp16_path))
    return dict(fp32=str(fp32_path), fp16=str(fp16_path), ref=ref_state,
                image=image, text=text, ref_image=ref_image,
                ref_text=ref_text, traced_image=traced_image,
                traced_text=traced_text)


def test_jit_archive_fixture_is_a_torchscript_zip(jit_archives):
    """The generated archive has constants.pkl; a torch.save file has not."""
    with zipfile.ZipFile(jit_archives['fp32']) as zf:
        assert any(n.endswith('/constants.pkl') for n in zf.namelist())
    sd = torch.jit.load(jit_archives['fp32']).state_dict()
    assert 'input_resolution' in sd and 'attn_mask' not in sd
    torch.testing.assert_close(jit_archives['traced_image'],
                               jit_archives['ref_image'])


def test_jit_archive_loads_weights_and_forces_quick_gelu(
        jit_archives, tiny_clip_path):
    """A JIT archive loads the same weights, with QuickGELU in both towers."""
    model = build_clip(TINY_ARCH, jit_archives['fp32'])
    _assert_same_state(model.state_dict(), jit_archives['ref'])
    assert isinstance(model.transformer.resblocks[0].mlp.gelu, QuickGELU)
    assert isinstance(model.visual.transformer.resblocks[0].mlp.gelu,
                      QuickGELU)
    assert not model.training
    with torch.no_grad():
        image = model.encode_image(jit_archives['image'])
        text = model.encode_text(jit_archives['text'])
    # Same function as the traced graph (QuickGELU, same weights).
    torch.testing.assert_close(image, jit_archives['traced_image'],
                               atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(text, jit_archives['traced_text'],
                               atol=1e-5, rtol=1e-5)
    # A GELU model with the same weights computes something else.
    gelu = build_clip(TINY_ARCH, None)
    gelu.load_state_dict(jit_archives['ref'])
    with torch.no_grad():
        assert not torch.allclose(gelu.encode_image(jit_archives['image']),
                                  image, atol=1e-5)


def test_fp16_jit_archive_is_loaded_as_fp32(jit_archives):
    """fp16 weights in a JIT archive (as OpenAI ships) load as fp32 values."""
    model = build_clip(TINY_ARCH, jit_archives['fp16'])
    expected = {k: v.half().float() if v.is_floating_point() else v
                for k, v in jit_archives['ref'].items()}
    _assert_same_state(model.state_dict(), expected)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert isinstance(model.transformer.resblocks[0].mlp.gelu, QuickGELU)


def test_jit_archive_with_missing_layers_is_rejected(jit_archives,
                                                    custom_arch):
    """A JIT archive lacking keys of the arch names clip.pretrained."""
    cfg = json.loads(json.dumps(open_clip.get_model_config(TINY_ARCH)))
    cfg['vision_cfg']['layers'] = 4  # one block more than the archive
    name = custom_arch('vlp-test-jit-deeper', cfg)
    with pytest.raises(RuntimeError) as info:
        build_clip(name, jit_archives['fp32'])
    msg = str(info.value)
    assert 'clip.pretrained' in msg and jit_archives['fp32'] in msg
    assert 'visual.transformer.resblocks.3' in msg


def test_jit_archive_with_other_shapes_is_rejected(jit_archives,
                                                   custom_arch):
    """A JIT archive whose tensor shapes differ from the arch raises."""
    name = custom_arch('vlp-test-jit-mismatch', _tiny_cfg())
    with pytest.raises(RuntimeError, match='size mismatch'):
        build_clip(name, jit_archives['fp32'])


def test_jit_archive_shape_mismatch_names_the_file(jit_archives,
                                                   custom_arch):
    """A shape-mismatched JIT archive error names clip.pretrained and path."""
    name = custom_arch('vlp-test-jit-mismatch', _tiny_cfg())
    with pytest.raises(RuntimeError) as info:
        build_clip(name, jit_archives['fp32'])
    msg = str(info.value)
    assert 'clip.pretrained' in msg and jit_archives['fp32'] in msg


class _Touch:
    """Unpickles as os.system('touch MARKER')."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


@pytest.mark.parametrize('member', ['data.pkl', 'constants.pkl'])
def test_jit_route_refuses_code_like_the_other_routes(tmp_path, member):
    """A TorchScript-looking zip whose pickle calls os.system is refused
    with the shared UnsafeCheckpointError message, naming file and global."""
    import pickle
    from mmvlprompt.compat import UnsafeCheckpointError
    marker = tmp_path / 'pwned'
    path = tmp_path / 'ViT-B-16.pt'
    members = {'data.pkl': pickle.dumps({}, protocol=2),
               'constants.pkl': pickle.dumps((), protocol=2)}
    members[member] = pickle.dumps(_Touch(marker), protocol=2)
    with zipfile.ZipFile(path, 'w') as zf:
        for name, payload in members.items():
            zf.writestr(f'archive/{name}', payload)
        zf.writestr('archive/version', '3\n')
    with pytest.raises(UnsafeCheckpointError) as info:
        build_clip(TINY_ARCH, str(path))
    msg = str(info.value)
    assert 'Refused to load checkpoint' in msg and str(path) in msg
    assert 'for safety' in msg and '`posix.system`' in msg
    assert 'weights_only' not in msg
    assert not marker.exists()


def test_damaged_jit_archive_names_the_file(jit_archives, tmp_path):
    """A JIT archive with a cut-off data.pkl fails naming the file."""
    from mmvlprompt.compat import UnsafeCheckpointError
    path = tmp_path / 'cut.pt'
    with zipfile.ZipFile(jit_archives['fp32']) as src, \
            zipfile.ZipFile(path, 'w') as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith('/data.pkl'):
                data = data[:len(data) // 2]
            dst.writestr(info, data)
    with pytest.raises(UnsafeCheckpointError) as info:
        build_clip(TINY_ARCH, str(path))
    assert str(path) in str(info.value)
    assert 'could not read it' in str(info.value)


def test_open_clip_traced_archive_loads(jit_archives, tmp_path):
    """A model traced by open_clip (attn_mask as a buffer) also loads."""
    model = open_clip.create_model(TINY_ARCH, force_quick_gelu=True)
    model.load_state_dict(jit_archives['ref'])
    model.eval()
    path = tmp_path / 'open_clip-traced.pt'
    _trace(model, path, jit_archives['image'], jit_archives['text'])
    loaded = build_clip(TINY_ARCH, str(path))
    _assert_same_state(loaded.state_dict(), jit_archives['ref'])


# --------------------------------------------------------------------------
# error messages
# --------------------------------------------------------------------------
def test_unknown_arch_message():
    """An unknown arch: ValueError naming it and open_clip.list_models."""
    with pytest.raises(ValueError) as info:
        build_clip('ViT-Nope-99')
    msg = str(info.value)
    assert "'ViT-Nope-99'" in msg
    assert 'open_clip.list_models' in msg


@pytest.mark.parametrize('path', ['/nope/weights.pt', 'weights.safetensors',
                                  'missing/dir'])
def test_missing_weight_file_message(path):
    """A path-like value that does not exist raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError) as info:
        build_clip(TINY_ARCH, path)
    assert repr(path) in str(info.value)


def test_unknown_tag_lists_known_tags():
    """An unknown tag raises ValueError listing the arch's known tags."""
    with pytest.raises(ValueError) as info:
        build_clip('ViT-B-32', 'not-a-tag')
    msg = str(info.value)
    assert "'not-a-tag'" in msg
    for tag in open_clip.list_pretrained_tags_by_model('ViT-B-32'):
        assert tag in msg
    assert 'openai' in msg


@pytest.fixture
def no_network(monkeypatch):
    """Block every socket connection and force the HF hub offline."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setenv('TRANSFORMERS_OFFLINE', '1')

    def refuse(*args, **kwargs):
        raise OSError('network disabled in tests')

    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket.socket, 'connect_ex', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(socket, 'getaddrinfo', refuse)


def test_hub_tag_offline_fails_without_download(monkeypatch, no_network,
                                               tmp_path):
    """Offline with an empty cache: a RuntimeError pointing at a local path
    and tools/fetch_clip.py, and no download attempt at all.
    (More in tests/test_clip_weights.py.)"""
    from open_clip import factory, pretrained
    calls = []

    def fail(*args, **kwargs):
        calls.append(args)
        raise ConnectionError('no route to host')

    monkeypatch.setenv('HF_HUB_CACHE', str(tmp_path))
    monkeypatch.setenv('HOME', str(tmp_path))
    for module, name in [(factory, 'download_pretrained'),
                         (pretrained, 'download_pretrained'),
                         (factory, 'download_pretrained_from_hf'),
                         (pretrained, 'download_pretrained_from_hf'),
                         (pretrained, 'download_pretrained_from_url')]:
        monkeypatch.setattr(module, name, fail)

    with pytest.raises(RuntimeError) as info:
        build_clip('ViT-B-32', 'openai')
    msg = str(info.value)
    assert 'clip.pretrained=<local file>' in msg
    assert 'tools/fetch_clip.py ViT-B-32 openai' in msg
    assert "'ViT-B-32'" in msg and "'openai'" in msg
    assert str(tmp_path) in msg  # the cache folder
    assert calls == []


# --------------------------------------------------------------------------
# custom and unsupported architectures
# --------------------------------------------------------------------------
def test_add_clip_config_registers_buildable_arch(custom_arch):
    """add_clip_config makes a new arch buildable with the configured sizes."""
    cfg = _tiny_cfg(layers=1)
    cfg['text_cfg']['layers'] = 2
    name = custom_arch('vlp-test-custom', cfg)
    cfg['vision_cfg']['layers'] = 5  # the registry keeps its own copy
    assert name in open_clip.list_models()
    model = build_clip(name, None, seed=0)
    assert isinstance(model.visual, VisionTransformer)
    assert len(model.visual.transformer.resblocks) == 1
    assert len(model.transformer.resblocks) == 2
    assert model.visual.transformer.width == 16
    assert tuple(model.visual.proj.shape) == (16, 16)
    assert tuple(model.text_projection.shape) == (16, 16)
    assert model.visual.grid_size == (2, 2)
    with torch.no_grad():
        feats = model.encode_image(torch.randn(2, 3, 32, 32))
    assert feats.shape == (2, 16)


def test_resnet_image_tower_is_rejected(custom_arch):
    """A ModifiedResNet image tower raises TypeError mentioning ViT."""
    name = custom_arch('vlp-test-rn', _tiny_cfg(layers=[1, 1, 1, 1],
                                                head_width=16))
    with pytest.raises(TypeError) as info:
        build_clip(name)
    msg = str(info.value)
    assert 'ViT' in msg and 'ModifiedResNet' in msg and repr(name) in msg


@pytest.mark.parametrize('vision, text, needle', [
    (dict(pool_type='avg'), {}, '[CLS]-token pooling'),
    (dict(attentional_pool=True), {}, '[CLS]-token pooling'),
    ({}, dict(pool_type='last'), 'argmax'),
])
def test_unsupported_pooling_is_rejected(custom_arch, vision, text, needle):
    """Non-CLS image pooling or non-argmax text pooling raises TypeError."""
    cfg = _tiny_cfg(**vision)
    cfg['text_cfg'].update(text)
    name = custom_arch('vlp-test-pool', cfg)
    with pytest.raises(TypeError, match=re.escape(needle)):
        build_clip(name)
