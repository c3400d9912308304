"""The initial prompts come from the neck's own generator, seeded by the
run's seed (issue 22 item 3): nothing drawn from the global RNG before the
neck is built, and no way of loading CLIP, can move them."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner import Runner

from conftest import tiny_model_cfg
from mmvlprompt.models.necks.layerwise_linear import LayerwiseLinear

NECK = dict(type='VLPromptLearner', num_text_tokens=3, num_vision_tokens=3,
            depth_text=2, depth_vision=2, mapping='both',
            mapping_init='default', ctx_init='')


def _neck_state(model):
    return {k: v.detach().clone() for k, v in model.neck.state_dict().items()}


def _build(seed, clip_path=None, draws_before=0, **neck):
    torch.manual_seed(seed)
    torch.randn(draws_before)  # a different amount of earlier global draws
    cfg = tiny_model_cfg(clip_path, neck=dict(NECK, **neck))
    return MODELS.build(cfg)


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_initial_prompts_depend_on_the_seed_alone(tiny_clip_path):
    reference = _neck_state(_build(7))  # random-init CLIP
    # CLIP loaded from a file instead, after 1,000 other global draws
    _assert_same(reference, _neck_state(_build(7, tiny_clip_path, 1000)))
    # and the draws are exactly the generator's, in the declared order
    g = torch.Generator().manual_seed(7)
    text = torch.randn(reference['text_prompts'].shape, generator=g) * 0.02
    vision = torch.randn(reference['vision_prompts'].shape, generator=g) * .02
    # the context is random-init here (ctx_init=''): nothing overwritten
    assert torch.equal(reference['text_prompts'], text)
    assert torch.equal(reference['vision_prompts'], vision)
    mapping = LayerwiseLinear(2, text.shape[-1], vision.shape[-1], 'default',
                              generator=g)
    assert torch.equal(reference['text_to_vision.weight'], mapping.weight)
    assert torch.equal(reference['text_to_vision.bias'], mapping.bias)
    assert reference['vision_to_text.weight'].abs().sum() > 0


def test_seeds_differ_and_init_seed_overrides_the_run_seed():
    seed7 = _neck_state(_build(7))
    seed8 = _neck_state(_build(8))
    for key in seed7:
        assert not torch.equal(seed7[key], seed8[key]), key
    _assert_same(seed7, _neck_state(_build(8, init_seed=7)))


def test_runner_seed_reaches_the_prompts(tmp_path):
    """``randomness.seed`` (what ``tools/train.py --seed`` sets) seeds the
    prompt generator when the runner builds the model."""
    cfg = tiny_model_cfg(None, neck=dict(NECK))
    runner = Runner(model=cfg, work_dir=str(tmp_path),
                    randomness=dict(seed=5), default_scope='mmaction')
    torch.manual_seed(123)
    expected = _neck_state(MODELS.build(
        tiny_model_cfg(None, neck=dict(NECK, init_seed=5))))
    _assert_same(expected, _neck_state(runner.model))


@pytest.mark.parametrize('bad', [-1, 1.5, '3', True])
def test_bad_init_seed_is_refused_by_name(bad):
    with pytest.raises(ValueError, match='neck.init_seed'):
        _build(0, init_seed=bad)


def test_layerwise_linear_generator_draws_like_seeded_linears():
    torch.manual_seed(3)
    old = [torch.nn.Linear(5, 4) for _ in range(3)]
    new = LayerwiseLinear(3, 5, 4, 'default',
                          generator=torch.Generator().manual_seed(3))
    for layer in range(3):
        assert torch.equal(new[layer].weight, old[layer].weight)
        assert torch.equal(new[layer].bias, old[layer].bias)
