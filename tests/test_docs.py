"""The documentation: nothing of the old README lost, links and anchors
resolve, every config has a model-zoo row, the README stays short.

Offline, no Sphinx needed (``make docs`` builds the site itself).
"""
import glob
import importlib.util
import json
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
INVENTORY = osp.join(ROOT, 'tests', 'data', 'readme_v1_inventory.json')
ZOO_FOLDERS = ['base2novel', 'baselines', 'benchmark', 'demo', 'few_shot',
               'grids', 'retrieval', 'zero_shot']


def _load(name, rel):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, rel))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


inv = _load('readme_inventory', 'tools/docs/readme_inventory.py')
links = _load('check_links', 'tools/docs/check_links.py')


def doc_pages(root=ROOT):
    return [p for p in links.default_files(root)
            if osp.relpath(p, root).startswith('docs' + osp.sep)]


@pytest.fixture(scope='module')
def corpus():
    texts = [open(p, encoding='utf-8').read() for p in doc_pages()]
    return dict(
        text=inv.normalize('\n'.join(texts)),
        headings={h for t in texts for h in inv.headings(t)},
        code={inv.normalize(line) for t in texts
              for line in inv.split(t)[1] if line.strip()})


@pytest.fixture(scope='module')
def old():
    with open(INVENTORY, encoding='utf-8') as f:
        return json.load(f)


def test_inventory_is_the_old_readme(old):
    """The frozen inventory is that of the 143 KB single-page README."""
    assert len(old['headings']) == 58
    assert old['headings'][:3] == ['mmvlprompt', 'Quick start', 'Installation']
    assert 'Peers, point by point' in old['headings']
    assert len(old['table_rows']) > 300 and len(old['code_spans']) > 1000


def test_every_old_heading_is_a_docs_heading(old, corpus):
    missing = [h for h in old['headings'] if h not in corpus['headings']]
    assert not missing, f'headings of the old README not in docs/: {missing}'


# Old items that were rewritten on purpose, with the reason; nothing else
# may be missing.
REWRITTEN = {
    'docs/ figures shown in this README':
        'docs/ is now the documentation site (project layout in '
        'advanced_guides/development.md says so)',
    inv.normalize(
        '| `configs/grids/bench_world.py`, `configs/grids/bench_world_sweep.py`'
        ' | `make benchmark`: the world grid (4 settings x 5 methods x 3 '
        'seeds, the two ablations where they are asked) and the '
        'scenario-weight sweep |'):
        '`make benchmark` runs the world v2.1 grid since 1fdd0fe; the row '
        'says so (model_zoo.md)',
}

