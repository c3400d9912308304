# Kinetics-400 videos, 8 frames sampled uniformly, 224 px.
# Train: RandomResizedCrop + flip. Test: 2 clips x 3 crops, fused by
# averaging probabilities (cls_head.average_clips='prob'). Pipelines: see
# video_pipelines.py (video_frames switches a config to 16 or 32 frames).
_base_ = ['./video_pipelines.py']

dataset_type = 'CheckedVideoDataset'  # checks annotations (file:line)
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = 'data/kinetics400/kinetics400_val_list_videos.txt'
train_pipeline = _base_.video_pipelines['8f']['train']
train_pipeline_noflip = _base_.video_pipelines['8f']['train_noflip']
val_pipeline = _base_.video_pipelines['8f']['val']
test_pipeline = _base_.video_pipelines['8f']['test']

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root_val),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
