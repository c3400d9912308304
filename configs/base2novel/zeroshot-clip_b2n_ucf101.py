# Zero-shot CLIP on the base-to-novel UCF-101 sets (nothing is trained, so no seed):
# hand template, base_val against the base names, novel_val against the novel names.
#
# Test:
#   bash tools/dist_test.sh configs/base2novel/zeroshot-clip_b2n_ucf101.py \
#       none 8
_base_ = ['./vlprompt_b2n_ucf101_s1.py', '../_base_/models/peer_variants.py']

model = {{_base_.zeroshot_clip_model}}
