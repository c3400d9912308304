# ViFi-CLIP as published (_base_/recipes/vificlip_few_shot.py), few-shot
# HMDB-51: K=8 clips per class (all classes), published split-1 list; tested
# on the split-1 test list, top-1 (_base_/datasets/few_shot.py).
#
# Train (8 GPUs x 8 clips of 32 frames; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/few_shot/vificlip_fs_hmdb51_k8.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vificlip_fs_hmdb51_k8.py \
#       work_dirs/vificlip_fs_hmdb51_k8/epoch_50.pth 8
_base_ = ['../_base_/recipes/vificlip_few_shot.py',
          '../_base_/datasets/few_shot.py']

(model, train_dataloader, val_dataloader,
 test_dataloader) = _base_.fs_cells['hmdb51_k8']
