"""--compile (MMEngine's compile key) gives the eager step's numbers, and the
stacked per-layer mappings load checkpoints saved one Linear per layer."""
import importlib.util

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from conftest import REPO, tiny_model_cfg
from mmvlprompt.engine import (apply_compile, compile_function,
                               compile_options)
from mmvlprompt.models.necks.layerwise_linear import LayerwiseLinear

NECK = dict(type='VLPromptLearner', num_text_tokens=6, num_vision_tokens=6,
            depth_text=2, depth_vision=2, mapping_init='default')
CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def _loss_and_grads(model, loss_fn):
    gen = torch.Generator().manual_seed(0)
    frames = torch.randn(2, 4, 3, 32, 32, generator=gen)
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 1)]
    loss = sum(loss_fn(frames, samples).values())
    loss.backward()
    grads = [p.grad.clone() for p in model.neck.parameters()]
    model.zero_grad(set_to_none=True)
    return loss.detach(), grads


def test_compiled_loss_equals_eager(tiny_clip_path):
    """torch.compile of the model's loss (aot_eager: the graph capture and
    autograd tracing of the inductor path, without C++ code generation)
    gives the eager loss and prompt gradients."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=dict(NECK)))
    eager = _loss_and_grads(model, model.loss)
    compiled = compile_function(model.loss, dict(backend='aot_eager'))
    for _ in range(2):  # a second call reuses the graph
        loss, grads = _loss_and_grads(model, compiled)
        torch.testing.assert_close(loss, eager[0], rtol=1e-5, atol=1e-6)
        for a, b in zip(grads, eager[1]):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_compile_key_and_flag():
    """--compile turns MMEngine's key on; a dict from --cfg-options is
    kept; a bad value names the key."""
    cfg = Config.fromfile(str(REPO / CONFIG))
    assert apply_compile(cfg, False) is None and compile_options(cfg) is None
    assert apply_compile(cfg, True).startswith('--compile')
    assert compile_options(cfg) == {}
    cfg.compile = dict(backend='aot_eager')
    apply_compile(cfg, True)
    assert compile_options(cfg) == dict(backend='aot_eager')
    cfg.compile = 'yes'
    with pytest.raises(ValueError, match='compile='):
        compile_options(cfg)


def test_tools_pass_compile_to_mmengine_and_the_test_step():
    """train.py and test.py --compile set MMEngine's compile key (MMEngine
    then compiles train_step); test.py also compiles val/test_step."""
    from types import SimpleNamespace

    from mmvlprompt.engine import compile_test_step
    for name in ('train', 'test'):
        spec = importlib.util.spec_from_file_location(
            f'{name}_compile', REPO / 'tools' / f'{name}.py')
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        argv = [str(REPO / CONFIG), '--compile']
        if name == 'test':
            argv.insert(1, 'none')
        cfg = tool.load_config(tool.parse_args(argv))
        assert cfg.compile is True, name

    def step(batch):
        return batch

    runner = SimpleNamespace(cfg=Config(dict(compile=dict(backend='eager'))),
                             model=SimpleNamespace(val_step=step,
                                                   test_step=step))
    compile_test_step(runner)
    assert runner.model.test_step is not step
    assert runner.model.test_step(3) == 3
    plain = SimpleNamespace(cfg=Config(dict()), model=SimpleNamespace(
        val_step=step, test_step=step))
    compile_test_step(plain)
    assert plain.model.test_step is step


def test_layerwise_linear_matches_per_layer_linears_and_loads_them():
    """Layer l maps like nn.Linear l; a state dict with one Linear per layer
    (checkpoints before the stacking) loads into the stacked module."""
    torch.manual_seed(0)
    old = torch.nn.ModuleList([torch.nn.Linear(4, 3) for _ in range(2)])
    torch.manual_seed(0)
    new = LayerwiseLinear(2, 4, 3, init='default')
    for layer in range(2):  # same draws, layer by layer
        assert torch.equal(new[layer].weight, old[layer].weight)
    with torch.no_grad():
        for m in old:
            m.weight.normal_()
            m.bias.normal_()
    new.load_state_dict(old.state_dict())
    x = torch.randn(2, 5, 4)
    expected = torch.stack([old[layer](x[layer]) for layer in range(2)])
    torch.testing.assert_close(new(x), expected)
    assert sorted(new.state_dict()) == ['bias', 'weight']
    assert len(new) == 2 and len(LayerwiseLinear(0, 4, 3)) == 0
    assert list(LayerwiseLinear(0, 4, 3).parameters()) == []
    assert torch.equal(LayerwiseLinear(2, 4, 3).weight,
                       torch.zeros(2, 3, 4))  # init='zeros'
