# IVLP ablation of ViLT-CLIP on its shared recipe (ViLT-CLIP prompts, no
# mapping, no scenario loss; controlled comparison), fully supervised on
# Kinetics-400.
# 8 frames, 8 GPUs x 8 clips, lr as vlprompt_k400.py unless set here, 30 epochs.
_base_ = ['../vlprompt_k400.py', '../_base_/models/peer_variants.py']

model = _base_.ivlp_shared_model
