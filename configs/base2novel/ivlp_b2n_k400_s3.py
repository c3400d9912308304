# IVLP as in ViFi-CLIP's prompting recipe (_base_/recipes/ivlp_base2novel.py),
# base-to-novel Kinetics-400, published seed 3: trains on the base classes,
# scores base_val and novel_val against their own names, keeps the best b2n/hm
# (_base_/datasets/base2novel.py).
#
# Train (8 GPUs x 8 clips of 32 frames; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/base2novel/ivlp_b2n_k400_s3.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/ivlp_b2n_k400_s3.py \
#       work_dirs/ivlp_b2n_k400_s3/best_b2n_hm_epoch_N.pth 8
_base_ = ['../_base_/recipes/ivlp_base2novel.py',
          '../_base_/datasets/base2novel.py']

(model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
 test_cfg, default_hooks, randomness) = _base_.b2n_cells['k400_s3']
