# MaPLe as published, on the shared ViLT-CLIP recipe (controlled comparison),
# fully supervised on Kinetics-400.
# 8 frames, 8 GPUs x 8 clips, lr as vlprompt_k400.py unless set here, 30 epochs.
_base_ = ['../vlprompt_k400.py', '../_base_/models/peer_variants.py']

model = _base_.maple_model
