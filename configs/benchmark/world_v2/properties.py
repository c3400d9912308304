# World v2's measured properties: every test set of the four settings in one
# test run (docs/en/benchmark/world_v2.md). Zero-shot CLIP (no prompts, hand
# template 'a video of {}.'):
#   python tools/test.py configs/benchmark/world_v2/properties.py none \
#       --dump work_dirs/world_v2/zs/preds.pkl
# A trained model (e.g. full fine-tuning on world A) with its checkpoint
# and the same --cfg-options it was trained with.
_base_ = ['./supervised.py']
world_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'

model = dict(neck=None, cls_head=dict(loss_scenario=None))
test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    # the zero-shot subsets reuse world B's features
    share_video_features=True,
    sets=[dict(prefix=name, ann_file=f'{world_root}/{ann}.txt',
               class_names=f'{world_root}/classes_{classes}.txt')
          for name, ann, classes in (
              ('world_a', 'world_a_test', 'world_a'),
              ('world_b', 'world_b_test', 'world_b'),
              ('zs_s1', 'zs_s1_test', 'zs_s1'),
              ('zs_s2', 'zs_s2_test', 'zs_s2'),
              ('zs_s3', 'zs_s3_test', 'zs_s3'),
              ('b2n_base', 'b2n_base_test', 'b2n_base'),
              ('b2n_novel', 'b2n_novel_test', 'b2n_novel'),
              ('motion', 'motion_test', 'motion'))])
