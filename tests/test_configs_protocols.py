"""Every config under configs/ loads, names its data in the expected
data/... layout, builds its evaluation loops and its model.

Models are built on the tiny CLIP (class-name files that do not exist here
are replaced by a generated list), so the walk stays fast. When the
published protocol files are available (``../shared/benchmark_splits`` from
the project root, or ``MMVLP_BENCHMARK_SPLITS``), every
``data/vifi_protocol/...`` path must name a real published file and every
split's labels must fit its class list.
"""
import csv
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmaction.registry import LOOPS, MODELS
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
# recognition experiments; grids/ holds run_grid.py specs, and retrieval/
# has its own walk (tests/test_configs_retrieval.py)
CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py')
                 if not {'_base_', 'grids', 'retrieval'} & set(p.parts))
PROTOCOL_DIRS = ('zero_shot', 'few_shot', 'base2novel')
DATA_FOLDERS = ('kinetics400', 'kinetics600', 'ucf101', 'hmdb51', 'sthv2',
                'vifi_protocol')


def _benchmark_splits():
    for path in (os.environ.get('MMVLP_BENCHMARK_SPLITS'),
                 REPO.parent / 'shared' / 'benchmark_splits'):
        if path and (Path(path) / 'vifi_protocol').is_dir():
            return Path(path)
    return None


SPLITS = _benchmark_splits()


def _rel(path):
    return str(path.relative_to(REPO))


