# MaPLe as published, on the shared ViLT-CLIP recipe (controlled comparison),
# base-to-novel Something-Something v2, published seed 3: trains on the base
# classes, scores base_val and novel_val against their own names, keeps the
# best b2n/hm (_base_/datasets/base2novel.py).
#
# Train (8 GPUs x 8 clips; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/base2novel/maple-shared_b2n_ssv2_s3.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/maple-shared_b2n_ssv2_s3.py \
#       work_dirs/maple-shared_b2n_ssv2_s3/best_b2n_hm_epoch_N.pth 8
_base_ = ['../baselines/maple-shared_k400.py',
          '../_base_/datasets/base2novel.py']

(model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
 test_cfg, default_hooks, randomness) = _base_.b2n_cells['ssv2_s3']
# SSv2: no flip, it would swap "left" and "right" in the class names
train_dataloader.dataset.pipeline = _base_.train_pipeline_noflip
