# ViLT-CLIP retrieval on MSR-VTT 9k / 1k-A with 12 frames per video
# (CLIP4Clip's clip_len); the rest as vilt-clip_msrvtt-9k_8f.py (data
# layout there).
#   bash tools/dist_train.sh configs/retrieval/vilt-clip_msrvtt-9k_12f.py 8
#   bash tools/dist_test.sh configs/retrieval/vilt-clip_msrvtt-9k_12f.py CKPT 8
_base_ = ['./vilt-clip_msrvtt-9k_8f.py']

model = dict(backbone=dict(num_frames=12))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_12f}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_12f}}))
test_dataloader = val_dataloader