def _loaders(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _stub_runner():
    """Just enough of a Runner for the loops to check and build configs."""
    return SimpleNamespace(
        _randomness_cfg={}, seed=0,
        build_dataloader=lambda cfg, **kw: SimpleNamespace(
            cfg=cfg, dataset=SimpleNamespace()),
        build_evaluator=lambda cfg: SimpleNamespace(cfg=cfg))


def _eval_pairs(cfg, mode):
    """(ann_file, class-name source) of each evaluation set of a mode."""
    loop_cfg = cfg.get(f'{mode}_cfg')
    if not loop_cfg:
        return []
    head = cfg.model.cls_head
    default_names = head.get('test_class_names') or head.class_names
    if 'Multi' not in loop_cfg.get('type', ''):
        return [(ld.dataset.ann_file, default_names)
                for ld in _loaders(cfg.get(f'{mode}_dataloader'))]
    loop = LOOPS.build(
        loop_cfg, default_args=dict(
            runner=_stub_runner(), dataloader=cfg[f'{mode}_dataloader'],
            evaluator=cfg[f'{mode}_evaluator']))
    return [(ld.cfg['dataset']['ann_file'],
             spec.get('class_names') or default_names)
            for spec, ld in zip(loop.sets, loop.dataloaders)]


def _all_pairs(cfg):
    pairs = [(ld.dataset.ann_file, cfg.model.cls_head.class_names)
             for ld in _loaders(cfg.get('train_dataloader'))]
    return pairs + _eval_pairs(cfg, 'val') + _eval_pairs(cfg, 'test')


def _count_names(path: Path) -> int:
    if path.suffix == '.csv':
        with open(path, newline='', encoding='utf-8') as f:
            rows = list(csv.reader(f))
        assert rows[0] == ['id', 'name'], path
        return len(rows) - 1
    return sum(1 for ln in path.read_text().splitlines() if ln.strip())


def _max_label(path: Path) -> int:
    return max(int(ln.rsplit(None, 1)[1])
               for ln in path.read_text().splitlines() if ln.strip())


def _check_data_path(path, what, config):
    assert isinstance(path, str), f'{config}: {what}={path!r}'
    if 'demo' in config or 'benchmark' in config:
        return  # generated worlds (make demo / make benchmark)
    parts = path.split('/')
    assert parts[0] == 'data' and parts[1] in DATA_FOLDERS, \
        f'{config}: {what}={path!r} is not under data/<dataset>/'
    if parts[1] == 'vifi_protocol':
        assert parts[2] in ('labels', 'datasets_splits'), (config, path)
        if SPLITS is not None:
            assert (SPLITS / '/'.join(parts[1:])).is_file(), \
                f'{config}: {what}={path!r} is not a published file'


def _check_robust_data_path(cfg):
    """Data is read with CheckedVideoDataset and the checked decord
    transforms (skipping only in training), and the robustness hooks run,
    with the 1 % default limit."""
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['SkippedVideoHook']['max_fraction'] == 0.01
    assert {'LabelRangeHook', 'EpochSeedHook'} <= set(hooks)
    # exact --resume: persistent workers keep their random state across
    # epochs, which EpochSeedHook cannot restore
    train = cfg.train_dataloader
    assert not (train.get('num_workers', 0) > 0 and
                train.get('persistent_workers', False))
    for split in ('train', 'val', 'test'):
        # multi-set evaluation may take a list of dataloaders
        for loader in _loaders(cfg[f'{split}_dataloader']):
            dataset = loader['dataset']
            assert dataset['type'] == 'CheckedVideoDataset', \
                (split, dataset['type'])
            steps = {t['type']: t for t in dataset['pipeline']}
            assert 'DecordDecode' not in steps and 'DecordInit' not in steps
            expected = 'skip' if split == 'train' else 'raise'
            for name in ('CheckedDecordInit', 'CheckedDecordDecode'):
                # the frame-caching subclasses keep the checked policy
                step = steps.get(name) or steps[name.replace('Checked',
                                                             'Cached')]
                assert step.get('on_error', 'raise') == expected, \
                    (split, name)


@pytest.mark.parametrize('path', CONFIGS, ids=_rel)
def test_config_loads_names_data_and_builds(path):
    """Every experiment config loads, names its data in the data/ layout,
    reads it through the checked path, carries its method's recipe (the
    protocol trees and baselines) and builds its model."""
    cfg = Config.fromfile(str(path))
    config = _rel(path)
    pairs = _all_pairs(cfg)
    assert pairs, f'{config} has no data'
    for ann_file, names in pairs:
        _check_data_path(ann_file, 'ann_file', config)
        if isinstance(names, str):
            _check_data_path(names, 'class_names', config)
    for ld in (_loaders(cfg.get('train_dataloader')) +
               _loaders(cfg.get('val_dataloader')) +
               _loaders(cfg.get('test_dataloader'))):
        _check_data_path(ld.dataset.data_prefix.video, 'data_prefix.video',
                         config)
    if SPLITS is not None and 'demo' not in config:
        for ann_file, names in pairs:
            if not (ann_file.startswith('data/vifi_protocol/')
                    and isinstance(names, str)
                    and names.startswith('data/vifi_protocol/')):
                continue
            ann = SPLITS / ann_file[len('data/'):]
            labels = SPLITS / names[len('data/'):]
            assert _max_label(ann) < _count_names(labels), \
                f'{config}: labels of {ann_file} exceed {names}'
    _check_robust_data_path(cfg)
    if config.startswith(RECIPE_DIRS):
        _check_recipe(cfg, config)
    # model on the tiny CLIP; class-name files replaced by a list
    model = cfg.model
    model.clip = dict(arch='vlp-tiny', pretrained=None)
    head = model.cls_head
    for key in ('class_names', 'test_class_names'):
        if isinstance(head.get(key), str) and not Path(head[key]).is_file():
            head[key] = ['class a', 'class b', 'class c']
    if model.get('neck'):
        model.neck.update(depth_text=min(model.neck.depth_text, 2),
                          depth_vision=min(model.neck.depth_vision, 2))
    key = repr(model.to_dict())
    if key not in _BUILT:  # many cells share a model; build each once
        _BUILT[key] = type(MODELS.build(model)).__name__
    assert _BUILT[key] == model.type


_BUILT = {}

RECIPE_DIRS = tuple(f'configs/{d}/' for d in PROTOCOL_DIRS + ('baselines', ))
PHOTO = 'a photo of a {}.'
# ViFi-CLIP's published recipes: frames, effective batch, lr, epochs
VIFI = dict(k400=(16, 512, 2.2e-5, 30), zero_shot=(32, 256, 8e-6, 10),
            few_shot=(32, 64, 2e-6, 50), base2novel=(32, 64, 2e-6, 11))
VIFI_PROMPTING_B2N = (32, 64, 4e-2, 11)
SHARED = (8, 64, 2e-3, 30)  # the ViLT-CLIP recipe (vlprompt_k400.py)


def _expected_recipe(config):
    """(frames, batch, lr, epochs, warm-up epochs, ViFi-CLIP losses) that
    the method and protocol of ``config`` call for."""
    folder, name = config.split('/')[1], Path(config).stem
    method = name.split('_')[0]
    protocol = 'k400' if folder == 'baselines' else folder
    if method == 'vificlip':
        return VIFI[protocol] + (5, True)
    if method == 'ivlp':
        return VIFI_PROMPTING_B2N + (5, True)
    if method == 'maple':  # MaPLe's loss on the prompting schedule
        return VIFI_PROMPTING_B2N + (5, False)
    if method == 'vificlip-shared':
        return SHARED[:2] + (8e-6, ) + SHARED[3:] + (2, False)
    return SHARED + (2, False)


def _check_recipe(cfg, config):
    """The config carries its reference's recipe (README "Peers, point by
    point"): frames everywhere, batch, optimiser, schedule, losses."""
    frames, batch, lr, epochs, warmup, vifi_losses = _expected_recipe(config)
    method = Path(config).stem.split('_')[0]
    model, head = cfg.model, cfg.model.cls_head
    assert model.backbone.num_frames == frames, config
    for loader in (_loaders(cfg.get('train_dataloader')) +
                   _loaders(cfg.get('val_dataloader')) +
                   _loaders(cfg.get('test_dataloader'))):
        clip_len = [t.clip_len for t in loader.dataset.pipeline
                    if t.type == 'UniformSample']
        assert clip_len == [frames], (config, clip_len)
    flips = [t.type == 'Flip' for t in cfg.train_dataloader.dataset.pipeline]
    # SSv2 trains without the flip: it would swap "left" and "right"
    assert any(flips) == ('ssv2' not in config or method == 'zeroshot-clip')
    if method == 'zeroshot-clip':  # nothing trained: the prompt only
        assert model.neck is None and head.template == PHOTO, config
        return
    assert cfg.train_dataloader.batch_size * 8 == batch, config
    assert cfg.auto_scale_lr.base_batch_size == batch, config
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay, tuple(opt.betas)) == (
        'AdamW', lr, 1e-3, (0.9, 0.98)), config
    assert cfg.train_cfg.max_epochs == epochs, config
    warm, cosine = cfg.param_scheduler
    assert (warm.type, warm.begin, warm.end) == ('LinearLR', 0, warmup)
    assert (cosine.type, cosine.begin, cosine.end, cosine.T_max,
            cosine.eta_min) == ('CosineAnnealingLR', warmup, epochs,
                                epochs - warmup, 0), config
    blending = model.data_preprocessor.get('blending')
    if vifi_losses:
        assert head.label_smooth_eps == 0.1 and head.template == PHOTO
        assert head.loss_scenario is None
        assert [(a.type, a.alpha) for a in blending.augments] == [
            ('MixupBlending', 0.8), ('CutmixBlending', 1.0)], config
    else:
        assert head.label_smooth_eps == 0.0 and blending is None, config
    neck = model.neck
    if method == 'ivlp':
        assert (neck.num_text_tokens, neck.num_vision_tokens,
                neck.depth_text, neck.depth_vision, neck.mapping,
                neck.ctx_init) == (16, 16, 9, 9, 'none', ''), config
    if method.startswith('maple'):
        assert {k: v for k, v in neck.items() if k != 'type'} == dict(
            mapping='text_to_vision', independent_vision_prompts=False,
            mapping_init='default', num_text_tokens=2, num_vision_tokens=2,
            depth_text=9, depth_vision=9, ctx_init='a photo of a',
            fixed_ctx_tail=True), config
        assert head.template == PHOTO and head.loss_scenario is None
    if method.startswith('vificlip'):
        assert neck is None and model.freeze_backbone is False, config
    if method == 'ivlp-t2v-residual':
        assert (neck.mapping, neck.independent_vision_prompts,
                neck.mapping_init) == ('text_to_vision', True, 'zeros')


