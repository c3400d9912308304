"""Validation and test loops over several evaluation sets in one run.

Each set has its own dataloader, its own class names and its own metrics,
logged under the set's prefix (``base/acc/top1``, ``novel/acc/top1``,
``k600_s1/acc/top1``). On top of the per-set metrics the loops report the
protocol summaries of DESIGN 3: the base-to-novel harmonic mean
(``b2n/hm``) and the mean and standard deviation over sets that share a
group (``ucf/top1_mean``, ``ucf/top1_std``).

Config::

    val_dataloader = dict(batch_size=8, dataset=dict(...))  # a template
    val_evaluator = dict(type='AccMetric')                # applied to each set
    val_cfg = dict(
        type='MultiSetValLoop',
        sets=[dict(prefix='base', ann_file='.../base_val.txt',
                   class_names='.../base_labels.csv'),
              dict(prefix='novel', ann_file='.../novel_val.txt',
                   class_names='.../novel_labels.csv')],
        harmonic_mean=dict(base='base', novel='novel', name='b2n/hm'))

Each set's loader is the template with the set's ``ann_file`` (and
``data_prefix``, if given); alternatively ``val_dataloader`` is a list with
one full dataloader per set, in the order of ``sets``.

The model is told which classes to score through its head's
``test_classes(class_names)`` context manager (see
:class:`PromptedTextHead`).
"""
import copy
import os.path as osp
from contextlib import nullcontext
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmaction.registry import LOOPS
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.amp import autocast
from mmengine.runner.base_loop import BaseLoop

from ..datasets import check_label_range
from .protocol_stats import harmonic_mean, mean_std

_SET_KEYS = {'prefix', 'ann_file', 'data_prefix', 'class_names', 'group',
             'evaluator'}
_HM_KEYS = {'base', 'novel', 'name'}


