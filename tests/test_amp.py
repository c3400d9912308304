"""Mixed precision: the --amp mode selection and a bf16 training run."""
import importlib.util

import pytest
import torch

from conftest import REPO
from mmvlprompt.compat import amp_settings

CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


@pytest.mark.parametrize('cuda, capability, expected', [
    (False, None, dict(type='CPUAutocastOptimWrapper', dtype='bfloat16')),
    (True, (9, 0), dict(type='AmpOptimWrapper', dtype='bfloat16',
                        loss_scale=1.0)),
    (True, (8, 0), dict(type='AmpOptimWrapper', dtype='bfloat16',
                        loss_scale=1.0)),
    (True, (7, 5), dict(type='AmpOptimWrapper', dtype='float16',
                        loss_scale='dynamic')),
    (True, (7, 0), dict(type='AmpOptimWrapper', dtype='float16',
                        loss_scale='dynamic')),
])
def test_amp_settings_pick_bf16_where_supported(monkeypatch, cuda, capability,
                                                expected):
    """bf16 on CPU and on GPUs of capability >= 8.0 (A100, H100, H200);
    fp16 with dynamic loss scaling only on older GPUs."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    monkeypatch.setattr(torch.cuda, 'get_device_capability',
                        lambda device=None: capability)
    assert amp_settings() == expected


def _train_tool():
    spec = importlib.util.spec_from_file_location('train_tool',
                                                  REPO / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_amp_training_updates_prompts(tmp_path, monkeypatch, synthetic_data):
    """One epoch of tools/train.py --amp (bf16 on CPU) changes every prompt
    and mapping, keeps them fp32 and logs finite losses."""
    monkeypatch.setenv('MMVLP_SYNTHETIC_ROOT', str(synthetic_data['root']))
    tool = _train_tool()
    args = tool.parse_args([str(REPO / CONFIG), '--work-dir',
                            str(tmp_path / 'amp'), '--amp', '--no-validate',
                            '--cfg-options', 'train_cfg.max_epochs=1'])
    cfg = tool.merge_args(tool.load_config(args), args)
    assert cfg.optim_wrapper.type == amp_settings()['type']
    runner = tool.build_runner(cfg)
    before = {k: v.detach().clone()
              for k, v in runner.model.neck.named_parameters()}
    dtypes = []
    hook = runner.model.backbone.register_forward_hook(
        lambda mod, inp, out: dtypes.append(out.dtype))
    runner.train()
    hook.remove()
    assert torch.bfloat16 in dtypes  # the forward pass ran under autocast
    after = dict(runner.model.neck.named_parameters())
    for key, value in before.items():
        assert after[key].dtype == torch.float32, key
        assert not torch.equal(after[key].detach(), value), \
            f'{key} did not change under --amp'
    scalars = runner.message_hub.log_scalars
    for key in ('train/loss', 'train/loss_cls', 'train/loss_scenario'):
        values = scalars[key].data[0]
        assert len(values) > 0 and all(torch.isfinite(torch.tensor(values)))


def test_logits_and_losses_stay_fp32_under_autocast(tiny_clip_path):
    """Under bf16 autocast the head's logits and both losses are fp32."""
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample

    from conftest import tiny_model_cfg
    neck = dict(type='VLPromptLearner', num_text_tokens=6,
                num_vision_tokens=6, depth_text=2, depth_vision=2)
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck))
    frames = torch.randn(2, 4, 3, 32, 32)
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 1)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        feats = model(frames, mode='tensor')
        losses = model.loss(frames, samples)
        logits = model.cls_head(feats, model.neck()['text'])
    assert feats.dtype == torch.bfloat16  # the towers did run in bf16
    assert logits.dtype == torch.float32
    for key in ('loss_cls', 'loss_scenario'):
        assert losses[key].dtype == torch.float32, key
