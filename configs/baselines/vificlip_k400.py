# ViFi-CLIP: full fine-tuning of both CLIP encoders, no prompts, hand template.
# Full fine-tuning needs a far smaller lr than prompt learning; 8e-6 at total
# batch 64 is a starting point to tune, not a published value.
_base_ = ['../vlprompt_k400.py']

model = dict(
    neck=None,
    freeze_backbone=False,
    cls_head=dict(loss_scenario=None))
optim_wrapper = dict(optimizer=dict(lr=8e-6, weight_decay=1e-3))
