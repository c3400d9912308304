# IVLP retrieval on MSR-VTT 9k / 1k-A, 8 frames: independent prompts in
# both branches, no mapping, no scenario loss; the rest as
# vilt-clip_msrvtt-9k_8f.py (data layout there).
#   bash tools/dist_train.sh configs/retrieval/ivlp_msrvtt-9k_8f.py 8
#   bash tools/dist_test.sh configs/retrieval/ivlp_msrvtt-9k_8f.py CKPT 8
_base_ = ['./vilt-clip_msrvtt-9k_8f.py', '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_shared_model}}  # ViLT-CLIP's recipe, no mapping
