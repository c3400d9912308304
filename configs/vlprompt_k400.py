# ViLT-CLIP, fully supervised on Kinetics-400 (DESIGN 3, 1.7).
# ViT-B/16, 8 frames at 224 px, frozen CLIP; prompts at 9 layers of both
# branches with both mappings and the scenario-guided L1 loss (weight 25).
# Total batch 64 = 8 GPUs x 8 clips; lr 2e-3 scales linearly with
# `--auto-scale-lr`. A starting point, not a reproduction of the paper.
_base_ = [
    '_base_/models/vlprompt_vit-b16.py', '_base_/datasets/k400_8x224.py',
    '_base_/schedules/adamw_warmup_cosine_30e.py', '_base_/default_runtime.py'
]

model = dict(
    cls_head=dict(class_names='data/kinetics400/label_map_k400.txt'))
