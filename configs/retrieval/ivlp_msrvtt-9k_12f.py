# IVLP retrieval on MSR-VTT 9k / 1k-A, 12 frames (see
# vilt-clip_msrvtt-9k_12f.py and ivlp_msrvtt-9k_8f.py).
#   bash tools/dist_train.sh configs/retrieval/ivlp_msrvtt-9k_12f.py 8
#   bash tools/dist_test.sh configs/retrieval/ivlp_msrvtt-9k_12f.py CKPT 8
_base_ = ['./vilt-clip_msrvtt-9k_12f.py', '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_shared_model}}  # ViLT-CLIP's recipe, no mapping