def _names(folder):
    return {p.stem for p in (REPO / 'configs' / folder).glob('*.py')}


def test_protocol_cells_are_all_there():
    """One config per cell of the paper's tables, for ViLT-CLIP and peers:
    the peers as published and, where ViLT-CLIP's recipe is shared for a
    controlled comparison, their ``-shared`` variants."""
    fs = _names('few_shot')
    for ds in ('hmdb51', 'ucf101', 'ssv2'):
        for k in (2, 4, 8, 16):
            assert {f'{m}_fs_{ds}_k{k}' for m in
                    ('vlprompt', 'vificlip', 'vificlip-shared')} <= fs
    b2n = _names('base2novel')
    for ds in ('k400', 'hmdb51', 'ucf101', 'ssv2'):
        assert f'zeroshot-clip_b2n_{ds}' in b2n
        for seed in (1, 2, 3):
            for method in ('vlprompt', 'vificlip', 'vificlip-shared', 'ivlp',
                           'ivlp-shared', 'maple', 'maple-shared',
                           'ivlp-t2v-residual'):
                assert f'{method}_b2n_{ds}_s{seed}' in b2n
    assert {f'{m}_k400_zs' for m in (
        'vlprompt', 'vificlip', 'vificlip-shared', 'ivlp-shared',
        'maple-shared', 'ivlp-t2v-residual', 'zeroshot-clip')} <= \
        _names('zero_shot')
    # the residual ablation is not called MaPLe anywhere
    assert not any('maple' in n and 'residual' in n for n in b2n)
    for folder in PROTOCOL_DIRS:
        for path in (REPO / 'configs' / folder).glob('*.py'):
            head = path.read_text().split('\n_base_ = ')[0]
            assert 'tools/dist_test.sh' in head, f'{path}: no test command'


