# Zero-shot CLIP retrieval on MSVD test, 8 frames; test only:
#   python tools/test.py configs/retrieval/zeroshot-clip_msvd_8f.py none
_base_ = ['./vilt-clip_msvd_8f.py', '../_base_/models/peer_variants.py']

model = {{_base_.zeroshot_clip_model}}
