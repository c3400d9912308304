# World v2's recipe (docs/en/benchmark/world_v2.md, declared before it was
# measured): batch 8, AdamW lr 5e-3 for prompts (full fine-tuning overrides
# it with 1e-4), a linear warm-up over the first 10 iterations, then cosine
# to 0 at the last iteration; no validation while training, the last
# checkpoint is tested. Each setting sets max_epochs and the cosine's end
# (its number of iterations), since the two must agree.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=4, val_begin=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.98),
                   weight_decay=1e-3),
    clip_grad=dict(max_norm=1.0, norm_type=2))
warmup_iters = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=warmup_iters,
         end=500, eta_min=0.0)
]
auto_scale_lr = dict(enable=False, base_batch_size=8)
