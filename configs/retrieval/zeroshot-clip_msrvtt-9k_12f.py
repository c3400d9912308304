# Zero-shot CLIP retrieval on MSR-VTT 1k-A, 12 frames; test only:
#   python tools/test.py configs/retrieval/zeroshot-clip_msrvtt-9k_12f.py none
_base_ = ['./vilt-clip_msrvtt-9k_12f.py']

# zero-shot CLIP reads the plain caption (the base's template '{}'), not
# the recognition peers' 'a photo of a {}.'
model = dict(neck=None, cls_head=dict(loss_scenario=None))
