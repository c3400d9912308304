# Something-Something v2 training pipeline: as the K400 one but without the
# horizontal flip, which would swap "left" and "right" in the class names.
# Used by the few-shot and base-to-novel SSv2 configs as
#   train_dataloader = dict(dataset=dict(pipeline={{_base_.ssv2_train_pipeline}}))
ssv2_train_pipeline = [
    dict(type='CheckedDecordInit', on_error='skip', io_backend='disk'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='CheckedDecordDecode', on_error='skip'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
