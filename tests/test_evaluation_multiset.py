"""Multi-set evaluation loops, protocol statistics and the per-set text
cache, on known inputs.

The loop tests use a stand-in model whose predictions are planned per
sample, so every metric has a value worked out by hand below.
"""
import pickle
from contextlib import contextmanager

import pytest
import torch
from mmaction.registry import LOOPS
from mmaction.structures import ActionDataSample
from mmaction.registry import MODELS
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

from conftest import tiny_model_cfg
from mmvlprompt.evaluation import harmonic_mean, mean_std

# (labels, planned predictions, class names) of each set
BASE = ([0, 0, 0, 1], [0, 0, 1, 0], ['a', 'b'])
NOVEL = ([0, 1, 2, 2, 2], [0, 1, 0, 2, 2], ['c', 'd', 'e'])
# base: top1 2/4; mean1 (2/3 + 0/1) / 2.  novel: top1 4/5; mean1
# (1 + 1 + 2/3) / 3.  hm = 2 * 0.5 * 0.8 / 1.3
BASE_TOP1, BASE_MEAN1 = 0.5, 1 / 3
NOVEL_TOP1, NOVEL_MEAN1 = 0.8, 8 / 9
HM = 0.8 / 1.3


class PlannedSet(Dataset):
    """Samples whose predicted class is fixed in advance."""

    def __init__(self, labels, planned, ann_file='planned.txt'):
        self.labels, self.planned, self.ann_file = labels, planned, ann_file
        self.metainfo = dict(name=ann_file)

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, idx):
        return dict(label=self.labels[idx])

    def __getitem__(self, idx):
        sample = ActionDataSample().set_gt_label(self.labels[idx])
        sample.set_metainfo(dict(planned=self.planned[idx]))
        return dict(inputs=torch.zeros(1), data_samples=sample)


class PlannedHead:
    """Stands in for PromptedTextHead: only the class-set switch."""

    def __init__(self):
        self.test_names = ['default']
        self.switches = []

    @contextmanager
    def test_classes(self, class_names, key=''):
        saved = self.test_names
        self.test_names = list(class_names)
        self.switches.append(tuple(class_names))
        try:
            yield self.test_names
        finally:
            self.test_names = saved


class PlannedModel(BaseModel):
    """Scores each sample over the head's current class set: 1 for the
    planned class, 0.5 for the true one when they differ, 0 elsewhere."""

    def __init__(self):
        super().__init__()
        self.cls_head = PlannedHead()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return dict(loss=(self.weight**2).sum() + 1.0)
        num_classes = len(self.cls_head.test_names)
        for sample in data_samples:
            score = torch.zeros(num_classes)
            label = int(sample.gt_label)
            if label < num_classes:
                score[label] = 0.5
            score[sample.planned] = 1.0
            sample.set_pred_score(score)
            sample.set_pred_label(score.argmax())
        return data_samples


def loader(spec, batch_size=2, ann_file='planned.txt'):
    return DataLoader(PlannedSet(spec[0], spec[1], ann_file),
                      batch_size=batch_size, collate_fn=pseudo_collate)


EVALUATOR = dict(type='AccMetric',
                 metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))


def make_runner(tmp_path, mode='val', sets=None, loaders=None,
                evaluator=EVALUATOR, **loop_kw):
    sets = sets or [dict(prefix='base', class_names=BASE[2]),
                    dict(prefix='novel', class_names=NOVEL[2])]
    loaders = loaders or [loader(BASE), loader(NOVEL)]
    loop = dict(type='MultiSetValLoop' if mode == 'val' else
                'MultiSetTestLoop', sets=sets, **loop_kw)
    return Runner(model=PlannedModel(), work_dir=str(tmp_path),
                  experiment_name=f'{tmp_path.name}_{mode}',
                  default_scope='mmaction',
                  **{f'{mode}_dataloader': loaders, f'{mode}_cfg': loop,
                     f'{mode}_evaluator': evaluator})


