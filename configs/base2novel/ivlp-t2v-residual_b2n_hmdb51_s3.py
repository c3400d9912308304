# IVLP ablation with a zero-initialised text->vision residual on independent
# vision prompts, on the shared ViLT-CLIP recipe (not MaPLe: at init it is
# exactly IVLP), base-to-novel HMDB-51, published seed 3: trains on the base
# classes, scores base_val and novel_val against their own names, keeps the
# best b2n/hm (_base_/datasets/base2novel.py).
#
# Train (8 GPUs x 8 clips; docs/en/user_guides/distributed.md):
#   bash tools/dist_train.sh configs/base2novel/ivlp-t2v-residual_b2n_hmdb51_s3.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/ivlp-t2v-residual_b2n_hmdb51_s3.py \
#       work_dirs/ivlp-t2v-residual_b2n_hmdb51_s3/best_b2n_hm_epoch_N.pth 8
_base_ = ['../baselines/ivlp-t2v-residual_k400.py',
          '../_base_/datasets/base2novel.py']

(model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
 test_cfg, default_hooks, randomness) = _base_.b2n_cells['hmdb51_s3']