class _MultiSetLoop(BaseLoop):
    """Shared body of :class:`MultiSetValLoop` and :class:`MultiSetTestLoop`.

    Args:
        runner: The runner.
        dataloader: A dataloader config used as a template for every set
            (each set gives its ``ann_file``), or a list with one dataloader
            (config or object) per set, in the order of ``sets``.
        evaluator: Evaluator config (dict or list of dicts) applied to every
            set that does not give its own ``evaluator``. Metrics with an
            ``out_file_path`` (``DumpResults``) write one file per set,
            ``<stem>_<prefix><ext>``.
        sets (list[dict]): One dict per set with keys ``prefix`` (required,
            unique), ``ann_file`` and ``data_prefix`` (set into the template
            dataloader's dataset; ``ann_file`` is required with a template
            and not allowed with a list of dataloaders), ``class_names``
            (label-map path or list; None keeps the model's test classes),
            ``group`` (optional: sets sharing a group get mean and std of
            ``summary_metric``) and ``evaluator`` (optional per-set
            override).
        harmonic_mean (dict | list[dict], optional): ``dict(base=PREFIX,
            novel=PREFIX, name='b2n/hm')``: logs the harmonic mean of the
            two sets' ``summary_metric`` under ``name``.
        summary_metric (str): Per-set metric the summaries use.
        fp16 (bool): Run the model under autocast.
        share_video_features (bool): Compute each video file's features
            once for all sets of the run, through the model's
            ``shared_video_features()`` context (e.g.
            :class:`VLPromptRecognizer`); for sets that score the same
            videos against different class lists. Needs a deterministic test
            pipeline and ``filename`` in the samples' metainfo.
    """

    mode = ''  # 'val' or 'test'

    def __init__(self,
                 runner,
                 dataloader,
                 evaluator,
                 sets: Sequence[dict],
                 harmonic_mean: Union[dict, Sequence[dict], None] = None,
                 summary_metric: str = 'acc/top1',
                 fp16: bool = False,
                 share_video_features: bool = False) -> None:
        self._runner = runner
        self.cfg_key = f'{self.mode}_cfg'
        self.sets = self._check_sets(sets)
        prefixes = [s['prefix'] for s in self.sets]
        self.harmonic_means = self._check_hm(harmonic_mean, prefixes)
        if not isinstance(summary_metric, str) or not summary_metric:
            raise ValueError(f'{self.cfg_key}.summary_metric='
                             f'{summary_metric!r}: expected a metric name '
                             "such as 'acc/top1'.")
        self.summary_metric = summary_metric
        self.fp16 = fp16
        if not isinstance(share_video_features, bool):
            raise ValueError(f'{self.cfg_key}.share_video_features='
                             f'{share_video_features!r}: expected True or '
                             'False.')
        self.share_video_features = share_video_features
        loaders = self._loaders_per_set(dataloader)
        self.dataloaders = [self._build_loader(ld) for ld in loaders]
        self.evaluators = [
            self._build_evaluator(spec.get('evaluator', evaluator), spec,
                                  loader)
            for spec, loader in zip(self.sets, self.dataloaders)
        ]
        self._labels_checked = set()
        # what hooks and the log processor read as the current set
        self.dataloader = self.dataloaders[0]
        self.evaluator = self.evaluators[0]

    # ------------------------------------------------------------------
    # config checks and building
    # ------------------------------------------------------------------
    def _check_sets(self, sets) -> List[dict]:
        key = f'{self.cfg_key}.sets'
        if not isinstance(sets, (list, tuple)) or not sets:
            raise ValueError(f'{key} must be a non-empty list of dicts, got '
                             f'{sets!r}.')
        checked, seen = [], set()
        for i, spec in enumerate(sets):
            if not isinstance(spec, dict):
                raise ValueError(f'{key}[{i}] must be a dict, got {spec!r}.')
            unknown = set(spec) - _SET_KEYS
            if unknown:
                raise ValueError(f'{key}[{i}]: unknown keys '
                                 f'{sorted(unknown)}; allowed: '
                                 f'{sorted(_SET_KEYS)}.')
            prefix = spec.get('prefix')
            if not isinstance(prefix, str) or not prefix:
                raise ValueError(f'{key}[{i}].prefix={prefix!r}: expected a '
                                 "non-empty string such as 'novel'.")
            if prefix in seen:
                raise ValueError(f'{key}[{i}].prefix={prefix!r} is used by '
                                 'another set; prefixes must be unique.')
            seen.add(prefix)
            group = spec.get('group')
            if group is not None and (not isinstance(group, str)
                                      or not group):
                raise ValueError(f'{key}[{i}].group={group!r}: expected a '
                                 'non-empty string.')
            checked.append(dict(spec))
        return checked

    def _check_hm(self, cfg, prefixes) -> List[dict]:
        key = f'{self.cfg_key}.harmonic_mean'
        if cfg is None:
            return []
        items = [cfg] if isinstance(cfg, dict) else list(cfg)
        checked = []
        for item in items:
            if not isinstance(item, dict) or set(item) - _HM_KEYS or \
                    not {'base', 'novel'} <= set(item):
                raise ValueError(f'{key}={cfg!r}: expected dict(base=PREFIX, '
                                 "novel=PREFIX, name='b2n/hm') or a list "
                                 'of them.')
            for role in ('base', 'novel'):
                if item[role] not in prefixes:
                    raise ValueError(f'{key}.{role}={item[role]!r} is not '
                                     f'the prefix of a set ({prefixes}).')
            checked.append({'name': 'b2n/hm', **item})
        return checked

    def _loaders_per_set(self, dataloader) -> list:
        name = f'{self.mode}_dataloader'
        prefixes = [s['prefix'] for s in self.sets]
        with_ann = [s['prefix'] for s in self.sets if 'ann_file' in s]
        if isinstance(dataloader, (list, tuple)):
            if with_ann:
                raise ValueError(
                    f'{self.cfg_key}.sets {with_ann} give ann_file, but '
                    f'{name} is a list: give either one dataloader per set '
                    'or a template dataloader and ann_file per set.')
            if len(dataloader) != len(self.sets):
                raise ValueError(
                    f'{name} has {len(dataloader)} entries but '
                    f'{self.cfg_key}.sets has {len(self.sets)} ({prefixes}): '
                    'give one dataloader per set, in the same order.')
            return list(dataloader)
        if not with_ann and len(self.sets) == 1:
            return [dataloader]
        if len(with_ann) != len(self.sets) or not isinstance(dataloader,
                                                             dict):
            missing = sorted(set(prefixes) - set(with_ann))
            raise ValueError(
                f'{name} is a single dataloader, so every entry of '
                f'{self.cfg_key}.sets needs an ann_file (missing in '
                f'{missing}), and {name} must be a config dict.')
        loaders = []
        for spec in self.sets:
            loader = copy.deepcopy(dataloader)
            loader['dataset']['ann_file'] = spec['ann_file']
            if 'data_prefix' in spec:
                loader['dataset']['data_prefix'] = spec['data_prefix']
            loaders.append(loader)
        return loaders

    def _build_loader(self, loader):
        if isinstance(loader, dict):
            diff_rank_seed = self.runner._randomness_cfg.get(
                'diff_rank_seed', False)
            return self.runner.build_dataloader(
                loader, seed=self.runner.seed, diff_rank_seed=diff_rank_seed)
        return loader

    def _build_evaluator(self, cfg, spec: dict, loader) -> Evaluator:
        if isinstance(cfg, Evaluator) and len(self.sets) == 1:
            evaluator = cfg
        elif isinstance(cfg, (dict, list, tuple)):
            cfg = copy.deepcopy(cfg)
            for metric in (cfg if isinstance(cfg, (list, tuple)) else [cfg]):
                if len(self.sets) > 1 and 'out_file_path' in metric:
                    stem, ext = osp.splitext(metric['out_file_path'])
                    metric['out_file_path'] = f"{stem}_{spec['prefix']}{ext}"
            evaluator = self.runner.build_evaluator(list(cfg) if isinstance(
                cfg, tuple) else cfg)
        else:
            raise TypeError(
                f'{self.mode}_evaluator: each of several sets needs its own '
                'evaluator, so give a config (dict or list), not '
                f'{type(cfg).__name__}.')
        if hasattr(loader.dataset, 'metainfo'):
            evaluator.dataset_meta = loader.dataset.metainfo
        return evaluator

    # ------------------------------------------------------------------
    # running
    # ------------------------------------------------------------------
    def _head(self):
        model = self.runner.model
        if is_model_wrapper(model):
            model = model.module
        head = getattr(model, 'cls_head', None)
        if head is None or not hasattr(head, 'test_classes'):
            raise TypeError(
                f'{self.cfg_key}.sets[].class_names needs a model whose '
                'cls_head has a test_classes() method (e.g. '
                f'PromptedTextHead); {type(model).__name__} has none.')
        return head

    def _feature_sharing(self):
        if not self.share_video_features:
            return nullcontext()
        model = self.runner.model
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'shared_video_features'):
            raise TypeError(
                f'{self.cfg_key}.share_video_features=True needs a model '
                'with a shared_video_features() context (e.g. '
                f'VLPromptRecognizer); {type(model).__name__} has none.')
        return model.shared_video_features()

    def _class_scope(self, index: int, spec: dict):
        if spec.get('class_names') is None:
            return nullcontext(None)
        return self._head().test_classes(
            spec['class_names'], key=f'{self.cfg_key}.sets[{index}]'
            f".class_names (set '{spec['prefix']}')")

    @staticmethod
    def _check_labels(dataset, names: Optional[List[str]], spec: dict):
        """Fail, naming the file and line, if a label has no class."""
        if names is None:
            return
        source = spec['class_names'] if isinstance(
            spec['class_names'], str) else 'a list'
        check_label_range(
            dataset, names, f"set '{spec['prefix']}' vs its class_names "
            f'({source}; a split file indexes its own class list)')

    def run(self) -> Dict[str, float]:
        """Evaluate every set in turn and return all metrics."""
        mode = self.mode
        self.runner.call_hook(f'before_{mode}')
        self.runner.call_hook(f'before_{mode}_epoch')
        self.runner.model.eval()
        metrics: Dict[str, float] = {}
        with self._feature_sharing():
            for index, (spec, loader, evaluator) in enumerate(
                    zip(self.sets, self.dataloaders, self.evaluators)):
                metrics.update(self._run_set(index, spec, loader,
                                             evaluator))
        metrics.update(self.summaries(metrics))
        self.runner.call_hook(f'after_{mode}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{mode}')
        return metrics

    def _run_set(self, index: int, spec: dict, loader,
                 evaluator) -> Dict[str, float]:
        """Score one set with its class names; its metrics, prefixed."""
        self.dataloader, self.evaluator = loader, evaluator
        with self._class_scope(index, spec) as names:
            if index not in self._labels_checked:  # not every epoch
                self._check_labels(loader.dataset, names, spec)
                self._labels_checked.add(index)
            classes = f', {len(names)} classes' if names else ''
            print_log(
                f"{self.mode} set '{spec['prefix']}' ({index + 1}/"
                f'{len(self.sets)}): {len(loader.dataset)} '
                f'samples{classes}', logger='current')
            for idx, data_batch in enumerate(loader):
                self.run_iter(idx, data_batch)
        result = evaluator.evaluate(len(loader.dataset))
        return {f"{spec['prefix']}/{k}": v for k, v in result.items()}

    def _summary_value(self, metrics: dict, prefix: str) -> float:
        key = f'{prefix}/{self.summary_metric}'
        if key not in metrics:
            logged = sorted(k for k in metrics if k.startswith(prefix + '/'))
            raise KeyError(
                f'{self.cfg_key}.summary_metric={self.summary_metric!r}: '
                f"set '{prefix}' logged no {key!r} (it has {logged}).")
        return float(metrics[key])

    def summaries(self, metrics: Dict[str, float]) -> Dict[str, float]:
        """Harmonic means and per-group mean/std from per-set metrics."""
        out: Dict[str, float] = {}
        for item in self.harmonic_means:
            out[item['name']] = harmonic_mean(
                self._summary_value(metrics, item['base']),
                self._summary_value(metrics, item['novel']))
        groups: Dict[str, List[float]] = {}
        for spec in self.sets:
            if spec.get('group'):
                groups.setdefault(spec['group'], []).append(
                    self._summary_value(metrics, spec['prefix']))
        short = self.summary_metric.split('/')[-1]
        for group, values in groups.items():
            mean, std = mean_std(values)
            out[f'{group}/{short}_mean'] = mean
            out[f'{group}/{short}_std'] = std
        return out

    def _step(self, data_batch):
        model = self.runner.model
        return model.val_step(data_batch) if self.mode == 'val' \
            else model.test_step(data_batch)

    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        """Score one batch of the current set."""
        self.runner.call_hook(f'before_{self.mode}_iter', batch_idx=idx,
                              data_batch=data_batch)
        with torch.no_grad(), autocast(enabled=self.fp16):
            outputs = self._step(data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(f'after_{self.mode}_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)


@LOOPS.register_module()
class MultiSetValLoop(_MultiSetLoop):
    """Validation over several sets, each with its own class names and
    metric prefix, plus harmonic mean and group mean/std (see module
    docstring). Use as ``val_cfg = dict(type='MultiSetValLoop', sets=...)``
    with ``val_dataloader`` a list in the order of ``sets``."""

    mode = 'val'


@LOOPS.register_module()
class MultiSetTestLoop(_MultiSetLoop):
    """Test over several sets; same keys as :class:`MultiSetValLoop`. Use as
    ``test_cfg = dict(type='MultiSetTestLoop', sets=...)`` with
    ``test_dataloader`` a list in the order of ``sets``."""

    mode = 'test'
