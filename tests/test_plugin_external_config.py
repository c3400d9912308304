"""mmvlprompt as a plugin: an external config trains via custom_imports.

The config lives outside the repo and the driver script never imports
mmvlprompt; only ``custom_imports`` in the config pulls it in.
"""
import json
import sys
import textwrap

import torch

from conftest import REPO, run_tool

DRIVER = textwrap.dedent('''
    import json, sys
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(sys.argv[1])
    cfg.work_dir = sys.argv[2]
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val()
    plugin = sys.modules.get('mmvlprompt')
    print('RESULT ' + json.dumps(dict(
        model_module=type(runner.model).__module__,
        model_class=type(runner.model).__name__,
        plugin_file=getattr(plugin, '__file__', None),
        trainable=sorted(n for n, p in runner.model.named_parameters()
                         if p.requires_grad),
        epoch=runner.epoch,
        metrics={k: float(v) for k, v in metrics.items()})))
''')

CONFIG = '''
_base_ = ['mmaction::_base_/default_runtime.py']
custom_imports = dict(imports=['mmvlprompt'], allow_failed_imports=False)

data_root = {root!r}
num_frames = 4
model = dict(
    type='VLPromptRecognizer',
    clip=dict(arch='vlp-tiny', pretrained=None),
    backbone=dict(type='PromptedViT', num_frames=num_frames),
    neck=dict(type='VLPromptLearner', num_text_tokens=6,
              num_vision_tokens=6, depth_text=2, depth_vision=2),
    cls_head=dict(type='PromptedTextHead', class_names={label_map!r},
                  topk=(1, 2)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[122.771, 116.746, 104.094],
        std=[68.500, 66.632, 70.323],
        format_shape='NCHW'))

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=2,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='VideoDataset',
                 ann_file=data_root + '/b2n_base_k16_s1.txt',
                 data_prefix=dict(video=data_root + '/videos'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='VideoDataset',
                 ann_file=data_root + '/b2n_base_test.txt',
                 data_prefix=dict(video=data_root + '/videos'),
                 pipeline=val_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 2))))

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-2,
                                    weight_decay=1e-3))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
val_cfg = dict(type='ValLoop')
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
'''


def _tail(proc, n=4000):
    return (f'\n--- returncode {proc.returncode}\n--- stdout tail:\n'
            f'{proc.stdout[-n:]}\n--- stderr tail:\n{proc.stderr[-n:]}')


def test_external_config_trains_through_custom_imports(tmp_path,
                                                       synthetic_data):
    """An out-of-repo config builds mmvlprompt's model and trains 1 epoch."""
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    config = outside / 'my_vlprompt.py'
    config.write_text(CONFIG.format(root=str(synthetic_data['root']),
                                    label_map=str(
                                        synthetic_data['label_map'])))
    driver = outside / 'driver.py'
    driver.write_text(DRIVER)
    assert 'import mmvlprompt' not in DRIVER
    work = tmp_path / 'work'

    proc = run_tool([sys.executable, str(driver), str(config), str(work)],
                    cwd=outside, env={'PYTHONPATH': str(REPO)})
    assert proc.returncode == 0, 'external config run failed' + _tail(proc)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    assert len(lines) == 1, _tail(proc)
    result = json.loads(lines[0][len('RESULT '):])

    assert result['model_class'] == 'VLPromptRecognizer', result
    assert result['model_module'].startswith('mmvlprompt.'), result
    assert result['plugin_file'] is not None and \
        result['plugin_file'].startswith(str(REPO)), result
    assert result['epoch'] == 1, result
    # only the prompt learner trains; CLIP stays frozen
    assert result['trainable'], result
    assert all(n.startswith('neck.') for n in result['trainable']), result
    assert 'neck.text_prompts' in result['trainable'], result
    for key in ('acc/top1', 'acc/top2'):
        assert 0.0 <= result['metrics'][key] <= 1.0, result
    assert result['metrics']['acc/top2'] >= result['metrics']['acc/top1']

    ckpt_path = work / 'epoch_1.pth'
    assert ckpt_path.is_file(), sorted(work.glob('*')) + [_tail(proc)]
    ckpt = torch.load(str(ckpt_path), map_location='cpu')
    assert ckpt['meta']['epoch'] == 1
    assert ckpt['meta']['iter'] == 3  # 12 clips, batch 4
    state = ckpt['state_dict']
    assert tuple(state['neck.text_prompts'].shape[:2]) == (2, 6)
    assert tuple(state['neck.vision_prompts'].shape[:2]) == (2, 6)
    # frozen-backbone configs save prompt-only checkpoints with the CLIP's
    # fingerprint instead of its weights
    assert not any(k.startswith(('cls_head.', 'backbone.')) for k in state)
    assert 'clip_fingerprint' in state
    # nothing was written in the repository's default work_dirs
    assert not (REPO / 'work_dirs' / 'my_vlprompt').exists()
