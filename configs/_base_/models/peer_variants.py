# The peer methods as model differences from ViLT-CLIP
# (models/vlprompt_vit-b16.py), under names that do not collide with other
# bases: a peer's config is a method recipe with e.g.
#   model = _base_.maple_model
# docs/en/peers.md ("Peers, point by point") compares every value with
# its reference.
#
# As their references define them (with "a photo of a {}.", the template of
# CLIP's and ViFi-CLIP's hand prompts):
# - zero-shot CLIP: no prompts, nothing trained;
# - ViFi-CLIP: full fine-tuning of both encoders, no prompts; ViFi-CLIP's
#   training losses (label smoothing 0.1; mixup 0.8 or cutmix 1.0, one of the
#   two picked at random per batch; num_classes is filled in from the class
#   names);
# - IVLP: ViFi-CLIP's prompting recipe: 16 text and 16 vision tokens at 9
#   layers of each branch, no mapping, random text context (an init phrase
#   is only used for up to 4 tokens there), ViFi-CLIP's losses;
# - MaPLe: 2 text tokens at 9 layers from "a photo of a" ("a photo" learnt,
#   "of a" kept as words); every vision prompt is generated from the text
#   prompt of its layer by its own Linear(d_t, d_v) with PyTorch's default
#   init; plain cross-entropy. For a smaller CLIP override only
#   neck.depth_text / neck.depth_vision.
_photo = 'a photo of a {}.'
_vifi_losses = dict(
    cls_head=dict(template=_photo, loss_scenario=None, label_smooth_eps=0.1),
    data_preprocessor=dict(blending=dict(
        type='RandomBatchAugment',
        augments=[dict(type='MixupBlending', alpha=0.8),
                  dict(type='CutmixBlending', alpha=1.0)])))
zeroshot_clip_model = dict(
    neck=None, cls_head=dict(template=_photo, loss_scenario=None))
vificlip_model = dict(_vifi_losses, neck=None, freeze_backbone=False)
ivlp_model = dict(
    _vifi_losses,
    neck=dict(mapping='none', num_text_tokens=16, num_vision_tokens=16,
              depth_text=9, depth_vision=9, ctx_init=''))
maple_model = dict(
    neck=dict(mapping='text_to_vision', independent_vision_prompts=False,
              mapping_init='default', num_text_tokens=2, num_vision_tokens=2,
              depth_text=9, depth_vision=9, ctx_init='a photo of a',
              fixed_ctx_tail=True),
    cls_head=dict(template=_photo, loss_scenario=None))

# Ablations of ViLT-CLIP on its own recipe (the "-shared" configs: the
# ViLT-CLIP neck, template and schedule, one part changed):
# - ViFi-CLIP-style full fine-tuning, no prompts, with a far smaller lr;
# - IVLP: no mapping, no scenario loss;
# - IVLP + a zero-initialised text->vision residual on independent vision
#   prompts (not MaPLe: at init it is exactly IVLP).
vificlip_shared_model = dict(neck=None, freeze_backbone=False,
                             cls_head=dict(loss_scenario=None))
vificlip_shared_optim_wrapper = dict(
    optimizer=dict(lr=8e-6, weight_decay=1e-3))
ivlp_shared_model = dict(neck=dict(mapping='none'),
                         cls_head=dict(loss_scenario=None))
ivlp_t2v_residual_model = dict(
    neck=dict(mapping='text_to_vision', independent_vision_prompts=True,
              mapping_init='zeros'),
    cls_head=dict(loss_scenario=None))
del _photo, _vifi_losses
