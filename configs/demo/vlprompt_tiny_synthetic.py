# Smoke-test recipe: the full ViLT-CLIP pipeline with a tiny random-init CLIP
# ('vlp-tiny', 32 px) on a tiny world v2 (4 base classes of its
# base-to-novel split, 3 training and 2 test videos each):
#   python tools/data/make_world_v2.py data/synthetic --pools b2n_train \
#       b2n_base_test --classes 4 --per-class b2n_train=3 \
#       b2n_base_test=2 --b2n-shots 3 --frames 16 --size 32
#   python tools/train.py configs/demo/vlprompt_tiny_synthetic.py
# (it reads b2n_base_k16_s1.txt, b2n_base_test.txt and classes_b2n_base.txt).
# The data folder can be moved with the MMVLP_SYNTHETIC_ROOT environment
# variable. Runs in seconds on 2 CPU cores; used by the tests, which write
# the same world (tests/conftest.py, TINY_WORLD).
_base_ = [
    '../_base_/models/vlprompt_vit-b16.py',
    '../_base_/schedules/adamw_warmup_cosine_30e.py',
    '../_base_/default_runtime.py'
]

data_root = '{{$MMVLP_SYNTHETIC_ROOT:data/synthetic}}'
num_frames = 4

model = dict(
    clip=dict(arch='vlp-tiny', pretrained=None),
    backbone=dict(num_frames=num_frames),
    neck=dict(num_text_tokens=6, num_vision_tokens=6, depth_text=2,
              depth_vision=2),
    cls_head=dict(class_names=data_root + '/classes_b2n_base.txt',
                  topk=(1, 2)))

train_pipeline = [
    dict(type='CheckedDecordInit', on_error='skip'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode', on_error='skip'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=2,
         test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]


def _loader(name, pipeline, shuffle, test_mode=False):
    return dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=dict(
            type='CheckedVideoDataset',
            ann_file=f'{data_root}/{name}.txt',
            data_prefix=dict(video=f'{data_root}/videos'),
            pipeline=pipeline,
            test_mode=test_mode))


train_dataloader = _loader('b2n_base_k16_s1', train_pipeline, True)
val_dataloader = _loader('b2n_base_test', test_pipeline, False, True)
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 2))))
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=1e-2))
default_hooks = dict(logger=dict(interval=1))
