# Zero-shot CLIP retrieval on MSR-VTT 1k-A, 8 frames: no prompts, the plain
# caption; test only, on the model as built (data layout in
# vilt-clip_msrvtt-9k_8f.py):
#   python tools/test.py configs/retrieval/zeroshot-clip_msrvtt-9k_8f.py none
_base_ = ['./vilt-clip_msrvtt-9k_8f.py']

# zero-shot CLIP reads the plain caption (the base's template '{}'), not
# the recognition peers' 'a photo of a {}.'
model = dict(neck=None, cls_head=dict(loss_scenario=None))
