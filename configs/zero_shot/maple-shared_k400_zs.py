# MaPLe as published, on the shared ViLT-CLIP recipe (controlled comparison),
# trained on Kinetics-400 (baselines/maple-shared_k400.py),
# tested zero-shot on UCF-101 and HMDB-51 (splits 1-3, full class lists) and
# the three 160-class K600 splits, single view at the training frame count.
# Logs <set>/acc/top1 per split and ucf/top1_mean, ucf/top1_std, hmdb/..., k600/....
#
# Train on K400 (8 GPUs):
#   bash tools/dist_train.sh configs/baselines/maple-shared_k400.py 8
# Test zero-shot:
#   bash tools/dist_test.sh configs/zero_shot/maple-shared_k400_zs.py \
#       work_dirs/maple-shared_k400/epoch_30.pth 8
_base_ = [
    '../baselines/maple-shared_k400.py',
    '../_base_/datasets/zero_shot_sets.py'
]

test_dataloader = dict(_base_.zero_shot_cell[0],
                       dataset=dict(pipeline=_base_.val_pipeline))
test_cfg, test_evaluator = _base_.zero_shot_cell[1:]