def test_base2novel_cell_trains_on_base_and_scores_both():
    cfg = Config.fromfile(str(REPO / 'configs' / 'base2novel' /
                              'vlprompt_b2n_ucf101_s2.py'))
    assert cfg.train_dataloader.dataset.ann_file.endswith(
        'ucf_splits/fs_base_s2_train.txt')
    assert cfg.model.cls_head.class_names.endswith('ucf_101_base_labels.csv')
    for loop in (cfg.val_cfg, cfg.test_cfg):
        assert [(s.prefix, s.ann_file.split('/')[-1],
                 s.class_names.split('/')[-1]) for s in loop.sets] == [
                     ('base', 'base_val.txt', 'ucf_101_base_labels.csv'),
                     ('novel', 'novel_val.txt', 'ucf_101_novel_labels.csv')]
        assert loop.harmonic_mean.name == 'b2n/hm'
    assert cfg.default_hooks.checkpoint.save_best == 'b2n/hm'
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    assert cfg.randomness.seed == 2
    for peer in ('vificlip', 'vificlip-shared', 'ivlp', 'maple'):
        peer = Config.fromfile(str(REPO / 'configs' / 'base2novel' /
                                   f'{peer}_b2n_ucf101_s2.py'))
        assert peer.test_cfg == cfg.test_cfg
        assert peer.train_dataloader.dataset.ann_file == \
            cfg.train_dataloader.dataset.ann_file
        assert peer.randomness.seed == 2


def test_zero_shot_cell_has_nine_grouped_sets():
    cfg = Config.fromfile(str(REPO / 'configs' / 'zero_shot' /
                              'vlprompt_k400_zs.py'))
    sets = cfg.test_cfg.sets
    assert [s.prefix for s in sets] == [f'{d}_s{i}' for d in
                                        ('ucf', 'hmdb', 'k600')
                                        for i in (1, 2, 3)]
    assert [s.group for s in sets] == ['ucf'] * 3 + ['hmdb'] * 3 + \
        ['k600'] * 3
    assert sets[7].class_names.endswith('ZS_split2_K600.csv')
    assert sets[7].ann_file.endswith('k600_splits/ZS_split2_K600_eval.txt')
    assert sets[4].ann_file.endswith('hmdb_splits/val2.txt')
    assert sets[4].data_prefix.video == 'data/hmdb51/videos'
    # one template loader, single view at the training frame count
    assert cfg.test_dataloader.dataset.pipeline == cfg.val_pipeline
    assert cfg.test_dataloader.persistent_workers is False
    assert cfg.model.cls_head.class_names.endswith('label_map_k400.txt')
