# Zero-shot CLIP retrieval on MSR-VTT 1k-A, 12 frames; test only:
#   python tools/test.py configs/retrieval/zeroshot-clip_msrvtt-9k_12f.py none
_base_ = ['./vilt-clip_msrvtt-9k_12f.py', '../_base_/models/peer_variants.py']

model = {{_base_.zeroshot_clip_model}}
