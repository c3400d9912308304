# Few-shot on world v2's appearance set: K shots of each of world B's 25
# classes (fs_appearance_k{2,4,8,16}_s{1,2,3}.txt), tested on world B's
# 1,250 test videos. The recipe of each K is set by the grid (phase 2).
#   python tools/train.py configs/benchmark/world_v2/few_shot_appearance.py \
#       --work-dir work_dirs/world_v2/fs_appearance
_base_ = ['./supervised.py']
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

model = dict(cls_head=dict(class_names=world_root + '/classes_world_b.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=world_root + '/fs_appearance_k16_s1.txt'))
test_dataloader = dict(dataset=dict(ann_file=world_root + '/world_b_test.txt'))
val_dataloader = test_dataloader
# K=16: 50 iterations an epoch; 6 epochs = 300 iterations
train_cfg = dict(max_epochs=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=10, end=300,
         eta_min=0.0)
]
