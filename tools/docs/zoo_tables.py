"""Write the model-zoo table of every config folder's README.

Each ``configs/<folder>/README.md`` holds a hand-written introduction and,
between ``<!-- zoo-table:start -->`` and ``<!-- zoo-table:end -->``, a table
with one row per config file of the folder (sub-folders included): config,
setting, dataset, method, recipe source, frames, trainable parameters and
the result where one was measured. This tool rewrites that part::

    python tools/docs/zoo_tables.py            # every folder
    python tools/docs/zoo_tables.py --check    # exit 1 if a table is stale

Trainable parameters come from ``configs/zoo_params.json``, written by
``tools/docs/zoo_params.py`` (``tools/analysis/count_params.py`` on every
config, random CLIP weights); results from ``RESULTS`` below, which quote the
measured tables of the documentation (``docs/en/benchmark/``,
``docs/en/user_guides/retrieval.md``).
"""
import argparse
import json
import os
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
START, END = '<!-- zoo-table:start -->', '<!-- zoo-table:end -->'
FOLDERS = ['base2novel', 'baselines', 'benchmark', 'demo', 'few_shot',
           'grids', 'retrieval', 'zero_shot']

METHODS = {  # file-name prefix -> (method, recipe source)
    'vlprompt': ('ViLT-CLIP', "ViLT-CLIP, the project's K400 recipe"),
    'vilt-clip': ('ViLT-CLIP', "ViLT-CLIP, the project's recipe"),
    'vificlip': ('ViFi-CLIP', "ViFi-CLIP's published config"),
    'vificlip-shared': ('ViFi-CLIP (full fine-tuning)',
                        "ViLT-CLIP's recipe (controlled comparison)"),
    'ivlp': ('IVLP', "ViFi-CLIP's prompting recipe"),
    'ivlp-shared': ('IVLP (ablation of ViLT-CLIP)', "ViLT-CLIP's recipe"),
    'ivlp-t2v-residual': ('IVLP + zero-init text->vision residual',
                          "ViLT-CLIP's recipe (ablation)"),
    'maple': ('MaPLe', "MaPLe's model; ViFi-CLIP's prompting schedule"),
    'maple-shared': ('MaPLe', "MaPLe's model; ViLT-CLIP's recipe"),
    'zeroshot-clip': ('zero-shot CLIP', "CLIP's zero-shot prompt; test only"),
}
DATASETS = {'k400': 'Kinetics-400', 'ucf101': 'UCF-101',
            'hmdb51': 'HMDB-51', 'ssv2': 'Something-Something v2',
            'msrvtt-9k': 'MSR-VTT 9k / 1k-A', 'msvd': 'MSVD',
            'world-v2': 'world v2.1 retrieval captions (generated)',
            'world_v2': 'benchmark world v2.1 (generated)'}
NOT_MEASURED = 'not measured'
RESULTS = {  # config -> measured result (quoted from the docs)
    'demo/zeroshot-clip_world_v2.py':
        'base 11.3, novel 5.1, HM 7.0 ([make demo]'
        '(../../docs/en/benchmark/world_v2.md))',
    'demo/ivlp_world_v2.py':
        'base 37.6, novel 7.9, HM 13.1 ([make demo]'
        '(../../docs/en/benchmark/world_v2.md))',
    'demo/vilt-clip_world_v2.py':
        'base 35.1, novel 8.9, HM 14.2 ([make demo]'
        '(../../docs/en/benchmark/world_v2.md))',
    'retrieval/zeroshot-clip_world-v2.py':
        't2v R@1 0.2, R@10 3.0; v2t R@1 0.3 ([make retrieval]'
        '(../../docs/en/user_guides/retrieval.md))',
    'retrieval/ivlp_world-v2.py':
        't2v R@1 3.3, R@10 34.8; v2t R@1 4.0 ([make retrieval]'
        '(../../docs/en/user_guides/retrieval.md))',
    'retrieval/vilt-clip_world-v2.py':
        't2v R@1 3.2, R@10 28.2; v2t R@1 3.7 ([make retrieval]'
        '(../../docs/en/user_guides/retrieval.md))',
}
RESULTS['grids/world_v2.py'] = (
    'run once at 02cace8: ViLT-CLIP supervised 33.9, b2n HM 9.8, K=16 '
    '30.7; full fine-tuning best everywhere ([world v2 grid]'
    '(../../docs/en/benchmark/world_v2_grid.md))')
WORLD_V2 = ('world v2.1: all seven methods, run once in the `make benchmark` '
            'grid at 02cace8 ([world v2 grid]'
            '(../../docs/en/benchmark/world_v2_grid.md))')
RESULTS['benchmark/world_v2/properties.py'] = (
    'world v2.1 gates: zero-shot CLIP on every test set '
    '([world v2](../../docs/en/benchmark/world_v2.md))')


def folder_configs(folder):
    """Config files of ``configs/<folder>`` (sub-folders too), relative to
    ``configs/``."""
    base = osp.join(ROOT, 'configs')
    out = []
    for dirpath, _, files in os.walk(osp.join(base, folder)):
        out += [osp.relpath(osp.join(dirpath, f), base)
                for f in files if f.endswith('.py')]
    return sorted(out)


def frames_of(path):
    from mmengine import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs', path))
    if 'model' not in cfg:
        return None
    backbone = cfg.model.get('backbone') or {}
    return backbone.get('num_frames', 8)


