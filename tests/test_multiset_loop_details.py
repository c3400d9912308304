"""MultiSetValLoop / MultiSetTestLoop in detail: the messages of bad
configs, per-set evaluators, what hooks, metrics and the log see, and the
model step each mode calls. Stand-in model and sets of
test_evaluation_multiset."""
from contextlib import contextmanager

import pytest
import torch
from mmaction.registry import LOOPS, METRICS
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.registry import MODEL_WRAPPERS
from torch import nn

import mmvlprompt.evaluation.multi_set_loop as msl
from test_evaluation_multiset import (BASE, BASE_TOP1, EVALUATOR, NOVEL,
                                      NOVEL_TOP1, PlannedHead, PlannedModel,
                                      loader, make_runner)

# a set every sample of which is class 0: scored fine against the model's
# own single default class, so it needs no class_names
ZERO = ([0, 0, 0, 0], [0, 0, 0, 0], ['default'])


def _build(tmp_path, mode='val', loaders=None, evaluator=EVALUATOR,
           **loop_kw):
    runner = make_runner(tmp_path, mode)
    loop_kw.setdefault('sets', [dict(prefix='base', class_names=BASE[2]),
                                dict(prefix='novel', class_names=NOVEL[2])])
    return LOOPS.build(
        dict(type='MultiSetValLoop' if mode == 'val' else 'MultiSetTestLoop',
             **loop_kw),
        default_args=dict(runner=runner, evaluator=evaluator,
                          dataloader=loaders if loaders is not None else
                          [loader(BASE), loader(NOVEL)]))


def _run(loop):
    """Run a built loop the way the runner does (hooks set up first)."""
    runner = loop.runner
    if loop.mode == 'val':
        runner._val_loop = loop
        return runner.val()
    runner._test_loop = loop
    return runner.test()


@pytest.mark.parametrize('loop_kw, message', [
    (dict(summary_metric=''), "val_cfg.summary_metric='': expected a metric "
     "name such as 'acc/top1'."),
    (dict(summary_metric=5), "val_cfg.summary_metric=5: expected a metric "
     "name such as 'acc/top1'."),
    (dict(sets=['base', dict(prefix='novel')]),
     "val_cfg.sets[0] must be a dict, got 'base'."),
    (dict(sets=[dict(prefix=''), dict(prefix='novel')]),
     "val_cfg.sets[0].prefix='': expected a non-empty string such as "
     "'novel'."),
    (dict(sets=[dict(prefix='a'), dict(prefix='a')]),
     "val_cfg.sets[1].prefix='a' is used by another set; prefixes must be "
     'unique.'),
    (dict(sets=[dict(prefix='a', group=''), dict(prefix='b')]),
     "val_cfg.sets[0].group='': expected a non-empty string."),
    (dict(sets=[dict(prefix='a', group=3), dict(prefix='b')]),
     'val_cfg.sets[0].group=3: expected a non-empty string.'),
    (dict(harmonic_mean=dict(base='base')),
     "val_cfg.harmonic_mean={'base': 'base'}: expected dict(base=PREFIX, "
     "novel=PREFIX, name='b2n/hm') or a list of them."),
    (dict(harmonic_mean=dict(base='base', novel='novel', weight=2)),
     "val_cfg.harmonic_mean={'base': 'base', 'novel': 'novel', 'weight': 2}:"
     " expected dict(base=PREFIX, novel=PREFIX, name='b2n/hm') or a list of "
     'them.'),
    (dict(harmonic_mean=['base']),
     "val_cfg.harmonic_mean=['base']: expected dict(base=PREFIX, "
     "novel=PREFIX, name='b2n/hm') or a list of them."),
    (dict(sets=[dict(prefix='base', ann_file='a.txt'),
                dict(prefix='novel', ann_file='b.txt')]),
     "val_cfg.sets ['base', 'novel'] give ann_file, but val_dataloader is a "
     'list: give either one dataloader per set or a template dataloader and '
     'ann_file per set.'),
    (dict(sets=[dict(prefix='a')]),
     "val_dataloader has 2 entries but val_cfg.sets has 1 (['a']): give one "
     'dataloader per set, in the same order.'),
])
def test_bad_config_messages(tmp_path, loop_kw, message):
    with pytest.raises(ValueError) as info:
        _build(tmp_path, **loop_kw)
    assert str(info.value) == message


def test_one_set_may_use_the_dataloader_and_evaluator_as_given(tmp_path):
    """One set without ann_file: the dataloader and an Evaluator object are
    used as they are; its DumpResults file keeps its name."""
    runner = make_runner(tmp_path, 'test')
    given = loader(ZERO)
    evaluator = Evaluator([METRICS.build(EVALUATOR)])
    loop = LOOPS.build(dict(type='MultiSetTestLoop',
                            sets=[dict(prefix='base')]),
                       default_args=dict(runner=runner, dataloader=given,
                                         evaluator=evaluator))
    assert loop.dataloaders == [given] and loop.evaluators == [evaluator]
    assert loop.dataloader is given and loop.evaluator is evaluator
    dump = tmp_path / 'preds.pkl'
    loop = LOOPS.build(dict(type='MultiSetTestLoop',
                            sets=[dict(prefix='base')]),
                       default_args=dict(runner=runner, dataloader=given,
                                         evaluator=dict(
                                             type='DumpResults',
                                             out_file_path=str(dump))))
    _run(loop)
    assert dump.is_file() and not (tmp_path / 'preds_base.pkl').exists()


