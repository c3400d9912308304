# ViFi-CLIP (full fine-tuning) on the cell of vlprompt_fs_ucf101_k8.py.
#
# Train (8 GPUs x 8 clips; see README "Distributed training"):
#   bash tools/dist_train.sh configs/few_shot/vificlip_fs_ucf101_k8.py 8
# Test:
#   bash tools/dist_test.sh configs/few_shot/vificlip_fs_ucf101_k8.py \
#       work_dirs/vificlip_fs_ucf101_k8/epoch_30.pth 8
_base_ = ['./vlprompt_fs_ucf101_k8.py', '../_base_/models/peer_variants.py']

model = {{_base_.vificlip_model}}
optim_wrapper = {{_base_.vificlip_optim_wrapper}}
