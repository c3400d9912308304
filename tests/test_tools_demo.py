"""tools/infer.py, tools/analysis/plot_results.py and demo_table.py."""
import csv
import importlib.util
import json
import pickle
import sys
from pathlib import Path

import decord
import numpy as np
import pytest
import torch

from conftest import run_tool
from mmvlprompt.datasets import write_video
from mmvlprompt.worlds import render_pool_video

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / 'checkpoints' / 'vlp-bench' / 'vlp-bench.pt'
ZS_CONFIG = 'configs/demo/zeroshot-clip_world_v2.py'


def _tool(relpath):
    spec = importlib.util.spec_from_file_location(
        Path(relpath).stem, REPO / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_clip_sampling_indices_cover_segments():
    """One clip of a short video is every frame; clips of a long video lie
    in their own segments, spread evenly."""
    infer = _tool('tools/infer.py')
    assert infer.sample_clip_indices(8, 1, 8).tolist() == list(range(8))
    inds = infer.sample_clip_indices(36000, 3, 4)  # 10 min at 60 fps
    assert inds.tolist() == [1500, 4500, 7500, 10500, 13500, 16500, 19500,
                             22500, 25500, 28500, 31500, 34500]
    for k in range(3):  # clip k inside segment k
        clip = inds[4 * k:4 * k + 4]
        assert (clip >= 12000 * k).all() and (clip < 12000 * (k + 1)).all()


@pytest.fixture(scope='module')
def zero_shot_checkpoint(tmp_path_factory):
    """The zero-shot recognizer on the committed CLIP, as a checkpoint."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    model = MODELS.build(dict(
        type='VLPromptRecognizer',
        clip=dict(arch='vlp-bench', pretrained=str(CLIP)),
        backbone=dict(type='PromptedViT', num_frames=8),
        cls_head=dict(type='PromptedTextHead', class_names=['x', 'y'],
                      template='a video of {}.')))
    path = tmp_path_factory.mktemp('zs') / 'zs.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.mark.slow
def test_infer_custom_classes_and_annotated_copy(tmp_path,
                                                 zero_shot_checkpoint):
    """infer.py scores a generated video against typed class names, prints
    sorted top-k probabilities of those names, says which frames it
    sampled, and writes an annotated copy with the same frame count."""
    frames = render_pool_video('world_a_test', 0, 0, 12, 64, seed=0)
    video = tmp_path / 'clip.mp4'
    write_video(video, frames)
    classes = ['a red square', 'a blue cross', 'a green triangle',
               'a yellow cross']
    out = tmp_path / 'annotated.mp4'
    proc = run_tool([sys.executable, 'tools/infer.py', ZS_CONFIG,
                     str(zero_shot_checkpoint), str(video), '--classes',
                     ','.join(classes), '--topk', '3', '--num-clips', '1',
                     '--out', str(out)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert any('12 frames; sampled 1 clip(s) x 8 frames at indices '
               '[0, 2, 3, 5, 6, 8, 9, 11]' in ln for ln in lines), \
        proc.stdout
    ranked = [ln.split(None, 2) for ln in lines if ln.startswith('  ')
              and ln.strip()[0].isdigit() and '. ' in ln]
    assert [r[0] for r in ranked] == ['1.', '2.', '3.']
    probs = [float(r[1]) for r in ranked]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) <= 1.002  # printed with 3 digits
    assert all(r[2] in classes for r in ranked)
    assert len({r[2] for r in ranked}) == 3
    # the printed probability belongs to the printed name: scoring the same
    # video with the names in reverse order gives each name the same value
    infer = _tool('tools/infer.py')
    args = infer.parse_args([ZS_CONFIG, str(zero_shot_checkpoint),
                             str(video), '--classes', 'unused'])
    cfg, model = infer.build_model(args, classes[::-1])
    pipeline = infer.post_decode_pipeline(cfg)
    reverse, _, _ = infer.predict_video(str(video), model, pipeline, 8, 1)
    for rank, prob, name in ranked:
        assert reverse[classes[::-1].index(name)] == pytest.approx(
            float(prob), abs=6e-4)
    written = decord.VideoReader(str(out))
    assert len(written) == len(frames)
    assert written[0].shape[0] >= 256  # enlarged so the text is legible
    original = decord.VideoReader(str(video))[0].asnumpy()
    small = written[0].asnumpy()[::4, ::4]
    assert np.abs(small.astype(int) - original.astype(int)).max() > 100


def test_infer_rejects_missing_class_source(tmp_path):
    """--classes or --class-file is required; a bad --out suffix fails."""
    proc = run_tool([sys.executable, 'tools/infer.py', ZS_CONFIG,
                     str(CLIP), str(CLIP)])
    assert proc.returncode != 0
    assert '--classes' in proc.stderr


def test_plot_results_writes_pngs(tmp_path):
    """Curves from a scalars.json per run and bars from results.csv."""
    import matplotlib.image as mpimg
    work = tmp_path / 'demo'
    for run, loss0 in (('ivlp', 3.0), ('vilt-clip', 3.5)):
        log = work / run / '20260101_000000' / 'vis_data'
        log.mkdir(parents=True)
        log.joinpath('scalars.json').write_text('\n'.join(
            json.dumps(dict(loss=loss0 / (i + 1), top1_acc=i / 5, step=i))
            for i in range(5)) + '\n')
    (work / 'results.csv').write_text(
        'method,base_top1,novel_top1,hm,trainable_params,train_seconds\n'
        'zero-shot,30.0,28.0,28.97,0,0\nvilt-clip,90.0,35.0,50.4,100,60\n')
    plot = _tool('tools/analysis/plot_results.py')
    plot.main([str(work), '--out-dir', str(tmp_path / 'figs')])
    assert set(plot.read_training_logs(str(work))) == {'ivlp', 'vilt-clip'}
    for name in ('training_curves.png', 'results_bars.png'):
        image = mpimg.imread(tmp_path / 'figs' / name)
        assert image.shape[0] > 100 and image.shape[1] > 200
        assert image.std() > 0.01  # not blank


def test_demo_table_from_dumps(tmp_path):
    """Top-1 from dump pickles, HM, and the CSV header and rows."""
    table = _tool('tools/analysis/demo_table.py')

    def dump(path, preds, labels):
        samples = [dict(pred_score=torch.eye(3)[p], gt_label=torch.tensor(
            [g])) for p, g in zip(preds, labels)]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(samples))

    dump(tmp_path / 'm' / 'preds_base.pkl', [0, 1, 2, 2], [0, 1, 2, 0])  # 75 %
    dump(tmp_path / 'm' / 'preds_novel.pkl', [0, 0], [0, 1])  # 50 %
    (tmp_path / 'm' / 'train_seconds.txt').write_text('12.34\n')
    table.trainable_params = lambda config: 42  # no model build here
    table.main([str(tmp_path), '--method', 'm', 'unused.py'])
    rows = list(csv.reader((tmp_path / 'results.csv').open()))
    assert rows[0] == ['method', 'base_top1', 'novel_top1', 'hm',
                       'trainable_params', 'train_seconds']
    assert rows[1] == ['m', '75.0', '50.0', '60.0', '42', '12.3']
    assert '| m | 75.0 | 50.0 | 60.0 | 42 | 12 |' in \
        (tmp_path / 'results.md').read_text()
