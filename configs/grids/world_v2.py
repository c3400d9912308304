# Grid spec (tools/run_grid.py) of the embedded benchmark on world v2.1
# (docs/en/benchmark/world_v2_grid.md: design and recipes declared there
# before any cell ran): the four settings, all seven methods, 3 seeds, with
# the methods as config overrides of the world v2 setting configs.
# `make benchmark` runs it; by hand:
#   python tools/data/make_world_v2.py data/world_v2
#   python tools/run_grid.py configs/grids/world_v2.py --persistent-workers \
#       --jobs 2 --work-dir work_dirs/benchmark
# Cells are listed most important first (base-to-novel, then supervised and
# zero-shot, then few-shot), seed by seed, so that a grid cut short has
# complete method rows for the seeds it finished.
protocol = 'base2novel'
work_dir = 'work_dirs/benchmark'
method_order = ['zero-shot', 'vificlip', 'ivlp', 'maple', 'vilt-clip',
                'vilt-clip-no-scenario', 'vilt-clip-no-mapping']

_root = '{{$MMVLP_WORLD_V2_ROOT:data/world_v2}}'
_cfg = 'configs/benchmark/world_v2/{}.py'
_no_scenario = 'model.cls_head.loss_scenario=None'
# the methods, as overrides of the ViLT-CLIP configs (DESIGN 1.6), all on
# world v2's recipe (configs/_base_/schedules/world_v2.py). ViFi-CLIP: full
# fine-tuning (every CLIP weight trained, hand template, lr 1e-4). MaPLe:
# the faithful coupling (vision prompts generated from the text prompts,
# default-init mappings, 2 tokens, the first 2 words of the template learnt
# and the rest kept) at the tiny CLIP's depth.
_methods = {
    'vificlip': ['model.neck=None', 'model.freeze_backbone=False',
                 _no_scenario, 'optim_wrapper.optimizer.lr=1e-4'],
    'ivlp': ['model.neck.mapping=none', _no_scenario],
    'maple': ['model.neck.mapping=text_to_vision',
              'model.neck.independent_vision_prompts=False',
              'model.neck.mapping_init=default',
              'model.neck.num_text_tokens=2',
              'model.neck.num_vision_tokens=2',
              'model.neck.fixed_ctx_tail=True', _no_scenario],
    'vilt-clip': [],
    'vilt-clip-no-scenario': [_no_scenario],
    'vilt-clip-no-mapping': ['model.neck.mapping=none'],
}
_zero_shot = ['model.neck=None', _no_scenario]
_seeds = (1, 2, 3)
_batch = 8
_warmup = 10


def _recipe(videos, epochs):
    """max_epochs and the cosine's end (the run's iteration count) of a
    training set of ``videos`` at batch 8 (the last batch kept)."""
    iters = epochs * -(-videos // _batch)
    return [f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.1.end={iters}']


# The declared recipes (training videos, epochs): iterations in comments.
_supervised = _recipe(1000, 3)            # 375 iterations
_b2n = _recipe(400, 6)                    # 300 iterations (the gate recipe)
_few_shot = {                             # 25 classes x K shots
    ('appearance', 2): _recipe(50, 10),   # 70 iterations
    ('appearance', 4): _recipe(100, 8),   # 104
    ('appearance', 8): _recipe(200, 6),   # 150
    ('appearance', 16): _recipe(400, 4),  # 200
    ('motion', 16): _recipe(128, 6),      # 96 (the one motion control)
}


def _trained(method, opts, seed, **cell):
    return dict(method=method, seed=seed, cfg_options=opts, **cell)


def _base_to_novel():
    config = _cfg.format('b2n')
    out = [dict(method='zero-shot', dataset='world_v2', train_config=None,
                test_config=config, cfg_options=_zero_shot)]
    for seed in _seeds:
        out += [_trained(m, opts, seed, dataset='world_v2',
                         train_config=config,
                         train_cfg_options=[
                             f'train_dataloader.dataset.ann_file='
                             f'{_root}/b2n_base_k16_s{seed}.txt', *_b2n])
                for m, opts in _methods.items()]
    return out


def _supervised_and_zero_shot():
    out = [dict(method='zero-shot', dataset='world_a', protocol='supervised',
                train_config=None, test_config=_cfg.format('supervised'),
                cfg_options=_zero_shot),
           dict(method='zero-shot', dataset='world_b', protocol='zero_shot',
                train_config=None, test_config=_cfg.format('zero_shot'),
                cfg_options=_zero_shot)]
    for seed in _seeds:
        for m, opts in _methods.items():
            out.append(_trained(m, opts, seed, dataset='world_a',
                                protocol='supervised',
                                train_config=_cfg.format('supervised'),
                                train_cfg_options=list(_supervised)))
            # the same training, tested on world B's 3 zero-shot subsets
            out.append(_trained(m, opts, seed, dataset='world_b',
                                protocol='zero_shot', train_config=None,
                                test_config=_cfg.format('zero_shot'),
                                train_dir='{work_dir}/{method}_world_a_s'
                                          '{seed}/train'))
    return out


def _few_shot_cells():
    out = [dict(method='zero-shot', dataset=name, shots=shots,
                protocol='few_shot', train_config=None,
                test_config=_cfg.format(f'few_shot_{name}'),
                cfg_options=_zero_shot)
           for name, shots in _few_shot]
    for seed in _seeds:
        for (name, shots), recipe in _few_shot.items():
            out += [_trained(
                m, opts, seed, dataset=name, shots=shots,
                protocol='few_shot',
                train_config=_cfg.format(f'few_shot_{name}'),
                train_cfg_options=[
                    f'train_dataloader.dataset.ann_file='
                    f'{_root}/fs_{name}_k{shots}_s{seed}.txt', *recipe])
                for m, opts in _methods.items()]
    return out


cells = _base_to_novel() + _supervised_and_zero_shot() + _few_shot_cells()
