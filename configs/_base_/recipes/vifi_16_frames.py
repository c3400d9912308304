# vifi_32_frames.py at 16 frames (ViFi-CLIP's fully supervised K400 recipe).
_base_ = ['./vifi_32_frames.py']

(model, train_dataloader, val_dataloader, test_dataloader, train_pipeline,
 train_pipeline_noflip, val_pipeline, test_pipeline) = \
    _base_.video_frames['16f']
