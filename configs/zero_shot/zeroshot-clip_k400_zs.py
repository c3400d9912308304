# zero-shot CLIP ("a photo of a {}.", nothing trained), trained on
# Kinetics-400 (baselines/zeroshot-clip_k400.py),
# tested zero-shot on UCF-101 and HMDB-51 (splits 1-3, full class lists) and
# the three 160-class K600 splits, single view at the training frame count.
# Logs <set>/acc/top1 per split and ucf/top1_mean, ucf/top1_std, hmdb/..., k600/....
#
# Nothing is trained. Test:
#   bash tools/dist_test.sh configs/zero_shot/zeroshot-clip_k400_zs.py none 8
_base_ = [
    '../baselines/zeroshot-clip_k400.py',
    '../_base_/datasets/zero_shot_sets.py'
]

test_dataloader = dict(_base_.zero_shot_cell[0],
                       dataset=dict(pipeline=_base_.val_pipeline))
test_cfg, test_evaluator = _base_.zero_shot_cell[1:]