def test_several_sets_need_evaluator_configs(tmp_path):
    evaluator = Evaluator([METRICS.build(EVALUATOR)])
    with pytest.raises(TypeError) as info:
        _build(tmp_path, evaluator=evaluator)
    assert str(info.value) == (
        'val_evaluator: each of several sets needs its own evaluator, so '
        'give a config (dict or list), not Evaluator.')


def test_evaluator_as_one_dict_tuple_or_per_set(tmp_path):
    """A single DumpResults dict is split per set like a list; a tuple of
    configs works like a list; a set's own evaluator replaces the shared
    one; each evaluator knows its own set's dataset."""
    dump = tmp_path / 'preds.pkl'
    loop = _build(tmp_path, 'test', evaluator=dict(
        type='DumpResults', out_file_path=str(dump)))
    _run(loop)
    assert (tmp_path / 'preds_base.pkl').is_file()
    assert (tmp_path / 'preds_novel.pkl').is_file()
    loop = _build(tmp_path, 'test', evaluator=(EVALUATOR, ), sets=[
        dict(prefix='base', class_names=BASE[2]),
        dict(prefix='novel', class_names=NOVEL[2],
             evaluator=dict(type='AccMetric'))],
        loaders=[loader(BASE, ann_file='b.txt'),
                 loader(NOVEL, ann_file='n.txt')])
    assert loop.dataloader is loop.dataloaders[0]
    assert loop.evaluator is loop.evaluators[0]
    assert [e.dataset_meta for e in loop.evaluators] == [
        dict(name='b.txt'), dict(name='n.txt')]
    metrics = _run(loop)
    assert metrics['base/acc/top2'] == 1.0
    assert 'novel/acc/top2' not in metrics
    assert metrics['novel/acc/top1'] == pytest.approx(NOVEL_TOP1)


@pytest.mark.parametrize('diff_rank_seed', [False, True])
def test_template_loaders_take_the_runners_seed(tmp_path, diff_rank_seed):
    """As the runner's own loaders: the runner's seed for the sampler, or
    with randomness.diff_rank_seed a seed drawn (and synchronised across
    ranks) for it."""
    runner = make_runner(tmp_path)
    runner._randomness_cfg = dict(seed=123, diff_rank_seed=diff_rank_seed)
    runner._seed = 123
    template = dict(batch_size=1, num_workers=0,
                    sampler=dict(type='DefaultSampler', shuffle=True),
                    dataset=dict(type='VideoDataset', ann_file='',
                                 data_prefix=dict(video='v'), pipeline=[]))
    (tmp_path / 'a.txt').write_text('x.mp4 0\ny.mp4 1\n')
    loop = LOOPS.build(
        dict(type='MultiSetTestLoop',
             sets=[dict(prefix='a', ann_file=str(tmp_path / 'a.txt'))]),
        default_args=dict(runner=runner, dataloader=template,
                          evaluator=EVALUATOR))
    if diff_rank_seed:  # a draw equal to 123 would fail this: 1 in 2**31
        assert loop.dataloaders[0].sampler.seed != 123
    else:
        assert loop.dataloaders[0].sampler.seed == 123


class _FileHead(PlannedHead):
    """A head that reads a label map from a path, and records the key it
    was given for messages."""

    def __init__(self):
        super().__init__()
        self.keys = []

    @contextmanager
    def test_classes(self, class_names, key=''):
        self.keys.append(key)
        if isinstance(class_names, str):
            with open(class_names) as handle:
                class_names = handle.read().split()
        with super().test_classes(class_names, key) as names:
            yield names


class _StepModel(PlannedModel):
    """Records which step ran, and whether autocast was on."""

    def __init__(self):
        super().__init__()
        self.cls_head = _FileHead()
        self.steps = []

    def val_step(self, data):
        self.steps.append(('val', torch.is_autocast_enabled('cpu')))
        return super().val_step(data)

    def test_step(self, data):
        self.steps.append(('test', torch.is_autocast_enabled('cpu')))
        return super().test_step(data)


@METRICS.register_module(force=True)
class _BatchCountMetric(BaseMetric):
    """Counts the data_batch items it is given (test-only metric)."""

    def process(self, data_batch, data_samples):
        self.results.append(len(data_batch['inputs']))

    def compute_metrics(self, results):
        return {'inputs_seen': float(sum(results))}


