# ViFi-CLIP as published for few-shot: full fine-tuning, 32 frames, batch
# 64 (8 GPUs x 8), lr 2e-6, 50 epochs (5 warm-up), label smoothing 0.1,
# mixup / cutmix, "a photo of a {}.".
_base_ = ['./vifi_32_frames.py']

model = _base_.vificlip_model
(optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
 train_dataloader) = _base_.vificlip_recipes['few_shot']
