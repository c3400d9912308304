# ViLT-CLIP on the shared recipe (vlprompt_k400.py), few-shot UCF-101: K=8
# clips per class (all classes), published split-1 list; tested on the split-1
# test list, top-1 (_base_/datasets/few_shot.py).
#
# Train (8 GPUs x 8 clips; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/few_shot/vlprompt_fs_ucf101_k8.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vlprompt_fs_ucf101_k8.py \
#       work_dirs/vlprompt_fs_ucf101_k8/epoch_30.pth 8
_base_ = ['../vlprompt_k400.py', '../_base_/datasets/few_shot.py']

(model, train_dataloader, val_dataloader,
 test_dataloader) = _base_.fs_cells['ucf101_k8']
