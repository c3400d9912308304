# ViLT-CLIP, base-to-novel HMDB-51, published seed 3: trains on the 16-shot
# base-class list fs_base_s3_train.txt with the base class names; validates and tests
# base_val.txt against the base names and novel_val.txt against the novel names,
# logging base/acc/top1, novel/acc/top1 and their harmonic mean b2n/hm (checkpoint
# selection: save_best='b2n/hm').
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/base2novel/vlprompt_b2n_hmdb51_s3.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/vlprompt_b2n_hmdb51_s3.py \
#       work_dirs/vlprompt_b2n_hmdb51_s3/best_b2n_hm_epoch_N.pth 8
_base_ = ['./vlprompt_b2n_hmdb51_s1.py']

train_dataloader = dict(dataset=dict(
    ann_file='data/vifi_protocol/datasets_splits/base2novel_splits/hmdb_splits/fs_base_s3_train.txt'))
randomness = dict(seed=3)
