# Zero-shot CLIP in `make demo`: no prompts, the hand template
# 'a video of {}.', scored on the base and the novel classes of
# vilt-clip_world_v2.py; test only, on the model as built. Runs unchanged
# after `make demo`:
#   python tools/data/make_world_v2.py data/world_v2 \
#       --pools b2n_train b2n_base_test b2n_novel_test
#   python tools/test.py configs/demo/zeroshot-clip_world_v2.py none
_base_ = ['./vilt-clip_world_v2.py']

model = dict(neck=None, cls_head=dict(loss_scenario=None))
