# Zero-shot CLIP: no prompts, hand-crafted template, nothing trained.
# Use with tools/test.py only (there are no trainable parameters).
_base_ = ['../vlprompt_k400.py']

model = dict(neck=None, cls_head=dict(loss_scenario=None))
