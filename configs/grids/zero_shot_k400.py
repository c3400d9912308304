# Grid spec (tools/run_grid.py): the zero-shot table. The models trained on
# Kinetics-400 (the trainings of supervised_k400.py, shared through
# train_dir: whichever grid runs first trains, the other reuses) are tested
# on UCF-101 and HMDB-51 (splits 1-3) and the three 160-class K600 splits;
# the table gives mean +- std over the splits.
#   python tools/run_grid.py configs/grids/zero_shot_k400.py \
#       --launcher pytorch --gpus 8
protocol = 'zero_shot'
work_dir = 'work_dirs/grids/zero_shot'
method_order = ['zero-shot', 'vificlip', 'ivlp', 'maple', 'vilt-clip']
products = [
    dict(method={'vificlip': dict(cfg='vificlip',
                                  train='configs/baselines/vificlip_k400.py'),
                 'ivlp': dict(cfg='ivlp',
                              train='configs/baselines/ivlp_k400.py'),
                 'maple': dict(cfg='maple',
                               train='configs/baselines/maple_k400.py'),
                 'vilt-clip': dict(cfg='vlprompt',
                                   train='configs/vlprompt_k400.py')},
         dataset='k400', seed=[1], train_config='{train}',
         test_config='configs/zero_shot/{cfg}_k400_zs.py',
         train_dir='{work_dir}/../supervised/{method}_{dataset}_s{seed}/train'),
]
cells = [
    dict(method='zero-shot', dataset='k400', train_config=None,
         test_config='configs/zero_shot/zeroshot-clip_k400_zs.py'),
]
