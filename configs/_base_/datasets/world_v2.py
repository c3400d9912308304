# World v2's data (tools/data/make_world_v2.py; docs/en/benchmark/world_v2.md):
# the benchmark world's loaders (8 frames of 64 px resized to the tiny
# CLIP's 48 px), with decoded frames kept in memory (CachedDecordInit /
# CachedDecordDecode: the frames of CheckedDecordInit / CheckedDecordDecode,
# decoded once per process; MMVLP_FRAME_CACHE_MB sets the budget, 0 turns
# it off). The folder defaults to data/world_v2; MMVLP_WORLD_V2_ROOT moves
# it. Settings set the training file, the class names and the test sets.
# The loaders and the evaluator were world v1's (configs/_base_/datasets/
# bench_world.py, removed; last at commit dac1ed1), folded in here unchanged.

world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'
num_frames = 8
image_size = 48
frame_cache_mb = 2048

train_pipeline = [
    dict(type='CachedDecordInit', on_error='skip', max_mb=frame_cache_mb),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CachedDecordDecode', on_error='skip'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CachedDecordInit', max_mb=frame_cache_mb),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1,
         test_mode=True),
    dict(type='CachedDecordDecode'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    # the file name keys the features shared across test sets
    # (MultiSetTestLoop share_video_features)
    dict(type='PackActionInputs',
         meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp',
                    'filename'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CheckedVideoDataset',
        ann_file=world_root + '/world_a_train.txt',
        data_prefix=dict(video=world_root + '/videos'),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CheckedVideoDataset',
        ann_file=world_root + '/world_a_test.txt',
        data_prefix=dict(video=world_root + '/videos'),
        pipeline=test_pipeline,
        test_mode=True))
val_dataloader = test_dataloader
test_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 5))))
val_evaluator = test_evaluator
