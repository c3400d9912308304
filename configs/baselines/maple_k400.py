# MaPLe-style coupling: text prompts mapped into the vision branch only,
# no scenario loss.
_base_ = ['../vlprompt_k400.py']

model = dict(
    neck=dict(mapping='text_to_vision'),
    cls_head=dict(loss_scenario=None))