class _IterRecorder(Hook):
    def __init__(self):
        self.calls = []

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        self.calls.append(('before', batch_idx, len(data_batch['inputs'])))

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        self.calls.append(('after', batch_idx, len(data_batch['inputs']),
                           len(outputs)))


@pytest.mark.parametrize('mode', ['val', 'test'])
def test_step_hooks_metrics_and_log(tmp_path, monkeypatch, mode):
    labels = tmp_path / 'novel.txt'
    labels.write_text('c\nd\ne\n')
    runner = make_runner(tmp_path, mode)
    runner.model = _StepModel()
    recorder = _IterRecorder()
    runner.register_hook(recorder)
    logged = []
    monkeypatch.setattr(msl, 'print_log',
                        lambda msg, logger=None: logged.append((msg, logger)))
    checked = []
    real_check = msl.check_label_range
    monkeypatch.setattr(msl, 'check_label_range', lambda *a: (
        checked.append(a[-1]), real_check(*a)))
    loop = LOOPS.build(
        dict(type=f'Multi Set{mode.title()}Loop'.replace(' ', ''),
             sets=[dict(prefix='base', class_names=BASE[2]),
                   dict(prefix='novel', class_names=str(labels)),
                   dict(prefix='plain')]),
        default_args=dict(runner=runner,
                          dataloader=[loader(BASE), loader(NOVEL),
                                      loader(ZERO, batch_size=3)],
                          evaluator=[EVALUATOR,
                                     dict(type='_BatchCountMetric')]))
    for _ in range(2):
        metrics = _run(loop)
    assert metrics['base/acc/top1'] == pytest.approx(BASE_TOP1)
    assert metrics['novel/inputs_seen'] == 5.0
    assert {kind for kind, _ in runner.model.steps} == {mode}
    assert not any(on for _, on in runner.model.steps)  # fp16 off
    assert runner.model.cls_head.keys == [
        f"{mode}_cfg.sets[0].class_names (set 'base')",
        f"{mode}_cfg.sets[1].class_names (set 'novel')"] * 2
    assert [m for m, _ in logged[:3]] == [
        f"{mode} set 'base' (1/3): 4 samples, 2 classes",
        f"{mode} set 'novel' (2/3): 5 samples, 3 classes",
        f"{mode} set 'plain' (3/3): 4 samples"]
    assert {lg for _, lg in logged} == {'current'}
    # labels are checked once per set, not at every run
    assert checked == [
        "set 'base' vs its class_names (a list; a split file indexes its own"
        ' class list)',
        f"set 'novel' vs its class_names ({labels}; a split file indexes its "
        'own class list)']
    if mode == 'val':
        assert recorder.calls[:4] == [('before', 0, 2), ('after', 0, 2, 2),
                                      ('before', 1, 2), ('after', 1, 2, 2)]


def test_summary_of_a_metric_without_a_slash_and_its_message(tmp_path):
    sets = [dict(prefix=f'ucf_s{i}', group='ucf') for i in (1, 2)]
    loop = _build(tmp_path, 'test', sets=sets,
                  loaders=[loader(ZERO), loader(([0] * 5, [0] * 5, ['x']))],
                  evaluator=dict(type='_BatchCountMetric'),
                  summary_metric='inputs_seen')
    metrics = _run(loop)
    assert metrics['ucf/inputs_seen_mean'] == 4.5
    assert metrics['ucf/inputs_seen_std'] == 0.5
    loop = _build(tmp_path, 'test', summary_metric='acc/top5',
                  harmonic_mean=dict(base='base', novel='novel'))
    with pytest.raises(KeyError) as info:
        _run(loop)
    assert info.value.args[0] == (
        "test_cfg.summary_metric='acc/top5': set 'base' logged no "
        "'base/acc/top5' (it has ['base/acc/mean1', 'base/acc/top1', "
        "'base/acc/top2']).")


class _NoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))


@MODEL_WRAPPERS.register_module(force=True)
class _TestWrapper(nn.Module):
    """A model wrapper (as DDP would be), test-only."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def val_step(self, data):
        return self.module.val_step(data)

    def test_step(self, data):
        return self.module.test_step(data)


def test_class_names_need_a_head_that_switches_classes(tmp_path):
    loop = _build(tmp_path, sets=[dict(prefix='base', class_names=['a', 'b']),
                                  dict(prefix='novel')],
                  loaders=[loader(BASE), loader(ZERO)])
    loop.runner.model = _TestWrapper(PlannedModel())
    assert _run(loop)['base/acc/top1'] == pytest.approx(BASE_TOP1)
    assert loop.runner.model.module.cls_head.switches == [('a', 'b')]
    model = loop.runner.model = _NoHead()
    for _ in range(2):
        with pytest.raises(TypeError) as info:
            _run(loop)
        assert str(info.value) == (
            'val_cfg.sets[].class_names needs a model whose cls_head has a '
            'test_classes() method (e.g. PromptedTextHead); _NoHead has '
            'none.')
        model.cls_head = nn.Identity()  # a head, but one without classes
