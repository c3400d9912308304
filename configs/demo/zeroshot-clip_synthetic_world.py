# Zero-shot tiny CLIP on the synthetic world: no prompts, the hand template
# 'a video of {}.'; test only (save the untrained model with
# tools/misc/save_init_checkpoint.py, then run tools/test.py on it).
_base_ = ['./vilt-clip_synthetic_world.py']

model = dict(neck=None)