def describe(path):
    """``(setting, dataset, method, recipe source)`` of a config path."""
    folder, _, name = path.rpartition('/') if '/' not in path else \
        path.partition('/')
    stem = osp.splitext(osp.basename(name))[0]
    if path == 'grids/world_v2.py':
        return ('grid spec (`make benchmark`)',
                'benchmark world v2.1 (generated)', 'all seven methods',
                'declared in docs/en/benchmark/world_v2_grid.md')
    if folder == 'grids':
        return ('grid spec (`tools/run_grid.py`)',
                {'base2novel': 'K400, HMDB-51, UCF-101, SSv2',
                 'few_shot': 'HMDB-51, UCF-101, SSv2',
                 'supervised_k400': 'Kinetics-400',
                 'zero_shot_k400': 'UCF-101, HMDB-51, K600'}.get(stem, '-'),
                'every method of the protocol',
                'the cells\' configs')
    if folder == 'benchmark' and name.startswith('world_v2/'):
        return (stem.replace('_', ' '), 'benchmark world v2 (generated)',
                'zero-shot CLIP' if stem == 'properties' else
                'ViLT-CLIP (others by --cfg-options)',
                'world v2 declaration')
    m = re.match(r'^(.*?)_(b2n|fs|k400|msrvtt-9k|msvd|world-v2|world_v2|'
                 r'tiny)(.*)$', stem)
    prefix, rest = (m.group(1), m.group(2) + m.group(3)) if m else (stem, '')
    method, recipe = METHODS.get(prefix, (prefix, '-'))
    if folder == 'demo' and prefix in ('vilt-clip', 'ivlp', 'zeroshot-clip'):
        recipe = 'the demo recipe (2 epochs x 50 iterations)'
        if prefix == 'zeroshot-clip':
            recipe = 'hand prompt `a video of {}.`; test only'
    if folder == 'demo' and prefix == 'vlprompt':
        return ('smoke test' if 'synthetic' in stem else 'base-to-novel '
                '(tests)', 'generated videos', 'ViLT-CLIP, tiny random CLIP',
                'tests only')
    if folder == 'base2novel':
        ds = re.search(r'b2n_([a-z0-9]+)', stem).group(1)
        seed = re.search(r'_s(\d)$', stem)
        setting = 'base-to-novel' + (f', seed {seed.group(1)}' if seed else '')
        return setting, DATASETS[ds], method, recipe
    if folder == 'few_shot':
        ds, k = re.search(r'fs_([a-z0-9]+)_k(\d+)', stem).groups()
        return f'few-shot, K={k}', DATASETS[ds], method, recipe
    if folder == 'zero_shot':
        return ('zero-shot (trained on K400)',
                'UCF-101, HMDB-51, K600 (3 splits each)', method, recipe)
    if folder == 'baselines':
        return 'fully supervised', 'Kinetics-400', method, recipe
    if folder == 'retrieval':
        ds = next(k for k in DATASETS if k in stem)
        recipe = {'vilt-clip': "CLIP4Clip's schedule (5 epochs), lr 2e-3",
                  'ivlp': "ViLT-CLIP's retrieval recipe, `mapping='none'`, "
                          'no scenario loss',
                  'zeroshot-clip': 'the plain caption; test only'}[prefix]
        if 'world-v2' in stem and prefix != 'zeroshot-clip':
            recipe = '6 epochs, batch 16 (`make retrieval`)'
        return 'video-text retrieval', DATASETS[ds], method, recipe
    if folder == 'demo':
        ds = next(k for k in DATASETS if k in stem)
        return 'base-to-novel (`make demo`)', DATASETS[ds], method, recipe
    if path == 'vlprompt_k400.py':
        return 'fully supervised', 'Kinetics-400', method, recipe
    return '-', '-', method, recipe


def table(folder, params):
    rows = ['| config | setting | dataset | method | recipe source | frames '
            '| trainable params | result |', '|---|---|---|---|---|---:|---:|---|']
    configs = folder_configs(folder) if folder else ['vlprompt_k400.py']
    for path in configs:
        setting, dataset, method, recipe = describe(path)
        frames = frames_of(path)
        count = params.get('configs/' + path, {})
        trainable = (f"{count['trainable']:,}" if 'trainable' in count else
                     '-')
        result = RESULTS.get(path)
        if result is None:
            result = (WORLD_V2 if path.startswith('benchmark/world_v2/')
                      else NOT_MEASURED)
        shown = path[len(folder) + 1:] if folder else path
        link = (f'[`{shown}`]({shown})' if folder else
                f'[`{shown}`]({shown})')
        rows.append(f'| {link} | {setting} | {dataset} | {method} | {recipe} '
                    f"| {frames if frames is not None else '-'} | {trainable} "
                    f'| {result} |')
    return '\n'.join(rows)


def update(readme, text, check):
    with open(readme, encoding='utf-8') as f:
        old = f.read()
    if START not in old or END not in old:
        raise SystemExit(f'{readme}: no {START} ... {END} markers')
    head, rest = old.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f'{head}{START}\n{text}\n{END}{tail}'
    if new == old:
        return False
    if not check:
        with open(readme, 'w', encoding='utf-8') as f:
            f.write(new)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only report stale tables (exit 1)')
    parser.add_argument('folders', nargs='*', default=FOLDERS + [''])
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    with open(osp.join(ROOT, 'configs', 'zoo_params.json')) as f:
        params = json.load(f)
    stale = []
    for folder in args.folders:
        readme = osp.join(ROOT, 'configs', folder, 'README.md')
        if update(readme, table(folder, params), args.check):
            stale.append(readme)
    for readme in stale:
        print(('stale: ' if args.check else 'wrote ') + readme)
    return 1 if (args.check and stale) else 0


if __name__ == '__main__':
    sys.exit(main())
