# ViFi-CLIP as published for zero-shot: trained on Kinetics-400 with its
# zero-shot recipe (full fine-tuning, 32 frames, batch 256 = 8 GPUs x 32,
# lr 8e-6, 10 epochs, 5 warm-up; label smoothing 0.1, mixup / cutmix,
# "a photo of a {}."), tested zero-shot on UCF-101 and HMDB-51 (splits 1-3, full class lists) and
# the three 160-class K600 splits, single view at the training frame count.
# Logs <set>/acc/top1 per split and ucf/top1_mean, ucf/top1_std, hmdb/..., k600/....
#
# Train on K400 (this config; 8 GPUs):
#   bash tools/dist_train.sh configs/zero_shot/vificlip_k400_zs.py 8
# Test zero-shot:
#   bash tools/dist_test.sh configs/zero_shot/vificlip_k400_zs.py \
#       work_dirs/vificlip_k400_zs/epoch_10.pth 8
_base_ = [
    '../_base_/recipes/vifi_32_frames.py',
    '../_base_/datasets/zero_shot_sets.py'
]

model = _base_.vificlip_model
(optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
 train_dataloader) = _base_.vificlip_recipes['zero_shot']
test_dataloader = dict(_base_.zero_shot_cell[0],
                       dataset=dict(pipeline=_base_.val_pipeline))
test_cfg, test_evaluator = _base_.zero_shot_cell[1:]
