# Grid spec (tools/run_grid.py): the fully supervised Kinetics-400 table.
# Each method trains on K400 and is tested on the K400 val list (2 clips x
# 3 crops); zero-shot CLIP is tested as built.
#   python tools/run_grid.py configs/grids/supervised_k400.py \
#       --launcher pytorch --gpus 8
# The zero-shot grid (zero_shot_k400.py) tests these same trainings.
protocol = 'supervised'
work_dir = 'work_dirs/grids/supervised'
method_order = ['zero-shot', 'vificlip', 'ivlp', 'maple', 'vilt-clip']
products = [
    dict(method={'vificlip': dict(cfg='configs/baselines/vificlip_k400.py'),
                 'ivlp': dict(cfg='configs/baselines/ivlp_k400.py'),
                 'maple': dict(cfg='configs/baselines/maple_k400.py'),
                 'vilt-clip': dict(cfg='configs/vlprompt_k400.py')},
         dataset='k400', seed=[1], train_config='{cfg}'),
]
cells = [
    dict(method='zero-shot', dataset='k400', train_config=None,
         test_config='configs/baselines/zeroshot-clip_k400.py'),
]
