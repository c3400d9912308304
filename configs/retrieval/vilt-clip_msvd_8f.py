# ViLT-CLIP retrieval on MSVD (1,200 train / 670 test videos, ~40 captions
# each), 8 frames; model, pipelines and schedule as
# vilt-clip_msrvtt-9k_8f.py. Every test caption is a query (t2v over the 670
# videos); v2t ranks all ~27k test captions and counts each video's
# best-ranked own caption.
# Data (JSON {video: [captions]}, the MSR-VTT format):
#   data/video_retrieval/msvd/videos/<youtube id>_<start>_<end>.avi
#   data/video_retrieval/msvd/train.json
#   data/video_retrieval/msvd/test.json
# Commands:
#   bash tools/dist_train.sh configs/retrieval/vilt-clip_msvd_8f.py 8
#   bash tools/dist_test.sh configs/retrieval/vilt-clip_msvd_8f.py CKPT 8
_base_ = ['./vilt-clip_msrvtt-9k_8f.py']

data_root = 'data/video_retrieval/msvd'
train_dataloader = dict(
    dataset=dict(ann_file='train.json', data_root=data_root))
val_dataloader = dict(dataset=dict(ann_file='test.json', data_root=data_root))
test_dataloader = val_dataloader
