# ViLT-CLIP on the older synthetic world (the demo before the benchmark
# world; `make demo` now runs configs/demo/*_bench_world.py): the tiny CLIP
# pretrained by tools/pretrain_tiny_clip.py on synthetic pictures and
# captions (checkpoints/vlp-world/vlp-world.pt), prompts learned on the 24
# base classes, tested on base and on the 24 novel classes (unseen
# combinations of seen words).
# The commands below run in this order (folder from MMVLP_WORLD_ROOT,
# default data/synthetic_world). Testing scores the base and the novel set
# in one run, each against its own class names, and logs base/acc/top1,
# novel/acc/top1 and b2n/hm (MultiSetTestLoop):
#   python tools/data/make_synthetic_world.py data/synthetic_world
#   python tools/train.py configs/demo/vilt-clip_synthetic_world.py \
#       --work-dir work_dirs/demo/vilt-clip
#   python tools/test.py configs/demo/vilt-clip_synthetic_world.py \
#       work_dirs/demo/vilt-clip/epoch_10.pth --dump work_dirs/demo/preds.pkl
_base_ = [
    '../_base_/models/vlprompt_vit-b16.py',
    '../_base_/schedules/adamw_warmup_cosine_30e.py',
    '../_base_/default_runtime.py',
    '../_base_/datasets/tiny_world_pipelines.py'
]

data_root = '{{$MMVLP_WORLD_ROOT:data/synthetic_world}}'
clip_path = '{{$MMVLP_WORLD_CLIP:checkpoints/vlp-world/vlp-world.pt}}'
num_frames = _base_.num_frames

model = dict(
    clip=dict(arch='vlp-world', pretrained=clip_path),
    backbone=dict(num_frames=num_frames),
    neck=dict(num_text_tokens=4, num_vision_tokens=4, depth_text=3,
              depth_vision=3, ctx_init='a video of'),
    cls_head=dict(
        class_names=data_root + '/label_map_base.txt',
        test_class_names=data_root + '/label_map_base.txt',
        template='a video of {}.',
        topk=(1, 5)))

train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline


def _loader(ann, pipeline, shuffle, test_mode=False):
    return dict(
        batch_size=8,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=dict(
            type='CheckedVideoDataset',
            ann_file=f'{data_root}/{ann}_list.txt',
            data_prefix=dict(video=f'{data_root}/videos'),
            pipeline=pipeline,
            test_mode=test_mode))


train_dataloader = _loader('train_base', train_pipeline, True)
val_dataloader = _loader('test_base', test_pipeline, False, True)
test_dataloader = val_dataloader  # template: each set fills in its ann_file
test_cfg = dict(
    type='MultiSetTestLoop',
    sets=[dict(prefix='base', ann_file=f'{data_root}/test_base_list.txt',
               class_names=f'{data_root}/label_map_base.txt'),
          dict(prefix='novel', ann_file=f'{data_root}/test_novel_list.txt',
               class_names=f'{data_root}/label_map_novel.txt')],
    harmonic_mean=dict(base='base', novel='novel'))
val_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator

max_epochs = 10
# no validation while training: tools/test.py scores base and novel after
train_cfg = dict(max_epochs=max_epochs, val_begin=max_epochs + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=5e-3))
default_hooks = dict(
    logger=dict(interval=6),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
