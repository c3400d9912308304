# ViLT-CLIP on CLIP ViT-B/16 (DESIGN 1.7 defaults).
# Every key is documented in docs/en/config_reference.md.
model = dict(
    type='VLPromptRecognizer',
    clip=dict(arch='ViT-B-16', pretrained='openai'),
    freeze_backbone=True,
    backbone=dict(type='PromptedViT', num_frames=8),
    neck=dict(
        type='VLPromptLearner',
        num_text_tokens=8,
        num_vision_tokens=8,
        depth_text=9,
        depth_vision=9,
        mapping='both',
        ctx_init='a video of a person doing'),
    cls_head=dict(
        type='PromptedTextHead',
        class_names='data/kinetics400/label_map_k400.txt',
        template='a video of a person doing {}.',
        loss_cls=dict(type='CrossEntropyLoss'),
        loss_scenario=dict(
            type='ScenarioGuidedLoss', distance='l1', loss_weight=25.0),
        label_smooth_eps=0.0,
        truncate_text=True,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        # CLIP's normalisation, on the 0-255 scale
        mean=[122.771, 116.746, 104.094],
        std=[68.500, 66.632, 70.323],
        format_shape='NCHW'))
