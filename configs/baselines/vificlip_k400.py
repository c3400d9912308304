# ViFi-CLIP as published, fully supervised on Kinetics-400: full fine-tuning,
# 16 frames, batch 512 (8 GPUs x 64), lr 2.2e-5, 30 epochs (5 warm-up),
# label smoothing 0.1, mixup / cutmix, "a photo of a {}.".
_base_ = ['../_base_/recipes/vifi_16_frames.py']

model = _base_.vificlip_model
(optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
 train_dataloader) = _base_.vificlip_recipes['k400']
