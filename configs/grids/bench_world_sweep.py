# Grid spec (tools/run_grid.py): the scenario-loss weight sensitivity of
# ViLT-CLIP on the benchmark world's appearance base-to-novel split, seeds
# 1-3, at x0.25 and x4 of the declared weight 8.84 (x0 and x1 are the
# vilt-clip-no-scenario and vilt-clip cells of bench_world.py).
# `make benchmark` runs it into <BENCH_DIR>/sweep and draws
# <BENCH_DIR>/scenario_weight_sweep.png
# (tools/analysis/plot_scenario_sweep.py).
protocol = 'base2novel'
work_dir = 'work_dirs/benchmark/sweep'
method_order = ['vilt-clip-w2.21', 'vilt-clip-w35.36']

_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'
cells = [
    dict(method=f'vilt-clip-w{weight}', dataset='appearance', seed=seed,
         train_config='configs/benchmark/world_b2n_appearance.py',
         cfg_options=[f'model.cls_head.loss_scenario.loss_weight={weight}'],
         train_cfg_options=[f'train_dataloader.dataset.ann_file={_root}'
                            f'/b2n_base_k16_s{seed}.txt'])
    for seed in (1, 2, 3) for weight in ('2.21', '35.36')
]
