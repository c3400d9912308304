# ViLT-CLIP, few-shot HMDB-51: K=8 clips per class (all classes) from the published
# split-1 few-shot list; evaluated on the split-1 test list (val1.txt), top-1.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/few_shot/vlprompt_fs_hmdb51_k8.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vlprompt_fs_hmdb51_k8.py \
#       work_dirs/vlprompt_fs_hmdb51_k8/epoch_30.pth 8
_base_ = ['./vlprompt_fs_hmdb51_k16.py']

train_dataloader = dict(dataset=dict(
    ann_file='data/vifi_protocol/datasets_splits/hmdb_splits/train1_few_shot_8.txt'))