# The older synthetic world and the demo on world v1 were retired (the
# world v2 move, 20ee9bd): their configs, files, tools and CLIP are gone,
# so the old README's items that name them are no longer true.
WORLD_RETIRED = [
    '), and the tests write a few of its classes in the same layout with its ',  # code_spans
    '<method>_synthetic-world.py',  # code_spans
    'MMVLP_WORLD_CLIP',  # code_spans
    'MMVLP_WORLD_ROOT',  # code_spans
    'a red square is spinning',  # code_spans
    'a spinning red square',  # code_spans
    'all_classes',  # code_spans
    'checkpoints/vlp-world/vlp-world.pt',  # code_spans
    'configs/demo/ivlp_bench_world.py',  # code_spans
    'configs/demo/ivlp_synthetic_world.py',  # code_spans
    'configs/demo/vilt-clip_synthetic_world.py',  # code_spans
    'configs/demo/zeroshot-clip_bench_world.py',  # code_spans
    'configs/demo/zeroshot-clip_synthetic_world.py',  # code_spans
    'configs/demo/{zeroshot-clip,ivlp,vilt-clip}_bench_world.py',  # code_spans
    'data/synthetic_world',  # code_spans
    'mmvlprompt/datasets/synthetic_captions.py',  # code_spans
    'mmvlprompt/datasets/synthetic_world.py',  # code_spans
    'render_video',  # code_spans
    'the square is red and spinning',  # code_spans
    'tools/data/make_synthetic_retrieval.py',  # code_spans
    'tools/data/make_synthetic_world.py ROOT [--train N] [--test N] [--frames T] [--size PX] [--seed S]',  # code_spans
    '| `<method>_synthetic-world.py` | the embedded benchmark below (tiny CLIP, 48 px) |',  # table_rows
    "| `clip.arch` | `'ViT-B-16'` | open_clip model name (`open_clip.list_models()`), or a JSON config registered with `mmvlprompt.models.utils.register_clip_configs(dir)` / `add_clip_config(name, cfg)`. Shipped: `vlp-tiny` (tests), `vlp-world` (the older demo world, with weights in `checkpoints/vlp-world/`), `vlp-bench` (`make demo` and `make benchmark`, weights in `checkpoints/vlp-bench/`). ViT image tower and standard text tower only |",  # table_rows
    "| `configs/demo/ivlp_synthetic_world.py` | `make demo`: the IVLP ablation (`mapping='none'`, no scenario loss) |",  # table_rows
    "| `configs/demo/vilt-clip_synthetic_world.py` | `make demo`: ViLT-CLIP on the synthetic world's base classes with the committed tiny CLIP; data folder from `MMVLP_WORLD_ROOT` (default `data/synthetic_world`), CLIP file from `MMVLP_WORLD_CLIP` (default `checkpoints/vlp-world/vlp-world.pt`) |",  # table_rows
    "| `configs/demo/vlprompt_tiny_synthetic.py` | tiny random CLIP on the synthetic world's base classes (smoke tests); data folder from `MMVLP_SYNTHETIC_ROOT` |",  # table_rows
    '| `configs/demo/zeroshot-clip_synthetic_world.py` | `make demo`: zero-shot tiny CLIP, hand prompt `a video of {}.`; test only |',  # table_rows
    "| `configs/demo/{zeroshot-clip,ivlp,vilt-clip}_bench_world.py` | `make demo`: base-to-novel on the benchmark world's appearance split with the committed `vlp-bench` CLIP; data folder from `MMVLP_BENCH_ROOT` (default `data/bench_world`, where `make demo` writes it), CLIP file from `MMVLP_BENCH_CLIP` (default `checkpoints/vlp-bench/vlp-bench.pt`); every command in their headers runs unchanged after `make demo` |",  # table_rows
    '| `configs/retrieval/<method>_<data>.py` | video-text retrieval (`VLPromptSimilarity`): `zeroshot-clip`, `ivlp`, `vilt-clip` on MSR-VTT 9k / 1k-A at 8 and 12 frames, MSVD, and the synthetic world (`make retrieval`); see [Video-text retrieval]() |',  # table_rows
    '"$(ls data/bench_world/videos/b2n_novel_test/*.mp4 | head -1)" \\',  # code_line
    '--class-file data/bench_world/classes_b2n_novel.txt --topk 3',  # code_line
    'checkpoints/ vlp-world/: the tiny CLIP of `make demo` and the record of how it was made',  # code_line
    'clip_configs/ small open_clip architecture configs (vlp-tiny, vlp-world)',  # code_line
    'make_synthetic_world.py, reencode_videos.py), analysis/ (benchmarks incl.',  # code_line
    'python tools/infer.py configs/demo/vilt-clip_bench_world.py work_dirs/demo/vilt-clip/epoch_2.pth \\',  # code_line
    'python tools/pretrain_tiny_clip.py checkpoints/vlp-world/vlp-world.pt --arch vlp-world --steps 800 --seed 0',  # code_line
    'writing, the synthetic world (make demo), annotation files, dataset metadata',  # code_line
]
REWRITTEN.update({item: 'world retired (older synthetic world and the '
                  'v1 demo configs; docs now say world v2)'
                  for item in WORLD_RETIRED})
REWRITTEN['python tools/run_grid.py configs/grids/bench_world.py --persistent-workers --jobs 2 # small cells, here'] = \
    'the example runs the world v2.1 grid of make benchmark (protocols.md); the v1 grid is history'
# World v1's code, configs and grids were removed (world v1 retired; all at
# b97847a): the model-zoo rows of its settings configs went (world v2's
# settings have rows instead, and world_v1.md names the removed files), and
# no config defines `bench_root` any more.
REWRITTEN.update({
    "| `configs/benchmark/world_{supervised,zero_shot,few_shot_appearance,few_shot_motion,b2n_appearance,b2n_motion,b2n_comp}.py` | the benchmark world's settings with ViLT-CLIP (see [Results on the embedded benchmark]()); other methods as `--cfg-options` (the grid spec's `_methods`) |":  # table_rows
        "world v1's settings configs removed: the model-zoo row is world "
        "v2's settings now; world_v1.md names the removed files",
    '| `configs/benchmark/world_properties.py` | zero-shot CLIP on every test set of the world in one run (the measured world properties) |':  # table_rows
        "world v1's properties config removed: the model-zoo row is "
        "configs/benchmark/world_v2/properties.py now",
    "| `bench_root` | `'{{$MMVLP_BENCH_ROOT:data/bench_world}}'` | folder written by `tools/data/make_bench_world.py`; every annotation and class file of the settings is under it |":  # table_rows
        "world v1's generator and settings removed, and with them the "
        "bench_root key: world_v1.md names it as history",
})
REWRITTEN['# class names'] = \
    "the infer.py example uses world v2's novel classes (world retired)"
