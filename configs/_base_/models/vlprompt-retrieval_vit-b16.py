# ViLT-CLIP for video-text retrieval on CLIP ViT-B/16: the recognition
# model's backbone, prompt learner and data preprocessor
# (vlprompt_vit-b16.py), with a caption head in place of the class-name head.
# The learned text context goes before each caption; the hand-crafted
# prompt of the scenario loss is the plain caption (template '{}').
_base_ = ['./vlprompt_vit-b16.py']

model = dict(
    type='VLPromptSimilarity',
    neck=dict(ctx_init='a video of'),
    cls_head=dict(
        _delete_=True,
        type='PromptedCaptionHead',
        template='{}',
        loss_contrastive=dict(
            type='SymmetricContrastiveLoss', loss_weight=1.0, gather=True),
        loss_scenario=dict(
            type='ScenarioGuidedLoss', distance='l1', loss_weight=25.0),
        truncate_text=True,
        text_batch_size=256,
        cache_text=True))
