# Few-shot on world v2's motion-only control set: K shots of each of the 8
# motions (fs_motion_k{2,4,8,16}_s{1,2,3}.txt), tested on 1,000 videos
# (chance 12.5 %). Frame features are mean-pooled, so this set is a control:
# no method is expected to beat chance.
#   python tools/train.py configs/benchmark/world_v2/few_shot_motion.py \
#       --work-dir work_dirs/world_v2/fs_motion
_base_ = ['./supervised.py']
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

model = dict(cls_head=dict(class_names=world_root + '/classes_motion.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=world_root + '/fs_motion_k16_s1.txt'))
test_dataloader = dict(dataset=dict(ann_file=world_root + '/motion_test.txt'))
val_dataloader = test_dataloader
# K=16: 16 iterations an epoch; 6 epochs = 96 iterations
train_cfg = dict(max_epochs=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=10, end=96,
         eta_min=0.0)
]
