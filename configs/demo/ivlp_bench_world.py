# IVLP in `make demo`: independent prompts, no mapping, no scenario loss;
# otherwise as vilt-clip_bench_world.py. Runs unchanged after `make demo`:
#   python tools/data/make_bench_world.py data/bench_world
#   python tools/train.py configs/demo/ivlp_bench_world.py \
#       --work-dir work_dirs/demo/ivlp
#   python tools/test.py configs/demo/ivlp_bench_world.py \
#       work_dirs/demo/ivlp/epoch_2.pth --dump work_dirs/demo/preds.pkl
_base_ = ['./vilt-clip_bench_world.py']

model = dict(neck=dict(mapping='none'), cls_head=dict(loss_scenario=None))
