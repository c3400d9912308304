# ViLT-CLIP, few-shot Something-Something v2: K=4 clips per class (all classes) from the published
# split-1 few-shot list; evaluated on the split-1 test list (validation.txt), top-1.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/few_shot/vlprompt_fs_ssv2_k4.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vlprompt_fs_ssv2_k4.py \
#       work_dirs/vlprompt_fs_ssv2_k4/epoch_30.pth 8
_base_ = ['./vlprompt_fs_ssv2_k16.py']

train_dataloader = dict(dataset=dict(
    ann_file='data/vifi_protocol/datasets_splits/ssv2_splits/train1_few_shot_4.txt'))
