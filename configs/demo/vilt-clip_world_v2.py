# ViLT-CLIP in `make demo`: base-to-novel on world v2
# (docs/en/benchmark/world_v2.md; configs/benchmark/world_v2/b2n.py: 25 base
# classes colours A x shapes B, 16 shots each; 25 novel classes colours B x
# shapes A, no word shared with base; 1,000 test videos each), with the
# committed tiny CLIP checkpoints/vlp-bench/vlp-bench.pt. The demo's recipe
# (kept from the first benchmark world's demo): 100 iterations (2 epochs of
# 50), AdamW lr 5e-3, a linear warm-up over 10 iterations then constant,
# seed 0, shots seed 1 (b2n_base_k16_s1.txt). Every command below runs
# unchanged after `make demo` (which writes the data to data/world_v2 and
# the runs to work_dirs/demo), or in this order on a fresh checkout:
#   python tools/data/make_world_v2.py data/world_v2 \
#       --pools b2n_train b2n_base_test b2n_novel_test
#   python tools/train.py configs/demo/vilt-clip_world_v2.py \
#       --work-dir work_dirs/demo/vilt-clip
#   python tools/test.py configs/demo/vilt-clip_world_v2.py \
#       work_dirs/demo/vilt-clip/epoch_2.pth --dump work_dirs/demo/preds.pkl
_base_ = ['../benchmark/world_v2/b2n.py']

train_cfg = dict(max_epochs=2)  # 50 iterations an epoch
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10)
]
randomness = dict(seed=0)
