# Grid spec (tools/run_grid.py): the base-to-novel table on K-400, HMDB-51,
# UCF-101 and SSv2, the published seeds 1-3 (each seed its own 16-shot
# base-class list), tested on the base and the novel classes (best b2n/hm
# checkpoint); zero-shot CLIP is tested as built.
#   python tools/run_grid.py configs/grids/base2novel.py \
#       --launcher pytorch --gpus 8
protocol = 'base2novel'
work_dir = 'work_dirs/grids/base2novel'
method_order = ['zero-shot', 'vificlip', 'ivlp', 'maple', 'vilt-clip']
_datasets = ['k400', 'hmdb51', 'ucf101', 'ssv2']
products = [
    dict(method={'vificlip': dict(cfg='vificlip'), 'ivlp': dict(cfg='ivlp'),
                 'maple': dict(cfg='maple'),
                 'vilt-clip': dict(cfg='vlprompt')},
         dataset=_datasets, seed=[1, 2, 3],
         train_config='configs/base2novel/{cfg}_b2n_{dataset}_s{seed}.py'),
    dict(method='zero-shot', dataset=_datasets, train_config=None,
         test_config='configs/base2novel/zeroshot-clip_b2n_{dataset}.py'),
]
