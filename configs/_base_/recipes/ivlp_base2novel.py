# IVLP as in ViFi-CLIP's prompting recipe for base-to-novel: 16 text and 16
# vision tokens at 9 layers, no mapping, random context, 32 frames, batch 64
# (8 GPUs x 8), lr 4e-2, 11 epochs (5 warm-up), label smoothing 0.1,
# mixup / cutmix, "a photo of a {}.".
_base_ = ['./vifi_32_frames.py']

model = _base_.ivlp_model
(optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
 train_dataloader) = _base_.vificlip_recipes['ivlp_base2novel']
