# Base-to-novel on the benchmark world's motion-only dataset: the same
# random objects, classes differ only by motion (as SSv2). Base motions
# resting, sliding, spinning, jumping; novel motions shaking, circling,
# wobbling, drifting. 16 shots per base class, seeds 1-3
# (motion_base_k16_s{1,2,3}.txt):
#   python tools/train.py configs/benchmark/world_b2n_motion.py
_base_ = ['./world_b2n_appearance.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(
    cls_head=dict(class_names=bench_root + '/classes_motion_base.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/motion_base_k16_s1.txt'))
test_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/motion_base_test.txt'))
val_dataloader = test_dataloader
test_cfg = dict(sets=[
    dict(prefix='base', ann_file=bench_root + '/motion_base_test.txt',
         class_names=bench_root + '/classes_motion_base.txt'),
    dict(prefix='novel', ann_file=bench_root + '/motion_novel_test.txt',
         class_names=bench_root + '/classes_motion_novel.txt')])
train_cfg = dict(max_epochs=10)  # 8 iterations an epoch
