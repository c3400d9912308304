# Grid spec (tools/run_grid.py): the few-shot table, K = 2, 4, 8, 16 clips
# per class on HMDB-51, UCF-101 and SSv2 (split 1), starting from CLIP.
#   python tools/run_grid.py configs/grids/few_shot.py \
#       --launcher pytorch --gpus 8
protocol = 'few_shot'
work_dir = 'work_dirs/grids/few_shot'
method_order = ['vificlip', 'vilt-clip']
products = [
    dict(method={'vificlip': dict(cfg='vificlip'),
                 'vilt-clip': dict(cfg='vlprompt')},
         dataset=['hmdb51', 'ucf101', 'ssv2'], shots=[2, 4, 8, 16], seed=[1],
         train_config='configs/few_shot/{cfg}_fs_{dataset}_k{shots}.py'),
]
