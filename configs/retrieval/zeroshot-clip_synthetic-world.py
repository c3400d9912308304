# Zero-shot tiny CLIP retrieval on the synthetic world: no prompts, the plain
# caption; test only, on the model as built:
#   python tools/test.py configs/retrieval/zeroshot-clip_synthetic-world.py none
_base_ = ['./vilt-clip_synthetic-world.py',
          '../_base_/models/peer_variants.py']

model = {{_base_.zeroshot_clip_model}}
