# The data side of ViFi-CLIP's 32-frame recipes: 32 frames per view in every
# pipeline and in the backbone, on top of the ViLT-CLIP K400 config; the
# recipe configs built on it add a model from models/peer_variants.py and a
# schedule from schedules/vificlip_recipes.py.
_base_ = [
    '../../vlprompt_k400.py', '../models/peer_variants.py',
    '../schedules/vificlip_recipes.py'
]

(train_dataloader, val_dataloader, test_dataloader, train_pipeline,
 train_pipeline_noflip, val_pipeline, test_pipeline) = \
    _base_.video_frames['32f']
model = dict(backbone=dict(num_frames=32))
