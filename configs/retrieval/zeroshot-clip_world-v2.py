# Zero-shot tiny CLIP retrieval on world v2: no prompts, the plain
# caption; test only, on the model as built:
#   python tools/test.py configs/retrieval/zeroshot-clip_world-v2.py none
_base_ = ['./vilt-clip_world-v2.py']

# zero-shot CLIP reads the plain caption (the base's template '{}'), not
# the recognition peers' 'a photo of a {}.'
model = dict(neck=None, cls_head=dict(loss_scenario=None))
