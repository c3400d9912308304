# IVLP: independent vision and language prompts, no mapping, no scenario loss.
_base_ = ['../vlprompt_k400.py']

model = dict(
    neck=dict(mapping='none'),
    cls_head=dict(loss_scenario=None))
