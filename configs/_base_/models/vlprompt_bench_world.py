# ViLT-CLIP on the benchmark world's tiny CLIP ('vlp-bench': ViT 4 x 96 at
# 48 px, text 3 x 64, joint width d = 64), committed as
# checkpoints/vlp-bench/vlp-bench.pt (MMVLP_BENCH_CLIP moves it).
#
# Scenario-loss weight rule (declared before any prompt method was run):
# the L1 distance is a mean over the d feature dimensions of two unit
# vectors, so for the same angle between them it scales like 1/sqrt(d). The
# weight 25 is for CLIP's d = 512; at width d we keep the loss per angle
# unchanged with w(d) = 25 * sqrt(d / 512), i.e. 25 / sqrt(8) = 8.84 here.
clip_path = '{{$MMVLP_BENCH_CLIP:checkpoints/vlp-bench/vlp-bench.pt}}'
scenario_weight = 8.84

model = dict(
    type='VLPromptRecognizer',
    clip=dict(arch='vlp-bench', pretrained=clip_path),
    freeze_backbone=True,
    backbone=dict(type='PromptedViT', num_frames=8),
    neck=dict(
        type='VLPromptLearner',
        num_text_tokens=4,
        num_vision_tokens=4,
        depth_text=3,
        depth_vision=3,
        mapping='both',
        ctx_init='a video of'),
    cls_head=dict(
        type='PromptedTextHead',
        class_names=None,  # set by each setting
        template='a video of {}.',
        loss_cls=dict(type='CrossEntropyLoss'),
        loss_scenario=dict(type='ScenarioGuidedLoss', distance='l1',
                           loss_weight=scenario_weight),
        label_smooth_eps=0.0,
        truncate_text=True,
        average_clips='prob',
        topk=(1, 5)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[122.771, 116.746, 104.094],
        std=[68.500, 66.632, 70.323],
        format_shape='NCHW'))
