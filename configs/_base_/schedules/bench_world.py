# The benchmark world's recipe, one for every method and setting: AdamW
# lr 5e-3 (ViFi-CLIP's full fine-tuning overrides it), a linear warm-up over
# the first 10 iterations, then constant; no validation while training, the
# last checkpoint is tested. Settings choose max_epochs so that each
# training has roughly the same number of iterations.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_begin=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.98),
                   weight_decay=1e-3),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10)
]
auto_scale_lr = dict(enable=False, base_batch_size=8)
