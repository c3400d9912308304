# Zero-shot CLIP in `make demo`: no prompts, the hand template
# 'a video of {}.', scored on the base and the novel classes of
# vilt-clip_bench_world.py; test only, on the model as built. Runs unchanged
# after `make demo`:
#   python tools/data/make_bench_world.py data/bench_world
#   python tools/test.py configs/demo/zeroshot-clip_bench_world.py none
_base_ = ['./vilt-clip_bench_world.py']

model = dict(neck=None, cls_head=dict(loss_scenario=None))
