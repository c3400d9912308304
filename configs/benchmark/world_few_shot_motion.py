# Few-shot on the benchmark world's motion-only set (8 motions of random
# objects; no single frame tells them apart, as in SSv2): K videos per
# class, file fs_motion_k{K}_s{seed}.txt (default K=16, seed 1).
#   python tools/train.py configs/benchmark/world_few_shot_motion.py
_base_ = ['./world_supervised.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(cls_head=dict(class_names=bench_root + '/classes_motion.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/fs_motion_k16_s1.txt'))
test_dataloader = dict(dataset=dict(ann_file=bench_root + '/motion_test.txt'))
val_dataloader = test_dataloader
train_cfg = dict(max_epochs=6)  # 16 iterations an epoch at K=16