REWRITTEN["# e.g. on the demo's test videos (after `make demo`), with the trained ViLT-CLIP and made-up"] = \
    "the infer.py example uses world v2's novel classes (world retired)"


@pytest.mark.parametrize('kind', ['code_spans', 'table_rows', 'numbers'])
def test_old_readme_facts_are_in_docs(old, corpus, kind):
    """Every code span (commands, keys, commit hashes), table row and
    number of the old README is somewhere in docs/."""
    text = corpus['text']
    wrap = {'code_spans': lambda s: f'`{s}`'}.get(kind, lambda s: s)
    missing = [item for item in old[kind] if inv.normalize(wrap(item))
               not in text and item not in REWRITTEN]
    assert not missing, f'{len(missing)} {kind} of the old README not in ' \
        f'docs/, e.g. {missing[:10]}'


def test_old_readme_code_blocks_are_in_docs(old, corpus):
    missing = [line for line in old['code_lines']
               if line not in corpus['code'] and line not in REWRITTEN]
    assert not missing, f'code lines of the old README not in docs/: ' \
        f'{missing[:10]}'


def test_links_and_anchors_resolve():
    files = links.default_files()
    assert osp.join(ROOT, 'README.md') in files
    assert any(f.endswith(osp.join('configs', 'README.md')) for f in files)
    problems = [p for f in files for p in links.check_file(f)]
    assert not problems, '\n'.join(problems)


def test_link_checker_catches_bad_links(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'b.md').write_text('# B\n\n## A `code` heading\n')
    page = tmp_path / 'docs' / 'a.md'
    page.write_text('# A\n\n[ok](b.md#a-code-heading) [ok](#a)\n'
                    '[bad](b.md#nope) [bad](missing.md) [bad](#nope)\n'
                    '`[not a link](x.md)`\n\n```\n[not a link](y.md)\n```\n')
    problems = links.check_file(str(page), root=str(tmp_path))
    assert len(problems) == 3, problems
    assert 'no heading #nope in docs/b.md' in problems[0]
    assert 'missing file: missing.md' in problems[1]
    assert 'no heading #nope in docs/a.md' in problems[2]


def _zoo_rows(readme):
    """Config paths in the first column of a README's tables."""
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    return set(re.findall(r'^\| \[`([^`]+\.py)`\]\(\1\) \|', text, re.M))


@pytest.mark.parametrize('folder', ZOO_FOLDERS)
def test_every_config_has_a_zoo_row(folder):
    base = osp.join(ROOT, 'configs', folder)
    configs = {osp.relpath(p, base) for p in
               glob.glob(osp.join(base, '**', '*.py'), recursive=True)}
    assert configs
    rows = _zoo_rows(osp.join(base, 'README.md'))
    assert not configs - rows, f'configs/{folder}: no zoo row for ' \
        f'{sorted(configs - rows)}'
    assert not rows - configs, f'configs/{folder}: rows without a file: ' \
        f'{sorted(rows - configs)}'


def test_top_level_configs_and_folders_in_zoo_readme():
    readme = osp.join(ROOT, 'configs', 'README.md')
    top = {osp.basename(p) for p in glob.glob(osp.join(ROOT, 'configs',
                                                       '*.py'))}
    assert top and top <= _zoo_rows(readme)
    text = open(readme, encoding='utf-8').read()
    for folder in ZOO_FOLDERS:
        assert f'({folder}/README.md)' in text
    # a folder counts with configs in sub-folders only (benchmark/world_v2/)
    folders = {osp.relpath(p, osp.join(ROOT, 'configs')).split(osp.sep)[0]
               for p in glob.glob(osp.join(ROOT, 'configs', '*', '**', '*.py'),
                                  recursive=True)} - {'_base_'}
    assert folders == set(ZOO_FOLDERS), 'a new config folder needs a README'


