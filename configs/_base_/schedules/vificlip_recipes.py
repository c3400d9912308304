# ViFi-CLIP's published training recipes, by protocol: AdamW (betas 0.9,
# 0.98), weight decay 1e-3, 5 linear warm-up epochs, then cosine to 0.
#
#   protocol                         frames  batch  lr      epochs
#   k400 (full fine-tuning)          16      512    2.2e-5  30
#   zero_shot (K400 training)        32      256    8e-6    10
#   few_shot                         32      64     2e-6    50
#   base2novel                       32      64     2e-6    11
#   ivlp_base2novel (prompting)      32      64     4e-2    11
#
# "batch" is the effective batch: train_dataloader.batch_size per GPU x 8
# GPUs, and auto_scale_lr.base_batch_size (pass --auto-scale-lr on another
# number of GPUs). A recipe config unpacks one entry:
#   (optim_wrapper, param_scheduler, train_cfg, auto_scale_lr,
#    train_dataloader) = _base_.vificlip_recipes['base2novel']
# and takes the frames from _base_.video_frames (datasets/video_pipelines.py).
# Gradient clipping (max norm 1.0) stays the project's.


def _recipe(lr, epochs, batch, warmup=5, gpus=8):
    return [
        dict(optimizer=dict(type='AdamW', lr=lr, betas=(0.9, 0.98),
                            weight_decay=1e-3)),
        [dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
              end=warmup, convert_to_iter_based=True),
         dict(type='CosineAnnealingLR', T_max=epochs - warmup, eta_min=0,
              by_epoch=True, begin=warmup, end=epochs,
              convert_to_iter_based=True)],
        dict(type='EpochBasedTrainLoop', max_epochs=epochs),
        dict(enable=False, base_batch_size=batch),
        dict(batch_size=batch // gpus)
    ]


vificlip_recipes = dict(
    k400=_recipe(2.2e-5, 30, 512),
    zero_shot=_recipe(8e-6, 10, 256),
    few_shot=_recipe(2e-6, 50, 64),
    base2novel=_recipe(2e-6, 11, 64),
    ivlp_base2novel=_recipe(4e-2, 11, 64))
