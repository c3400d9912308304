# zero-shot CLIP ("a photo of a {}.", nothing trained) on the base-to-novel
# HMDB-51 sets (nothing is trained, so no seed): base_val against the base
# names, novel_val against the novel names.
#
# Nothing is trained. Test:
#   bash tools/dist_test.sh configs/base2novel/zeroshot-clip_b2n_hmdb51.py none 8
_base_ = [
    '../baselines/zeroshot-clip_k400.py',
    '../_base_/datasets/base2novel.py'
]

(model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
 test_cfg, default_hooks, randomness) = _base_.b2n_cells['hmdb51_s1']