def test_every_config_has_a_measured_parameter_count():
    with open(osp.join(ROOT, 'configs', 'zoo_params.json')) as f:
        params = json.load(f)
    configs = {osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
        if '_base_' not in p}
    assert configs == set(params), 'run python tools/docs/zoo_params.py'
    assert params['configs/vlprompt_k400.py']['trainable'] == 7181568
    assert params['configs/baselines/maple-shared_k400.py'][
        'trainable'] == 3555072
    assert all('error' not in v for v in params.values())


def test_readme_is_short_and_keeps_the_ci_commands():
    readme = open(osp.join(ROOT, 'README.md'), encoding='utf-8').read()
    assert len(readme.encode()) <= 15 * 1024
    ci = open(osp.join(ROOT, '.ci', 'run')).read()
    ci_commands = [ln.strip() for ln in ci.splitlines()
                   if ln.strip().startswith('make ')]
    assert ci_commands[0] == 'make test' and 'make docs' in ci_commands
    assert re.search(r'^make test\b', readme, re.M)
    assert re.search(r'^make demo\b', readme, re.M)
    for page in ('docs/en/get_started/first_run.md', 'docs/en/model_zoo.md',
                 'docs/en/benchmark/world_v2.md', 'docs/en/changelog.md',
                 'configs/README.md'):
        assert f'({page})' in readme


def test_make_docs_fails_on_warnings():
    makefile = open(osp.join(ROOT, 'Makefile')).read()
    recipe = makefile.split('\ndocs:', 1)[1].split('\n\n', 1)[0]
    assert '-W --keep-going' in recipe and 'check_links.py' in recipe
    assert 'requirements/docs.txt' in makefile
    for line in open(osp.join(ROOT, 'requirements', 'docs.txt')):
        line = line.split('#')[0].strip()
        assert not line or '==' in line, f'unpinned: {line}'


def test_every_page_is_in_a_toctree():
    """Sphinx warns about orphans too; this says which page without it."""
    en = osp.join(ROOT, 'docs', 'en')
    pages = {osp.splitext(osp.relpath(p, en))[0] for p in doc_pages()
             if p.startswith(en + osp.sep)}
    listed = {'index'}
    for page in pages:
        text = open(osp.join(en, page + '.md'), encoding='utf-8').read()
        for block in re.findall(r'```\{toctree\}(.*?)```', text, re.S):
            for entry in block.splitlines():
                entry = entry.strip()
                if entry and not entry.startswith(':'):
                    listed.add(osp.normpath(osp.join(osp.dirname(page),
                                                     entry)))
    assert pages - listed == set()


# Constructor arguments that are not config keys: filled in by the owner
# (the recognizer passes the CLIP and its widths and layer counts to the
# neck and heads; the runner passes itself, the loader and the evaluator),
# or MMEngine's usual ones.
NOT_CONFIG_KEYS = {'self', 'args', 'kwargs', 'init_cfg', 'train_cfg',
                   'test_cfg', 'runner', 'dataloader', 'evaluator',
                   'text_width', 'vision_width', 'text_layers',
                   'vision_layers'}


def _documented_keys():
    text = open(osp.join(ROOT, 'docs', 'en', 'config_reference.md'),
                encoding='utf-8').read()
    keys = set()
    for cell in re.findall(r'^\| ([^|]+) \|', text, re.M):
        for key in re.findall(r'`([^`]+)`', cell):
            keys.add(key)
            keys.add(key.split('.')[-1])
            keys.add(key.split('.')[0])
    return keys


@pytest.mark.parametrize('path', [
    'mmvlprompt.models.recognizers.VLPromptRecognizer',
    'mmvlprompt.models.similarity.VLPromptSimilarity',
    'mmvlprompt.models.backbones.PromptedViT',
    'mmvlprompt.models.necks.VLPromptLearner',
    'mmvlprompt.models.heads.PromptedTextHead',
    'mmvlprompt.models.heads.PromptedCaptionHead',
    'mmvlprompt.models.losses.ScenarioGuidedLoss',
    'mmvlprompt.evaluation.MultiSetValLoop',
    'mmvlprompt.engine.SkippedVideoHook',
    'mmvlprompt.engine.NonFiniteCheckHook',
])
def test_every_config_key_is_in_the_config_reference(path):
    import importlib
    import inspect
    module, name = path.rsplit('.', 1)
    cls = getattr(importlib.import_module(module), name)
    params = set(inspect.signature(cls.__init__).parameters) - NOT_CONFIG_KEYS
    missing = params - _documented_keys()
    assert not missing, f'{name}: keys not in docs/en/config_reference.md: ' \
        f'{sorted(missing)}'