def test_harmonic_mean_and_mean_std_known_numbers():
    assert harmonic_mean(0.8, 0.6) == pytest.approx(0.96 / 1.4)
    assert harmonic_mean(70.0, 70.0) == pytest.approx(70.0)
    assert harmonic_mean(0.0, 0.0) == 0.0
    assert harmonic_mean(1.0, 0.0) == 0.0
    with pytest.raises(ValueError, match='base=-1'):
        harmonic_mean(-1, 0.5)
    mean, std = mean_std([0.5, 0.6, 0.7])
    assert mean == pytest.approx(0.6)
    assert std == pytest.approx((0.02 / 3)**0.5)  # population std
    assert mean_std([0.4]) == (0.4, 0.0)


@pytest.mark.parametrize('mode', ['val', 'test'])
def test_each_set_scored_with_its_classes_and_prefix(tmp_path, mode):
    """Per-set top-1/top-2/mean-class accuracy under the set's prefix, the
    harmonic mean, and the class set each set was scored against."""
    runner = make_runner(tmp_path, mode, harmonic_mean=[
        dict(base='base', novel='novel'),
        dict(base='novel', novel='base', name='hm_swapped')])
    metrics = runner.val() if mode == 'val' else runner.test()
    assert metrics['base/acc/top1'] == pytest.approx(BASE_TOP1)
    assert metrics['base/acc/mean1'] == pytest.approx(BASE_MEAN1)
    assert metrics['novel/acc/top1'] == pytest.approx(NOVEL_TOP1)
    assert metrics['novel/acc/mean1'] == pytest.approx(NOVEL_MEAN1)
    assert metrics['base/acc/top2'] == 1.0 == metrics['novel/acc/top2']
    assert metrics['b2n/hm'] == pytest.approx(HM)
    assert metrics['hm_swapped'] == pytest.approx(HM)
    head = runner.model.cls_head
    assert head.switches == [tuple(BASE[2]), tuple(NOVEL[2])]
    assert head.test_names == ['default']  # restored after the run


def test_groups_report_mean_and_std(tmp_path):
    """Zero-shot splits sharing a group: mean and population std of top-1;
    a set without a group is left out."""
    splits = [([0, 1, 1, 0], [0, 1, 1, 0]),  # top1 1.0
              ([0, 1, 1, 0], [0, 0, 1, 0]),  # 0.75
              ([0, 1, 1, 0], [1, 0, 1, 0]),  # 0.5
              ([0, 1], [1, 0])]  # 0.0, other group
    names = ['x', 'y']
    sets = [dict(prefix=f'ucf_s{i + 1}', class_names=names, group='ucf')
            for i in range(3)] + [dict(prefix='hmdb_s1', class_names=names,
                                       group='hmdb')]
    runner = make_runner(tmp_path, 'test', sets=sets,
                         loaders=[loader((s[0], s[1], names)) for s in splits])
    metrics = runner.test()
    assert metrics['ucf_s2/acc/top1'] == pytest.approx(0.75)
    assert metrics['ucf/top1_mean'] == pytest.approx(0.75)
    assert metrics['ucf/top1_std'] == pytest.approx((0.125 / 3)**0.5)
    assert metrics['hmdb/top1_mean'] == 0.0
    assert metrics['hmdb/top1_std'] == 0.0


def test_dump_results_write_one_file_per_set(tmp_path):
    """A DumpResults metric writes <stem>_<prefix>.pkl per set, each with
    that set's number of classes and samples."""
    dump = tmp_path / 'preds.pkl'
    runner = make_runner(tmp_path, 'test', evaluator=[
        EVALUATOR, dict(type='DumpResults', out_file_path=str(dump))])
    runner.test()
    assert not dump.exists()
    for prefix, spec in (('base', BASE), ('novel', NOVEL)):
        with open(tmp_path / f'preds_{prefix}.pkl', 'rb') as f:
            rows = pickle.load(f)
        assert len(rows) == len(spec[0])
        assert {len(r['pred_score']) for r in rows} == {len(spec[2])}
        assert [int(r['gt_label']) for r in rows] == spec[0]


