# IVLP retrieval on MSVD, 8 frames (data layout in vilt-clip_msvd_8f.py).
#   bash tools/dist_train.sh configs/retrieval/ivlp_msvd_8f.py 8
#   bash tools/dist_test.sh configs/retrieval/ivlp_msvd_8f.py CKPT 8
_base_ = ['./vilt-clip_msvd_8f.py', '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_shared_model}}  # ViLT-CLIP's recipe, no mapping
