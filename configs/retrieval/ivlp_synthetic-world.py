# IVLP retrieval on the synthetic world: independent prompts, no mapping, no
# scenario loss; the rest (data, commands) as vilt-clip_synthetic-world.py.
_base_ = ['./vilt-clip_synthetic-world.py',
          '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_model}}
