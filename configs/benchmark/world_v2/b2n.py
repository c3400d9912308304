# Base-to-novel on world v2: base classes colours A x shapes B, novel colours
# B x shapes A (no shared word); 16 shots per base class, shot seeds 1-3 are
# b2n_base_k16_s{1,2,3}.txt. One test run scores base and novel (1,000 test
# videos each) against their own class names:
#   python tools/train.py configs/benchmark/world_v2/b2n.py \
#       --work-dir work_dirs/world_v2/b2n
#   python tools/test.py configs/benchmark/world_v2/b2n.py \
#       work_dirs/world_v2/b2n/epoch_6.pth
# IVLP: --cfg-options model.neck.mapping=none model.cls_head.loss_scenario=None
_base_ = ['./supervised.py']
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

model = dict(cls_head=dict(class_names=f'{world_root}/classes_b2n_base.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=f'{world_root}/b2n_base_k16_s1.txt'))
# the template loader of the test sets (and of the label-range check)
test_dataloader = dict(
    dataset=dict(ann_file=f'{world_root}/b2n_base_test.txt'))
val_dataloader = test_dataloader
test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    sets=[dict(prefix=half, ann_file=f'{world_root}/b2n_{half}_test.txt',
               class_names=f'{world_root}/classes_b2n_{half}.txt')
          for half in ('base', 'novel')],
    harmonic_mean=dict(base='base', novel='novel', name='b2n/hm'))
# 50 iterations an epoch: 6 epochs = 300 iterations
train_cfg = dict(max_epochs=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=10, end=300,
         eta_min=0.0)
]
