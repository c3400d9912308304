# ViFi-CLIP-style full fine-tuning on the shared ViLT-CLIP recipe (controlled
# comparison; lr 8e-6, not a published value), few-shot Something-Something
# v2: K=2 clips per class (all classes), published split-1 list; tested on the
# split-1 test list, top-1 (_base_/datasets/few_shot.py).
#
# Train (8 GPUs x 8 clips; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/few_shot/vificlip-shared_fs_ssv2_k2.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vificlip-shared_fs_ssv2_k2.py \
#       work_dirs/vificlip-shared_fs_ssv2_k2/epoch_30.pth 8
_base_ = ['../baselines/vificlip-shared_k400.py',
          '../_base_/datasets/few_shot.py']

(model, train_dataloader, val_dataloader,
 test_dataloader) = _base_.fs_cells['ssv2_k2']
# SSv2: no flip, it would swap "left" and "right" in the class names
train_dataloader.dataset.pipeline = _base_.train_pipeline_noflip
