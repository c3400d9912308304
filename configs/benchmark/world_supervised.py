# Fully supervised on the benchmark world: ViLT-CLIP trained on all 25
# classes of world A (colours A x shapes A, 20 videos each), tested on
# world A's held-out videos. Data: tools/data/make_bench_world.py (what
# `make benchmark` runs):
#   python tools/data/make_bench_world.py data/bench_world
#   python tools/train.py configs/benchmark/world_supervised.py \
#       --work-dir work_dirs/bench_world_supervised
#   python tools/test.py configs/benchmark/world_supervised.py \
#       work_dirs/bench_world_supervised/epoch_2.pth
# Other methods: the grid spec configs/grids/bench_world.py (method_options)
# or `--cfg-options`, e.g. IVLP: model.neck.mapping=none
# model.cls_head.loss_scenario=None.
_base_ = [
    '../_base_/models/vlprompt_bench_world.py',
    '../_base_/datasets/bench_world.py',
    '../_base_/schedules/bench_world.py',
    '../_base_/default_runtime.py'
]
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(cls_head=dict(class_names=bench_root + '/classes_world_a.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/world_a_train.txt'))
test_dataloader = dict(dataset=dict(ann_file=bench_root + '/world_a_test.txt'))
val_dataloader = test_dataloader
train_cfg = dict(max_epochs=2)  # 63 iterations an epoch
# the last checkpoint only (epoch_<max_epochs>.pth), no best-by-validation
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1000, save_last=True, save_best=None,
                    max_keep_ckpts=1))
randomness = dict(seed=0)
