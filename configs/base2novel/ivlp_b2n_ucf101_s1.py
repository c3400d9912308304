# IVLP on the base-to-novel cell of vlprompt_b2n_ucf101_s1.py.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/base2novel/ivlp_b2n_ucf101_s1.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/ivlp_b2n_ucf101_s1.py \
#       work_dirs/ivlp_b2n_ucf101_s1/best_b2n_hm_epoch_N.pth 8
_base_ = ['./vlprompt_b2n_ucf101_s1.py', '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_model}}
