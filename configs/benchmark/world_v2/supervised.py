# Fully supervised on world v2 (docs/en/benchmark/world_v2.md): ViLT-CLIP on
# the 25 classes of world A (40 training videos each), tested on world A's
# 1,000 test videos. Data and training:
#   python tools/data/make_world_v2.py data/world_v2
#   python tools/train.py configs/benchmark/world_v2/supervised.py \
#       --work-dir work_dirs/world_v2/vilt-clip_supervised
#   python tools/test.py configs/benchmark/world_v2/supervised.py \
#       work_dirs/world_v2/vilt-clip_supervised/epoch_4.pth
# Other methods by --cfg-options, e.g. full fine-tuning (the ViFi-CLIP row):
#   model.neck=None model.freeze_backbone=False
#   model.cls_head.loss_scenario=None optim_wrapper.optimizer.lr=1e-4
_base_ = [
    '../../_base_/models/vlprompt_bench_world.py',
    '../../_base_/datasets/world_v2.py',
    '../../_base_/schedules/world_v2.py',
    '../../_base_/default_runtime.py'
]
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

model = dict(cls_head=dict(class_names=world_root + '/classes_world_a.txt'))
# 125 iterations an epoch: 4 epochs = 500 iterations, cosine to 0 at 500
train_cfg = dict(max_epochs=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=10, end=500,
         eta_min=0.0)
]
# the last checkpoint only (epoch_<max_epochs>.pth), no best-by-validation
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1000, save_last=True, save_best=None,
                    max_keep_ckpts=1))
randomness = dict(seed=1)
