"""tools/analysis/benchmark.py and get_flops.py on the tiny architecture."""
import importlib.util
import json
import sys

import pytest

from conftest import REPO, run_tool

TINY = 'configs/demo/vlprompt_tiny_synthetic.py'
CASES = ('ours_train', 'ours_infer', 'limit_train', 'limit_infer',
         'peer_train', 'full_ft_train')


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        name, REPO / 'tools' / 'analysis' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_benchmark_tool_json(tmp_path):
    """The benchmark runs every case on the tiny CLIP and writes the JSON
    other tools read, with consistent numbers."""
    out = tmp_path / 'bench.json'
    proc = run_tool([sys.executable, 'tools/analysis/benchmark.py', TINY,
                     '--num-classes', '7', '--frames', '4', '--batch-size',
                     '2', '--iters', '2', '--threads', '1', '--json',
                     str(out)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    config = result['config']
    assert (config['num_classes'], config['frames'],
            config['batch_size']) == (7, 4, 2)
    cases = result['cases']
    assert tuple(cases) == CASES
    for name, stats in cases.items():
        assert 0 < stats['min_s'] <= stats['median_s'] <= stats['max_s'], \
            name
        assert stats['peak_mib'] is None or stats['peak_mib'] > 0, name
    for kind in ('train', 'infer'):
        assert cases[f'limit_{kind}']['x_limit'] == 1.0
    assert cases['peer_train']['x_peer'] == 1.0
    # trainable: prompts + mappings for ours and peer, every weight for
    # full fine-tuning, the 3x32x32 input offset for the limit
    assert cases['ours_train']['trainable'] == \
        cases['peer_train']['trainable'] > 0
    assert cases['limit_train']['trainable'] == 3 * 32 * 32
    assert cases['full_ft_train']['trainable'] > \
        100 * cases['ours_train']['trainable']
    assert cases['ours_infer']['trainable'] == 0
    assert '| ours_train |' in proc.stdout


def test_benchmark_rejects_unknown_case(capsys):
    """--cases with an unknown name fails naming it."""
    with pytest.raises(SystemExit):
        _tool('benchmark').parse_args([TINY, '--cases', 'ours_train,bogus'])
    assert 'bogus' in capsys.readouterr().err


def test_get_flops_counts(capsys):
    """Vision GFLOPs scale with the frames; the shared prefix and the
    truncation each cut the text GFLOPs; params match the model."""
    tool = _tool('get_flops')
    four = tool.main([TINY, '--num-classes', '5'])
    eight = tool.main([TINY, '--num-classes', '5', '--cfg-options',
                       'model.backbone.num_frames=8'])
    assert eight['vision_gflops_per_view'] == pytest.approx(
        2 * four['vision_gflops_per_view'], rel=1e-2)  # + the neck
    assert 0 < four['text_gflops'] < four['text_gflops_no_sharing'] < \
        four['text_gflops_77']
    assert four['trainable_params'] == 7264  # see the README table
    assert four['total_params'] > four['trainable_params']
    assert '| vision, per view (4 frames) |' in capsys.readouterr().out


def test_benchmark_reads_configs_through_load_model_config(tmp_path,
                                                           monkeypatch):
    """One config loader for the tools: the benchmark's config comes from
    engine.load_model_config (overrides applied, random CLIP, missing file
    named), as export_prompts' and the other analysis tools' do."""
    import mmvlprompt.engine as engine
    bench = _tool('benchmark')
    calls = []
    real = engine.load_model_config

    def spy(path, cfg_options=None, random_clip=True):
        calls.append((path, cfg_options, random_clip))
        return real(path, cfg_options, random_clip)
    monkeypatch.setattr(bench, 'load_model_config', spy)
    args = bench.parse_args([TINY, '--num-classes', '3', '--frames', '4',
                             '--cfg-options', 'model.neck.depth_text=1',
                             'model.clip.pretrained=some/file.pt'])
    cfg, names, _ = bench.load_model_cfg(args)
    assert calls == [(TINY, {'model.neck.depth_text': 1,
                             'model.clip.pretrained': 'some/file.pt'}, True)]
    assert cfg.model.neck.depth_text == 1
    assert cfg.model.clip.pretrained is None and len(names) == 3
    with pytest.raises(FileNotFoundError, match=r"config file 'nope.py'"):
        bench.load_model_cfg(bench.parse_args(['nope.py']))
    export = importlib.util.spec_from_file_location(
        'export_prompts', REPO / 'tools' / 'export_prompts.py')
    module = importlib.util.module_from_spec(export)
    export.loader.exec_module(module)
    assert module.load_model_config is real
