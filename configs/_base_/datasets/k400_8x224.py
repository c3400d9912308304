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


def _loader(batch_size, ann_file, videos, pipeline, train=False):
    return dict(
        batch_size=batch_size,
        num_workers=8,
        # train: new workers every epoch, so that EpochSeedHook makes
        # --resume exact (persistent workers would carry their random state
        # across epochs, which a resumed run cannot restore); starting them
        # costs seconds
        persistent_workers=not train,
        sampler=dict(type='DefaultSampler', shuffle=train),
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            data_prefix=dict(video=videos),
            pipeline=pipeline,
            **({} if train else dict(test_mode=True))))


train_dataloader = _loader(8, ann_file_train, data_root, train_pipeline,
                           train=True)
val_dataloader = _loader(8, ann_file_val, data_root_val, val_pipeline)
test_dataloader = _loader(1, ann_file_test, data_root_val, test_pipeline)

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
