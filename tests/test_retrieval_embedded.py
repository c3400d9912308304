"""The embedded retrieval run (a small `make retrieval`): ViLT-CLIP trained
on world v2 (its 6-epoch recipe) beats chance, and so does the zero-shot
tiny CLIP on the same scenes without world v2's camera (through the camera
it is at chance by design: docs/en/benchmark/world_v2.md; the full run is
`make retrieval`); 2-process evaluation (CPU, gloo) equals 1-process
evaluation on an odd number of videos.

100 training videos (two per class, 2 captions each), 50 test videos (2
captions each); up to five tool runs, made once when first needed.
"""
import json
import sys

import mmengine
import pytest
import torch
from mmaction.datasets.msrvtt_datasets import pre_text

from conftest import REPO, free_port, proc_tail, run_tool

from mmvlprompt.worlds.captions import make_world_v2_retrieval
from mmvlprompt.evaluation import VideoTextRetrievalMetric

pytestmark = pytest.mark.slow
CONFIGS = REPO / 'configs' / 'retrieval'
EPOCHS = 6  # the recipe of configs/retrieval/vilt-clip_world-v2.py
# a fixed non-sorted order of 7 test videos: a shuffled, duplicated or
# dropped prediction shows in the video sequence
ODD_ORDER = (9, 2, 40, 17, 33, 5, 26)


class _Runs:
    """Tool runs of this module, each made once, when first needed."""

    def __init__(self, tmp):
        self.tmp = tmp
        paths = make_world_v2_retrieval(tmp / 'data', train_per_class=2,
                                         test_per_class=1, train_captions=2,
                                         test_captions=2)
        # the same scenes and captions without the camera: zero-shot's set
        plain = make_world_v2_retrieval(tmp / 'plain', train_per_class=1,
                                        test_per_class=1, train_captions=2,
                                        test_captions=2, camera=False)
        self.plain_env = {'MMVLP_RETRIEVAL_ROOT': str(plain['root'])}
        assert plain['test'].read_text() == paths['test'].read_text()
        self.test = json.loads(paths['test'].read_text())
        self.names = list(self.test)
        self.odd = tmp / 'test_odd.json'
        self.odd.write_text(json.dumps(
            {self.names[i]: self.test[self.names[i]] for i in ODD_ORDER}))
        self.env = {'MMVLP_RETRIEVAL_ROOT': str(paths['root']),
                    'OMP_NUM_THREADS': '1'}
        self.vilt = str(CONFIGS / 'vilt-clip_world-v2.py')
        self._done = {}

    def _run(self, name, cmd, env=None):
        proc = run_tool(cmd, env={**self.env, 'PORT': str(free_port()),
                                  **(env or {})})
        assert proc.returncode == 0, name + proc_tail(proc)

    def checkpoint(self) -> str:
        ckpt = self.tmp / 'train' / f'epoch_{EPOCHS}.pth'
        if not ckpt.exists():
            self._run('train', [
                sys.executable, 'tools/train.py', self.vilt, '--work-dir',
                str(self.tmp / 'train'), '--cfg-options',
                f'train_cfg.max_epochs={EPOCHS}'])
        return str(ckpt)

    def dump(self, name):
        """Predictions of one evaluation: zero-shot (without the camera),
        vilt-clip, and vilt-clip on the 7 odd videos with 1 and 2
        processes."""
        if name not in self._done:
            odd = ['--cfg-options', f'test_dataloader.dataset.ann_file='
                   f'{self.odd}', 'test_dataloader.batch_size=2']
            test = [sys.executable, 'tools/test.py']
            cmd, opts = {
                'zero-shot': (test + [str(CONFIGS / 'zeroshot-clip_world-v2'
                                          '.py'), 'none'], []),
                'vilt-clip': (test + [self.vilt, self.checkpoint()], []),
                'odd1': (test + [self.vilt, self.checkpoint()], odd),
                'odd2': (['bash', 'tools/dist_test.sh', self.vilt,
                          self.checkpoint(), '2'], odd),
            }[name]
            out = self.tmp / name / 'preds.pkl'
            self._run(name, [*cmd, '--work-dir', str(self.tmp / name),
                             '--dump', str(out), *opts],
                      self.plain_env if name == 'zero-shot' else None)
            self._done[name] = out
        return self._done[name]


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    return _Runs(tmp_path_factory.mktemp('retrieval'))


def _metrics(dump):
    metric = VideoTextRetrievalMetric()
    metric.process(None, mmengine.load(str(dump)))
    return metric.compute_metrics(metric.results)


# chance on 50 videos with 2 captions each: t2v R@5 = 5/50 = 10 %, mean
# rank 25.5; v2t (best of 2 of 100 captions) R@5 = 1 - (95/100)(94/99) =
# 9.8 %, mean rank 101/3 = 33.7
CHANCE = dict(t2v_R5=100 * 5 / 50, t2v_MnR=25.5,
              v2t_R5=100 * (1 - 95 / 100 * 94 / 99), v2t_MnR=101 / 3)


@pytest.mark.parametrize('method', ['zero-shot', 'vilt-clip'])
def test_embedded_run_beats_chance(runs, method):
    """Deterministic (seeded videos, fixed tiny CLIP, seeded training)."""
    m = _metrics(runs.dump(method))
    assert m['t2v_R5'] > 2 * CHANCE['t2v_R5'], m
    assert m['v2t_R5'] > 1.5 * CHANCE['v2t_R5'], m
    assert m['t2v_MnR'] < 0.75 * CHANCE['t2v_MnR'], m
    assert m['v2t_MnR'] < 0.75 * CHANCE['v2t_MnR'], m


def test_two_process_evaluation_equals_one_process(runs):
    """7 videos on 2 ranks (rank 1 padded): every video once, in order, the
    same embeddings and the same metrics."""
    one, two = (mmengine.load(str(runs.dump(k))) for k in ('odd1', 'odd2'))
    assert len(one) == len(two) == 7
    expected = [runs.test[runs.names[i]] for i in ODD_ORDER]
    for preds in (one, two):
        assert [p['text'] for p in preds] == [
            [pre_text(c) for c in caps] for caps in expected]
        assert [p['video_id'] for p in preds] == list(range(7))
    for a, b in zip(one, two):
        torch.testing.assert_close(b['video_feature'], a['video_feature'],
                                   atol=1e-5, rtol=0)
        torch.testing.assert_close(b['text_feature'], a['text_feature'],
                                   atol=1e-5, rtol=0)
    m1, m2 = _metrics(runs.dump('odd1')), _metrics(runs.dump('odd2'))
    assert m1 == pytest.approx(m2)
    assert len({p['video_feature'].numpy().tobytes() for p in one}) == 7
