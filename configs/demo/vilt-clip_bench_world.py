# ViLT-CLIP in `make demo`: base-to-novel on the benchmark world's
# appearance split (configs/benchmark/world_b2n_appearance.py: 25 base
# classes colours A x shapes B, 16 shots each; 25 novel classes colours B x
# shapes A, no word shared with base), with the committed tiny CLIP
# checkpoints/vlp-bench/vlp-bench.pt. Every command below runs unchanged
# after `make demo` (which writes the data to data/bench_world and the runs
# to work_dirs/demo), or in this order on a fresh checkout:
#   python tools/data/make_bench_world.py data/bench_world
#   python tools/train.py configs/demo/vilt-clip_bench_world.py \
#       --work-dir work_dirs/demo/vilt-clip
#   python tools/test.py configs/demo/vilt-clip_bench_world.py \
#       work_dirs/demo/vilt-clip/epoch_2.pth --dump work_dirs/demo/preds.pkl
_base_ = ['../benchmark/world_b2n_appearance.py']
