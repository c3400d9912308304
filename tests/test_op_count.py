"""What a GPU pays for, counted on the CPU: tools/analysis/op_count.py and
benchmark.py --count-ops, pinned on tiny models (issue 21's targets)."""
import importlib.util
import sys

import pytest
import torch

from conftest import REPO
from mmvlprompt.models.utils import add_clip_config

# ViT-B/16's depth (12 + 12 layers) at toy widths: launches depend on the
# layers and the prompt depth, not on the widths
B16_SHAPED = 'vlp-test-b16-shaped'


def _tool(name):
    path = REPO / 'tools' / 'analysis' / f'{name}.py'
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f'{name}_under_test', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_views_and_allocations_are_not_launches():
    """Aliasing views, no-op casts and allocations are left out; the
    kernels below a composite op are counted once each."""
    count = _tool('op_count').count_launches
    x = torch.randn(4, 6)

    def views_only():
        x.view(6, 4).t().unsqueeze(0).expand(3, -1, -1)
        x.to(torch.float32)  # no-op cast
        torch.empty(5)

    assert count(views_only)['ops'] == 0

    def three_kernels():
        y = x.t().contiguous()  # one copy
        (y + y).to(torch.bfloat16)  # one add, one cast (copy)

    result = count(three_kernels)
    assert (result['ops'], result['copies']) == (3, 2)
    assert dict(result['top'])['aten::copy_'] == 2

    def scalar_ops():  # a Python number is a kernel argument, not a copy
        (x * 2.5 + 1).exp()

    result = count(scalar_ops)
    assert (result['ops'], result['copies']) == (3, 0)
    assert dict(result['top']) == {'aten::mul': 1, 'aten::add': 1,
                                   'aten::exp': 1}


@pytest.fixture(scope='module')
def b16_shaped():
    add_clip_config(B16_SHAPED, dict(
        embed_dim=32,
        vision_cfg=dict(image_size=32, layers=12, width=48, head_width=16,
                        patch_size=16),
        text_cfg=dict(context_length=77, vocab_size=49408, width=32, heads=2,
                      layers=12)))
    return B16_SHAPED


def _counts(arch, *extra, config='configs/vlprompt_k400.py', classes=400):
    bench = _tool('benchmark')
    results = bench.main([
        config, '--arch', arch, '--num-classes', str(classes),
        '--frames', '8', '--batch-size', '1', '--iters', '1', '--threads',
        '1', '--no-memory', '--count-ops', '--cases',
        'ours_train,ours_infer,limit_train,limit_infer,peer_train', *extra])
    return {name: (r['launch_ops'], r['copy_ops'])
            for name, r in results.items()}


def test_bf16_step_meets_the_launch_targets(b16_shaped, monkeypatch):
    """The ViLT-CLIP recipe (prompts at 9 of 12 layers, both mappings, 400
    class names) in bf16, as --amp trains it, launches at most 2.5x the
    frozen-CLIP limit's operators, with at most 1.5x its copies, and its
    inference step no more than the limit's plus the prompts' splicing."""
    monkeypatch.chdir(REPO)
    counts = _counts(b16_shaped, '--amp')
    ours, limit = counts['ours_train'], counts['limit_train']
    assert ours[0] <= 2.5 * limit[0], counts
    assert ours[1] <= 1.5 * limit[1], counts
    assert counts['ours_infer'][0] <= 1.05 * counts['limit_infer'][0], \
        counts
    # the class-shared text prefix costs no more launches than running
    # every class on its own (it once cost 1,350 more)
    assert ours[0] <= 1.2 * counts['peer_train'][0], counts


def test_fp32_counts_are_pinned(monkeypatch):
    """One fp32 step of each case on the demo's tiny CLIP: exact counts, so
    that any change in what a step launches shows up here. Update the
    numbers with the printout when a change is meant to move them."""
    monkeypatch.chdir(REPO)
    counts = _counts('vlp-tiny', config='configs/demo/'
                     'vlprompt_tiny_synthetic.py', classes=7)
    assert counts == PINNED_FP32, counts


# (launching ops, copy_) of one fp32 step, torch 2.14.1
PINNED_FP32 = {'ours_train': (350, 40), 'ours_infer': (59, 15),
               'limit_train': (182, 54), 'limit_infer': (51, 12),
               'peer_train': (322, 37)}


def test_gpu_table_formats_benchmark_json_and_refuses_a_cpu(tmp_path,
                                                            monkeypatch):
    """gpu_table.py turns benchmark JSON files into one table (rows in run
    order, counts included); gpu_table.sh stops clearly without CUDA."""
    import subprocess
    monkeypatch.chdir(REPO)
    bench = _tool('benchmark')
    for run, extra in (('bf16', ['--amp']), ('fp32', [])):
        bench.main(['configs/demo/vlprompt_tiny_synthetic.py',
                    '--num-classes', '7', '--frames', '4', '--iters', '1',
                    '--threads', '1', '--no-memory', '--count-ops',
                    '--cases', 'ours_train,limit_train', '--json',
                    str(tmp_path / f'{run}.json'), *extra])
    table = _tool('gpu_table').format_table(tmp_path)
    lines = table.splitlines()
    assert lines[2].startswith('| run | case | median s')
    body = [line for line in lines[4:] if line.startswith('|')]
    assert [line.split('|')[1].split()[0] for line in body] == \
        ['fp32', 'fp32', 'bf16', 'bf16']
    assert body[1].split('|')[2].strip() == 'limit_train'
    assert body[1].split('|')[4].strip() == '1.00'  # x limit
    assert int(body[0].split('|')[7].replace(',', '')) > 0  # ops
    if torch.cuda.is_available():
        return
    proc = subprocess.run(['bash', 'tools/analysis/gpu_table.sh',
                           str(tmp_path / 'out')], capture_output=True,
                          text=True, env={'PYTHON': sys.executable,
                                          'PATH': '/usr/bin:/bin'})
    assert proc.returncode != 0
    assert 'no CUDA device' in proc.stderr
