# zero-shot CLIP ("a photo of a {}.", nothing trained), fully supervised on
# Kinetics-400.
# Use with tools/test.py only (there are no trainable parameters).
_base_ = ['../vlprompt_k400.py', '../_base_/models/peer_variants.py']

model = _base_.zeroshot_clip_model
