# Base-to-novel on the benchmark world's appearance dataset: base classes
# colours A x shapes B, novel classes colours B x shapes A, so base and
# novel share no word (disjoint concepts, as the published splits). 16 shots
# per base class; seeds 1-3 of that sample are b2n_base_k16_s{1,2,3}.txt.
# One test run scores base and novel, each against its own class names:
#   python tools/train.py configs/benchmark/world_b2n_appearance.py \
#       --work-dir work_dirs/bench_b2n
#   python tools/test.py configs/benchmark/world_b2n_appearance.py \
#       work_dirs/bench_b2n/epoch_2.pth
_base_ = ['./world_supervised.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'
b2n = 'b2n'

model = dict(
    cls_head=dict(class_names=f'{bench_root}/classes_{b2n}_base.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=f'{bench_root}/{b2n}_base_k16_s1.txt'))
# the template loader of the test sets (and of the label-range check)
test_dataloader = dict(
    dataset=dict(ann_file=f'{bench_root}/{b2n}_base_test.txt'))
val_dataloader = test_dataloader
test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    sets=[dict(prefix=half, ann_file=f'{bench_root}/{b2n}_{half}_test.txt',
               class_names=f'{bench_root}/classes_{b2n}_{half}.txt')
          for half in ('base', 'novel')],
    harmonic_mean=dict(base='base', novel='novel', name='b2n/hm'))
train_cfg = dict(max_epochs=2)  # 50 iterations an epoch
