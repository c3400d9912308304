# Zero-shot CLIP retrieval on MSVD test, 8 frames; test only:
#   python tools/test.py configs/retrieval/zeroshot-clip_msvd_8f.py none
_base_ = ['./vilt-clip_msvd_8f.py']

# zero-shot CLIP reads the plain caption (the base's template '{}'), not
# the recognition peers' 'a photo of a {}.'
model = dict(neck=None, cls_head=dict(loss_scenario=None))
