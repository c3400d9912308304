# IVLP ablation on the synthetic world: independent prompts, no mapping, no
# scenario loss; everything else as the ViLT-CLIP demo config.
_base_ = ['./vilt-clip_synthetic_world.py']

model = dict(
    neck=dict(mapping='none'),
    cls_head=dict(loss_scenario=None))
