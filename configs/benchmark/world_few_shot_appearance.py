# Few-shot on the benchmark world's appearance set (world B, 25 classes):
# K videos per class from CLIP (no world A training), tested on world B's
# held-out videos. K and the sample seed choose the annotation file
# fs_appearance_k{K}_s{seed}.txt; the grid spec sets it and the epochs per K
# (about 60-100 iterations). Default: K=16, seed 1:
#   python tools/train.py configs/benchmark/world_few_shot_appearance.py
_base_ = ['./world_supervised.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(cls_head=dict(class_names=bench_root + '/classes_world_b.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/fs_appearance_k16_s1.txt'))
test_dataloader = dict(dataset=dict(ann_file=bench_root + '/world_b_test.txt'))
val_dataloader = test_dataloader
