# MSR-VTT retrieval: 9k training videos (train_9k.json, 20 captions each,
# one sample per video-caption pair) and the 1k-A test set
# (test_JSFUSION.json, one caption per video, one sample per video), in
# MMAction2's CLIP4Clip layout:
#   data/video_retrieval/msrvtt/videos/video0.mp4 ...
#   data/video_retrieval/msrvtt/train_9k.json   {"video0.mp4": ["...", ...]}
#   data/video_retrieval/msrvtt/test_JSFUSION.json
# (made by MMAction2's tools/data/video_retrieval/prepare_msrvtt.py).
_base_ = ['./retrieval_pipelines.py']

dataset_type = 'VideoCaptionDataset'
data_root = 'data/video_retrieval/msrvtt'

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file='train_9k.json',
        data_root=data_root,
        data_prefix=dict(video='videos'),
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file='test_JSFUSION.json',
        data_root=data_root,
        data_prefix=dict(video='videos'),
        group_captions=True,  # each video and caption embedded once
        pipeline={{_base_.test_pipeline}},
        test_mode=True))
test_dataloader = val_dataloader

# t2v and v2t R@1/5/10, MdR, MnR, similarities ranked in chunks
val_evaluator = dict(type='VideoTextRetrievalMetric')
test_evaluator = val_evaluator
