# Zero-shot on the benchmark world: a model trained on world A
# (world_supervised.py) tested on world B, whose colours and shapes never
# occur in world A's class names, in 3 subsets of 20 of its 25 classes
# (as K600's 3 splits of 160). One run logs world_b_s{1,2,3}/acc/top1 and
# their mean and std (group world_b). Test only:
#   python tools/test.py configs/benchmark/world_zero_shot.py \
#       work_dirs/bench_world_supervised/epoch_2.pth
_base_ = ['./world_supervised.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    sets=[dict(prefix=f'world_b_s{k}', group='world_b',
               ann_file=f'{bench_root}/zs_s{k}_test.txt',
               class_names=f'{bench_root}/classes_zs_s{k}.txt')
          for k in (1, 2, 3)])
