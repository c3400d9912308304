"""tools/analysis/benchmark_data.py on small generated videos."""
import importlib.util
import json
import sys

import numpy as np
import pytest

from conftest import REPO, run_tool
from mmvlprompt.datasets.video_io import write_video

TOOL = 'tools/analysis/benchmark_data.py'
CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'


def _tool():
    spec = importlib.util.spec_from_file_location('benchmark_data',
                                                  REPO / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_pipeline_and_decoder_swap():
    tool = _tool()
    pipeline = [dict(type='CheckedDecordInit', on_error='skip'),
                dict(type='UniformSample', clip_len=4),
                dict(type='CheckedDecordDecode', on_error='skip'),
                dict(type='Resize', scale=(8, 8))]
    init, sampler, decode, rest = tool.split_pipeline(pipeline)
    assert init['type'] == 'CheckedDecordInit' and rest[0]['type'] == \
        'Resize' and [s['type'] for s in sampler] == ['UniformSample']
    # the config's own steps, but raising: a benchmark must not skip
    first, last = tool.decoder_steps('decord-2threads', init, decode)
    assert first == dict(type='CheckedDecordInit', on_error='raise',
                         num_threads=2)
    assert last == dict(type='CheckedDecordDecode', on_error='raise')
    assert pipeline[0]['on_error'] == 'skip'  # the config is not modified
    first, last = tool.decoder_steps('pyav', init, decode)
    assert (first['type'], last['type']) == ('PyAVInit', 'PyAVDecode')
    with pytest.raises(ValueError, match='needs an \\*Init step'):
        tool.split_pipeline(pipeline[1:])


@pytest.mark.slow
def test_benchmark_tables_json_and_cores_per_gpu(tmp_path):
    """Two folders side by side, two decoders: every video is timed for
    decode and pipeline; clips/s per core and cores per GPU follow from
    the CPU times written to --json."""
    rng = np.random.default_rng(0)
    for folder, size in (('before', 64), ('after', 32)):
        (tmp_path / folder / 'cls').mkdir(parents=True)
        for name, frames in (('a.mp4', 24), ('b.mp4', 12)):
            write_video(tmp_path / folder / 'cls' / name,
                        rng.integers(0, 255, (frames, size, size, 3),
                                     dtype=np.uint8))
    out = tmp_path / 'bench.json'
    proc = run_tool([sys.executable, TOOL, CONFIG, str(tmp_path / 'before'),
                     str(tmp_path / 'after'), '--decoders', 'decord', 'pyav',
                     '--repeats', '2', '--step-s', '0.5', '--batch', '4',
                     '--json', str(out)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result['clips_per_s_gpu'] == pytest.approx(8.0)
    rows = result['rows']
    assert len(rows) == 2 * 2 * 2 * 2  # sets x videos x decoders x kinds
    assert {r['video'] for r in rows} == {'cls/a.mp4', 'cls/b.mp4'}
    for r in rows:
        assert r['cpu_ms'] > 0 and r['wall_ms'] > 0
        assert r['clips_per_s_core'] == pytest.approx(1e3 / r['cpu_ms'])
    for s in result['summary']:
        cpu = [r['cpu_ms'] / 1e3 for r in rows if r['set'] == s['set']
               and r['decoder'] == s['decoder'] and r['kind'] == s['kind']]
        assert len(cpu) == 2
        assert s['clips_per_s_core'] == pytest.approx(2 / sum(cpu))
        assert s['cores_per_gpu'] == pytest.approx(8.0 * sum(cpu) / 2)
    assert '| video | before/decord | before/pyav | after/decord | ' \
        'after/pyav | after vs before (decord) | after vs before (pyav) |' \
        in proc.stdout
    assert 'cores per GPU for 4 clips every 0.5 s (8 clips/s)' \
        in proc.stdout
