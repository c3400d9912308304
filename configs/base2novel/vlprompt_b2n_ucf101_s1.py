# ViLT-CLIP, base-to-novel UCF-101, published seed 1: trains on the 16-shot
# base-class list fs_base_s1_train.txt with the base class names; validates and tests
# base_val.txt against the base names and novel_val.txt against the novel names,
# logging base/acc/top1, novel/acc/top1 and their harmonic mean b2n/hm (checkpoint
# selection: save_best='b2n/hm').
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/base2novel/vlprompt_b2n_ucf101_s1.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/vlprompt_b2n_ucf101_s1.py \
#       work_dirs/vlprompt_b2n_ucf101_s1/best_b2n_hm_epoch_N.pth 8
_base_ = ['../vlprompt_k400.py']

videos = 'data/ucf101/videos'
splits = 'data/vifi_protocol/datasets_splits/base2novel_splits/ucf_splits'
base_names = 'data/vifi_protocol/labels/ucf_101_base_labels.csv'
novel_names = 'data/vifi_protocol/labels/ucf_101_novel_labels.csv'
b2n_sets = [
    dict(prefix='base', ann_file=splits + '/base_val.txt',
         class_names=base_names),
    dict(prefix='novel', ann_file=splits + '/novel_val.txt',
         class_names=novel_names)
]
b2n_hm = dict(base='base', novel='novel', name='b2n/hm')

model = dict(cls_head=dict(class_names=base_names))
train_dataloader = dict(dataset=dict(
    ann_file=splits + '/fs_base_s1_train.txt',
    data_prefix=dict(video=videos)))
# templates: each set of the loops sets its own ann_file
val_dataloader = dict(dataset=dict(data_prefix=dict(video=videos)))
test_dataloader = dict(dataset=dict(data_prefix=dict(video=videos)))
val_cfg = dict(type='MultiSetValLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
test_cfg = dict(type='MultiSetTestLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
default_hooks = dict(checkpoint=dict(save_best='b2n/hm', rule='greater'))
randomness = dict(seed=1)
