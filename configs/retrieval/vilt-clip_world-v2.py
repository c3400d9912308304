# ViLT-CLIP retrieval on world v2 (`make retrieval`): the tiny CLIP of the
# demo (checkpoints/vlp-bench/vlp-bench.pt), 50 classes (world A's and world
# B's colour-shape classes) x 4 training videos with 3 captions each, tested
# on 50 x 6 = 300 videos with 2 captions each (phrasings of the class,
# mmvlprompt/worlds/captions.py), all seen through world v2's camera.
# Data (folder from MMVLP_RETRIEVAL_ROOT):
#   python tools/data/make_world_v2_retrieval.py data/world_v2_retrieval
#   data/world_v2_retrieval/{train,test}.json
#       {"test/red_square_000.mp4": ["a red square", "the square is red"]}
#   data/world_v2_retrieval/videos/{train,test}/*.mp4
# Commands:
#   python tools/train.py configs/retrieval/vilt-clip_world-v2.py \
#       --work-dir work_dirs/retrieval/vilt-clip
#   python tools/test.py configs/retrieval/vilt-clip_world-v2.py \
#       work_dirs/retrieval/vilt-clip/epoch_6.pth
_base_ = [
    '../_base_/models/vlprompt-retrieval_vit-b16.py',
    '../_base_/datasets/msrvtt-9k_retrieval.py',
    '../_base_/schedules/adamw_warmup_cosine_30e.py',
    '../_base_/default_runtime.py'
]

data_root = '{{$MMVLP_RETRIEVAL_ROOT:data/world_v2_retrieval}}'
clip_path = '{{$MMVLP_BENCH_CLIP:checkpoints/vlp-bench/vlp-bench.pt}}'

model = dict(
    clip=dict(arch='vlp-bench', pretrained=clip_path),
    neck=dict(num_text_tokens=4, num_vision_tokens=4, depth_text=3,
              depth_vision=3))
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='train.json',
                 data_prefix=dict(video='videos'),
                 pipeline={{_base_.train_pipeline_world}}))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='test.json',
                 pipeline={{_base_.test_pipeline_world}}))
test_dataloader = val_dataloader

max_epochs = 6
# no validation while training: tools/test.py scores the test set after
train_cfg = dict(max_epochs=max_epochs, val_begin=max_epochs + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=5e-3))
default_hooks = dict(
    logger=dict(interval=12),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