def test_save_best_sees_the_harmonic_mean(tmp_path):
    """CheckpointHook(save_best='b2n/hm') keeps the best checkpoint by the
    harmonic mean logged by MultiSetValLoop during training."""
    runner = Runner(
        model=PlannedModel(), work_dir=str(tmp_path),
        experiment_name=f'{tmp_path.name}_train', default_scope='mmaction',
        train_dataloader=loader(BASE),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        val_dataloader=[loader(BASE), loader(NOVEL)],
        val_cfg=dict(type='MultiSetValLoop',
                     sets=[dict(prefix='base', class_names=BASE[2]),
                           dict(prefix='novel', class_names=NOVEL[2])],
                     harmonic_mean=dict(base='base', novel='novel')),
        val_evaluator=EVALUATOR,
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=1, save_best='b2n/hm',
            rule='greater')))
    runner.train()
    assert (tmp_path / 'best_b2n_hm_epoch_1.pth').is_file(), \
        sorted(p.name for p in tmp_path.iterdir())
    ckpt = torch.load(str(tmp_path / 'best_b2n_hm_epoch_1.pth'),
                      map_location='cpu')
    assert ckpt['message_hub']['runtime_info']['best_score'] == \
        pytest.approx(HM)


@pytest.mark.parametrize('loop_kw, message', [
    (dict(sets=[]), 'val_cfg.sets must be a non-empty list'),
    (dict(sets=[dict(prefix='a', names=['x'])]), r"unknown keys \['names'\]"),
    (dict(sets=[dict(class_names=['x'])]), r'val_cfg.sets\[0\].prefix=None'),
    (dict(sets=[dict(prefix='a'), dict(prefix='a')]), 'must be unique'),
    (dict(sets=[dict(prefix='a'), dict(prefix='b')],
          harmonic_mean=dict(base='a', novel='c')),
     r"harmonic_mean.novel='c' is not the prefix"),
    (dict(sets=[dict(prefix='a')]), 'val_dataloader has 2 entries but '
     'val_cfg.sets has 1'),
])
def test_bad_loop_config_names_the_key(tmp_path, loop_kw, message):
    with pytest.raises(ValueError, match=message):
        LOOPS.build(dict(type='MultiSetValLoop', **loop_kw),
                    default_args=dict(runner=make_runner(tmp_path),
                                      dataloader=[loader(BASE),
                                                  loader(NOVEL)],
                                      evaluator=EVALUATOR))


def test_label_out_of_range_names_the_files(tmp_path):
    """A split scored against too few class names fails naming the
    annotation file and the class-name source."""
    runner = make_runner(
        tmp_path, 'test',
        sets=[dict(prefix='novel', class_names=BASE[2])],  # 2 names
        loaders=[loader(NOVEL, ann_file='novel_val.txt')])  # labels 0..2
    with pytest.raises(ValueError,
                       match="novel_val.txt sample 2: label 2 is out of range "
                       "for the 2 classes of set 'novel'"):
        runner.test()


def test_missing_summary_metric_is_named(tmp_path):
    runner = make_runner(tmp_path, 'test', summary_metric='acc/top9',
                         harmonic_mean=dict(base='base', novel='novel'))
    with pytest.raises(KeyError, match="set 'base' logged no 'base/acc/top9'"):
        runner.test()


