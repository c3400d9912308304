# ViLT-CLIP video-text retrieval on MSR-VTT: trained on the 9k split, tested
# on 1k-A (t2v and v2t R@1/5/10, MdR, MnR). ViT-B/16, frozen CLIP, 8 frames
# at 224 px; prompts at 9 layers of both branches with both mappings; the
# symmetric contrastive loss over the batch (gathered over GPUs) plus the
# scenario loss to the frozen CLIP's features of the plain caption.
# Total batch 128 = 8 GPUs x 16 pairs, 5 epochs (CLIP4Clip's schedule), lr
# 2e-3 for the prompts (scaled with --auto-scale-lr). A starting point, not
# a reproduction.
# Data (MMAction2's CLIP4Clip layout, tools/data/video_retrieval/):
#   data/video_retrieval/msrvtt/videos/video0.mp4 ... video9999.mp4
#   data/video_retrieval/msrvtt/train_9k.json  {"video0.mp4": [20 captions]}
#   data/video_retrieval/msrvtt/test_JSFUSION.json {"video7020.mp4": ["..."]}
# Commands:
#   bash tools/dist_train.sh configs/retrieval/vilt-clip_msrvtt-9k_8f.py 8
#   bash tools/dist_test.sh configs/retrieval/vilt-clip_msrvtt-9k_8f.py \
#       work_dirs/vilt-clip_msrvtt-9k_8f/best_retrieval_t2v_R1_epoch_5.pth 8
_base_ = [
    '../_base_/models/vlprompt-retrieval_vit-b16.py',
    '../_base_/datasets/msrvtt-9k_retrieval.py',
    '../_base_/schedules/adamw_warmup_cosine_30e.py',
    '../_base_/default_runtime.py'
]

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=0.5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 0.5, eta_min=0,
         by_epoch=True, begin=0.5, end=max_epochs,
         convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=128)
