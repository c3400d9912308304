# AdamW, 2 warm-up epochs then cosine to 0, 30 epochs in all (DESIGN 1.7).
# lr 2e-3 is for a total batch of 64 (e.g. 8 GPUs x 8 clips) and is scaled
# linearly with `--auto-scale-lr`.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# fused=True: one optimizer kernel for all prompts and mappings instead of
# about ten per tensor (the step is launch-bound on a GPU; same update)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.98),
                   weight_decay=1e-3, fused=True),
    clip_grad=dict(max_norm=1.0, norm_type=2))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=28, eta_min=0, by_epoch=True,
         begin=2, end=30, convert_to_iter_based=True)
]

auto_scale_lr = dict(enable=False, base_batch_size=64)
