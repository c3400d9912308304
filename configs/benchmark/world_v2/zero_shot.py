# Zero-shot on world v2: a model trained on world A
# (configs/benchmark/world_v2/supervised.py) tested on 3 subsets of 20 of
# world B's 25 classes (no word of world A; 1,000 test videos each), mean +-
# std over the subsets:
#   python tools/test.py configs/benchmark/world_v2/zero_shot.py \
#       work_dirs/world_v2/vilt-clip_supervised/epoch_4.pth
_base_ = ['./supervised.py']
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    # world B's test videos are scored against 3 class lists: their
    # features are computed once
    share_video_features=True,
    sets=[dict(prefix=f'world_b_s{k}', group='world_b',
               ann_file=f'{world_root}/zs_s{k}_test.txt',
               class_names=f'{world_root}/classes_zs_s{k}.txt')
          for k in (1, 2, 3)])
