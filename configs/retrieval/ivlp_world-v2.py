# IVLP retrieval on world v2: independent prompts, no mapping, no
# scenario loss; the rest (data layout) as vilt-clip_world-v2.py.
#   python tools/train.py configs/retrieval/ivlp_world-v2.py \
#       --work-dir work_dirs/retrieval/ivlp
#   python tools/test.py configs/retrieval/ivlp_world-v2.py \
#       work_dirs/retrieval/ivlp/epoch_6.pth
_base_ = ['./vilt-clip_world-v2.py',
          '../_base_/models/peer_variants.py']

model = {{_base_.ivlp_shared_model}}  # ViLT-CLIP's recipe, no mapping
