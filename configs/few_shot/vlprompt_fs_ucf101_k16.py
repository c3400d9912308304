# ViLT-CLIP, few-shot UCF-101: K=16 clips per class (all classes) from the published
# split-1 few-shot list; evaluated on the split-1 test list (val1.txt), top-1.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/few_shot/vlprompt_fs_ucf101_k16.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vlprompt_fs_ucf101_k16.py \
#       work_dirs/vlprompt_fs_ucf101_k16/epoch_30.pth 8
_base_ = ['../vlprompt_k400.py']

videos = 'data/ucf101/videos'
test_list = 'data/vifi_protocol/datasets_splits/ucf_splits/val1.txt'

model = dict(cls_head=dict(class_names='data/vifi_protocol/labels/ucf_101_labels.csv'))
train_dataloader = dict(dataset=dict(
    ann_file='data/vifi_protocol/datasets_splits/ucf_splits/train1_few_shot_16.txt',
    data_prefix=dict(video=videos)))
val_dataloader = dict(
    dataset=dict(ann_file=test_list, data_prefix=dict(video=videos)))
test_dataloader = dict(
    dataset=dict(ann_file=test_list, data_prefix=dict(video=videos)))
