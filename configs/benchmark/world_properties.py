# The measured properties of the benchmark world: zero-shot CLIP (no
# prompts, hand template 'a video of {}.') on every test set of the four
# settings, in one test-only run (README "Results on the embedded
# benchmark"; declared targets: >= 40 % top-1 on the appearance sets, whose
# chance is <= 5 %, and near chance on the motion-only sets):
#   python tools/test.py configs/benchmark/world_properties.py none
_base_ = ['./world_supervised.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(neck=None, cls_head=dict(loss_scenario=None))
test_cfg = dict(
    _delete_=True,
    type='MultiSetTestLoop',
    sets=[dict(prefix=name, ann_file=f'{bench_root}/{ann}.txt',
               class_names=f'{bench_root}/classes_{classes}.txt')
          for name, ann, classes in (
              ('world_a', 'world_a_test', 'world_a'),
              ('world_b', 'world_b_test', 'world_b'),
              ('zs_s1', 'zs_s1_test', 'zs_s1'),
              ('zs_s2', 'zs_s2_test', 'zs_s2'),
              ('zs_s3', 'zs_s3_test', 'zs_s3'),
              ('b2n_base', 'b2n_base_test', 'b2n_base'),
              ('b2n_novel', 'b2n_novel_test', 'b2n_novel'),
              ('comp_base', 'comp_base_test', 'comp_base'),
              ('comp_novel', 'comp_novel_test', 'comp_novel'),
              ('motion', 'motion_test', 'motion'),
              ('motion_base', 'motion_base_test', 'motion_base'),
              ('motion_novel', 'motion_novel_test', 'motion_novel'))])
