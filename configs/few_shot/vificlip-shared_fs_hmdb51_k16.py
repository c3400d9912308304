# ViFi-CLIP-style full fine-tuning on the shared ViLT-CLIP recipe (controlled
# comparison; lr 8e-6, not a published value), few-shot HMDB-51: K=16 clips
# per class (all classes), published split-1 list; tested on the split-1 test
# list, top-1 (_base_/datasets/few_shot.py).
#
# Train (8 GPUs x 8 clips; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/few_shot/vificlip-shared_fs_hmdb51_k16.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vificlip-shared_fs_hmdb51_k16.py \
#       work_dirs/vificlip-shared_fs_hmdb51_k16/epoch_30.pth 8
_base_ = ['../baselines/vificlip-shared_k400.py',
          '../_base_/datasets/few_shot.py']

(model, train_dataloader, val_dataloader,
 test_dataloader) = _base_.fs_cells['hmdb51_k16']
