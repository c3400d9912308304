# MaPLe (models/peer_variants.py: maple_model, as published) for
# base-to-novel. MaPLe publishes no video recipe; it is trained with the
# schedule of ViFi-CLIP's prompting recipe, the closest published one: 32
# frames, batch 64 (8 GPUs x 8), lr 4e-2, 11 epochs (5 warm-up), and keeps
# MaPLe's own plain cross-entropy (no label smoothing, no mixup).
_base_ = ['./vifi_32_frames.py']

model = _base_.maple_model
(optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
 train_dataloader) = _base_.vificlip_recipes['ivlp_base2novel']
