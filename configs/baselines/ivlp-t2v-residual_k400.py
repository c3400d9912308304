# IVLP ablation with a zero-initialised text->vision residual on independent
# vision prompts, on the shared ViLT-CLIP recipe (not MaPLe: at init it is
# exactly IVLP), fully supervised on Kinetics-400.
# 8 frames, 8 GPUs x 8 clips, lr as vlprompt_k400.py unless set here, 30 epochs.
_base_ = ['../vlprompt_k400.py', '../_base_/models/peer_variants.py']

model = _base_.ivlp_t2v_residual_model
