# ViFi-CLIP on the base-to-novel cell of vlprompt_b2n_hmdb51_s2.py.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/base2novel/vificlip_b2n_hmdb51_s2.py 8
# Test:
#   bash tools/dist_test.sh configs/base2novel/vificlip_b2n_hmdb51_s2.py \
#       work_dirs/vificlip_b2n_hmdb51_s2/best_b2n_hm_epoch_N.pth 8
_base_ = ['./vlprompt_b2n_hmdb51_s2.py', '../_base_/models/peer_variants.py']

model = {{_base_.vificlip_model}}
optim_wrapper = {{_base_.vificlip_optim_wrapper}}
