# MaPLe as published, on the schedule of ViFi-CLIP's prompting recipe
# (_base_/recipes/maple_base2novel.py), base-to-novel HMDB-51, published seed
# 1: trains on the base classes, scores base_val and novel_val against their
# own names, keeps the best b2n/hm (_base_/datasets/base2novel.py).
#
# Train (8 GPUs x 8 clips of 32 frames; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/base2novel/maple_b2n_hmdb51_s1.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/maple_b2n_hmdb51_s1.py \
#       work_dirs/maple_b2n_hmdb51_s1/best_b2n_hm_epoch_N.pth 8
_base_ = ['../_base_/recipes/maple_base2novel.py',
          '../_base_/datasets/base2novel.py']

(model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
 test_cfg, default_hooks, randomness) = _base_.b2n_cells['hmdb51_s1']