def test_text_cache_holds_one_entry_per_class_set(tiny_clip_path):
    """Alternating two class sets in eval computes each set's text
    features once; a prompt change recomputes them, once per set."""
    neck = dict(type='VLPromptLearner', num_text_tokens=4,
                num_vision_tokens=4, depth_text=2, depth_vision=2,
                ctx_init='a video of')
    model = MODELS.build(tiny_model_cfg(tiny_clip_path, neck=neck)).eval()
    head = model.cls_head
    calls = []
    head.text_encoder.register_forward_hook(lambda *a: calls.append(1))
    frames = torch.randn(1, 4, 3, 32, 32)
    sets = (['juggling', 'surfing'], ['archery', 'bowling', 'curling'])
    outs = {}
    with torch.no_grad():
        for _ in range(3):
            for names in sets:
                with head.test_classes(names) as loaded:
                    assert loaded == names
                    out = model(frames, mode='tensor', stage='head')
                assert out.shape == (1, len(names))
                if len(names) in outs:
                    assert torch.equal(outs[len(names)], out)
                outs[len(names)] = out
        assert len(calls) == 2  # one per class set, not one per switch
        model.neck.text_prompts.add_(1.0)
        for _ in range(2):
            for names in sets:
                with head.test_classes(names):
                    model(frames, mode='tensor', stage='head')
        assert len(calls) == 4
    assert head.test_names == head.train_names  # restored


def test_test_classes_reads_label_map_files(tiny_clip_path, tmp_path):
    """test_classes takes a label-map path and names it on error."""
    model = MODELS.build(tiny_model_cfg(tiny_clip_path))
    path = tmp_path / 'novel.txt'
    path.write_text('brush_hair\ncartwheel\n')
    with model.cls_head.test_classes(str(path)) as names:
        assert names == ['brush hair', 'cartwheel']
    with pytest.raises(FileNotFoundError, match='sets.0..class_names'):
        with model.cls_head.test_classes(str(tmp_path / 'none.txt'),
                                         key='test_cfg.sets[0].class_names'):
            pass


def test_template_dataloader_gets_each_sets_ann_file(tmp_path):
    """With one dataloader config and ann_file per set, the loop builds one
    loader per set from the template."""
    runner = make_runner(tmp_path)
    template = dict(batch_size=2, num_workers=0,
                    sampler=dict(type='DefaultSampler', shuffle=False),
                    dataset=dict(type='VideoDataset', ann_file='',
                                 data_prefix=dict(video='v'), pipeline=[]))
    for name, rows in (('a.txt', ['x.mp4 0', 'y.mp4 1']),
                       ('b.txt', ['z.mp4 2'])):
        (tmp_path / name).write_text('\n'.join(rows) + '\n')
    loop = LOOPS.build(
        dict(type='MultiSetTestLoop',
             sets=[dict(prefix='a', ann_file=str(tmp_path / 'a.txt')),
                   dict(prefix='b', ann_file=str(tmp_path / 'b.txt'),
                        data_prefix=dict(video='w'))]),
        default_args=dict(runner=runner, dataloader=template,
                          evaluator=EVALUATOR))
    datasets = [ld.dataset for ld in loop.dataloaders]
    assert [len(d) for d in datasets] == [2, 1]
    assert datasets[1].get_data_info(0)['filename'] == 'w/z.mp4'
    assert datasets[0].get_data_info(1)['label'] == 1
    with pytest.raises(ValueError, match=r"missing in \['b'\]"):
        LOOPS.build(dict(type='MultiSetTestLoop',
                         sets=[dict(prefix='a', ann_file='a.txt'),
                               dict(prefix='b')]),
                    default_args=dict(runner=runner, dataloader=template,
                                      evaluator=EVALUATOR))


def test_test_tool_accepts_none_checkpoint():
    """tools/test.py CONFIG none: test the model as built (zero-shot CLIP),
    nothing is loaded; a real path is still loaded."""
    import importlib.util
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        'test_tool', repo / 'tools' / 'test.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = str(repo / 'configs' / 'zero_shot' / 'zeroshot-clip_k400_zs.py')
    args = tool.parse_args([config, 'none', '--dump', 'p.pkl'])
    from mmengine.config import Config
    cfg = tool.merge_args(Config.fromfile(config), args)
    assert cfg.load_from is None
    assert cfg.test_evaluator[-1] == dict(type='DumpResults',
                                          out_file_path='p.pkl')
    args = tool.parse_args([config, 'ckpt.pth'])
    assert tool.merge_args(Config.fromfile(config), args).load_from == \
        'ckpt.pth'
