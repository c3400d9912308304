# Model (and optimiser) differences of the peer baselines from ViLT-CLIP,
# under names that do not collide with other bases, so that one protocol cell
# becomes a peer's cell with e.g.
#   _base_ = ['../base2novel/vlprompt_b2n_ucf101_s1.py',
#             '../_base_/models/peer_variants.py']
#   model = {{_base_.vificlip_model}}
#   optim_wrapper = {{_base_.vificlip_optim_wrapper}}
# The values match configs/baselines/*_k400.py.

# zero-shot CLIP: no prompts, hand template; test only
zeroshot_clip_model = dict(neck=None, cls_head=dict(loss_scenario=None))
# ViFi-CLIP: full fine-tuning, no prompts; needs a far smaller lr
vificlip_model = dict(neck=None, freeze_backbone=False,
                      cls_head=dict(loss_scenario=None))
vificlip_optim_wrapper = dict(optimizer=dict(lr=8e-6, weight_decay=1e-3))
# IVLP: independent prompts in both branches, no mapping, no scenario loss
ivlp_model = dict(neck=dict(mapping='none'),
                  cls_head=dict(loss_scenario=None))
# MaPLe-style: text prompts mapped into the vision branch, no scenario loss
maple_model = dict(neck=dict(mapping='text_to_vision'),
                   cls_head=dict(loss_scenario=None))
