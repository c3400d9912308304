# IVLP in `make demo`: independent prompts, no mapping, no scenario loss;
# otherwise as vilt-clip_world_v2.py. Runs unchanged after `make demo`:
#   python tools/data/make_world_v2.py data/world_v2 \
#       --pools b2n_train b2n_base_test b2n_novel_test
#   python tools/train.py configs/demo/ivlp_world_v2.py \
#       --work-dir work_dirs/demo/ivlp
#   python tools/test.py configs/demo/ivlp_world_v2.py \
#       work_dirs/demo/ivlp/epoch_2.pth --dump work_dirs/demo/preds.pkl
_base_ = ['./vilt-clip_world_v2.py']

model = dict(neck=dict(mapping='none'), cls_head=dict(loss_scenario=None))
