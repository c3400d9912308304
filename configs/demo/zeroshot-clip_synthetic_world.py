# Zero-shot tiny CLIP on the synthetic world: no prompts, the hand template
# 'a video of {}.'; test only, on the model as built:
#   python tools/test.py configs/demo/zeroshot-clip_synthetic_world.py none
_base_ = ['./vilt-clip_synthetic_world.py']

model = dict(neck=None)
