# The benchmark world's data (tools/data/make_bench_world.py): 8 frames of
# 64 px resized to the tiny CLIP's 48 px. The folder defaults to
# data/bench_world, where `make demo` and `make benchmark` write it;
# MMVLP_BENCH_ROOT moves it. Settings set the
# training annotation file, the class names and the test sets.
_base_ = ['./tiny_world_pipelines.py']

bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CheckedVideoDataset',
        ann_file=bench_root + '/world_a_train.txt',
        data_prefix=dict(video=bench_root + '/videos'),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CheckedVideoDataset',
        ann_file=bench_root + '/world_a_test.txt',
        data_prefix=dict(video=bench_root + '/videos'),
        pipeline=test_pipeline,
        test_mode=True))
val_dataloader = test_dataloader
test_evaluator = dict(type='AccMetric', metric_options=dict(
    top_k_accuracy=dict(topk=(1, 5))))
val_evaluator = test_evaluator
