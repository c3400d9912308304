# Pipelines of the synthetic worlds of the tiny CLIP (vlp-bench):
# 8 frames of 64 px, resized to the CLIPs' 48 px input. Training skips (and
# counts) unreadable videos; testing fails naming the file.
num_frames = 8
image_size = 48

train_pipeline = [
    dict(type='CheckedDecordInit', on_error='skip'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode', on_error='skip'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1,
         test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
