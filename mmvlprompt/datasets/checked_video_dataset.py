"""VideoDataset that checks its annotation file and reports skipped videos."""
import os.path as osp
from typing import Callable, List, Optional, Tuple, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset

from .annotations import read_annotations
from .transforms.checked_decord import COUNTED_KEY, ERROR_KEY

# metainfo key of the packed data sample that carries the skipped loads
SKIPPED_KEY = 'skipped_videos'
LINE_KEY = 'ann_line'


@DATASETS.register_module()
class CheckedVideoDataset(VideoDataset):
    """:class:`VideoDataset` that validates its annotations and counts skips.

    **Annotations** are checked when the dataset is built; every problem is
    reported as ``ann_file:line``: blank lines, lines with the wrong number
    of fields (``video label``, or ``video label label ...`` with
    ``multi_class=True``), labels that are not integers, and, when
    ``num_classes`` is given, labels outside ``[0, num_classes)``. The label
    range against the model's class set is checked by
    :class:`~mmvlprompt.engine.LabelRangeHook` (see
    :func:`~mmvlprompt.datasets.check_label_range`).

    **Skipped videos.** In training, when a transform returns ``None``
    (:class:`CheckedDecordInit` / :class:`CheckedDecordDecode` with
    ``on_error='skip'``), the dataset draws another sample, as MMEngine's
    does, and records ``(video, ann_file:line, reason)`` for the failed
    load. The records travel back *with the batch*, in the metainfo key
    ``skipped_videos`` of the data sample that replaced them. This is what
    makes the count right with ``num_workers > 0`` (each worker is its own
    process and cannot update a counter in the trainer) and under DDP
    (each rank sees its own batches; :class:`SkippedVideoHook` sums over
    ranks). If ``max_refetch + 1`` loads in a row fail, the dataset stops
    with an error naming the data folder and the first failures.

    The arguments ``ann_file``, ``pipeline``, ``data_prefix``,
    ``multi_class``, ``num_classes``, ``start_index``, ``modality``,
    ``test_mode`` and ``delimiter`` are those of :class:`VideoDataset`.

    Args:
        **kwargs: Passed to :class:`VideoDataset` (``max_refetch``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 data_prefix: dict = dict(video=''),
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 start_index: int = 0,
                 modality: str = 'RGB',
                 test_mode: bool = False,
                 delimiter: str = ' ',
                 **kwargs) -> None:
        if num_classes is not None and (not isinstance(num_classes, int)
                                        or num_classes < 1):
            raise ValueError(f'dataset.num_classes={num_classes!r}: expected '
                             'a positive int or None.')
        super().__init__(ann_file, pipeline=pipeline, data_prefix=data_prefix,
                         multi_class=multi_class, num_classes=num_classes,
                         start_index=start_index, modality=modality,
                         test_mode=test_mode, delimiter=delimiter, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read and check the annotation file (errors name file:line).

        Parsed by :func:`~mmvlprompt.datasets.read_annotations`, the parser
        the data tools use too.
        """
        entries = read_annotations(
            self.ann_file, delimiter=self.delimiter,
            multi_class=self.multi_class, num_classes=self.num_classes,
            what='dataset.ann_file')
        prefix = self.data_prefix.get('video')
        data_list = []
        for entry in entries:
            filename = entry.path
            if prefix is not None:
                filename = osp.join(prefix, filename)
            label = list(entry.label) if self.multi_class else entry.label
            data_list.append({'filename': filename, 'label': label,
                              LINE_KEY: entry.line})
        return data_list

    def annotated_labels(self) -> List[Tuple[str, List[int]]]:
        """``[(ann_file:line, labels)]`` of every sample, for range checks."""
        out = []
        for idx in range(len(self)):
            info = BaseDataset.get_data_info(self, idx)  # no one-hot
            labels = info['label']
            labels = list(labels) if isinstance(labels, (list, tuple)) \
                else [int(labels)]
            out.append((f'{self.ann_file}:{info.get(LINE_KEY, "?")}',
                        labels))
        return out

    def __getitem__(self, idx: int) -> dict:
        if self.test_mode:
            return super().__getitem__(idx)
        if not self._fully_initialized:
            self.full_init()
        failed = []
        for _ in range(self.max_refetch + 1):
            info = self.get_data_info(idx)
            info[COUNTED_KEY] = True
            data = self.pipeline(info)
            if data is not None:
                _attach_skips(data, failed)
                return data
            failed.append((info.get('filename', '?'),
                           f'{self.ann_file}:{info.get(LINE_KEY, "?")}',
                           info.get(ERROR_KEY,
                                    'a pipeline transform returned None')))
            idx = self._rand_another()
        listed = '\n  '.join(f'{v} ({where}): {why}'
                             for v, where, why in failed[:5])
        raise RuntimeError(
            f'{len(failed)} video loads in a row failed; is '
            f"data_prefix.video={self.data_prefix.get('video')!r} right? "
            f'First failures:\n  {listed}')


def _attach_skips(data, failed: list) -> None:
    """Put the failed loads on the packed sample that replaced them."""
    if not failed:
        return
    sample = data.get('data_samples') if isinstance(data, dict) else None
    if sample is None or not hasattr(sample, 'set_metainfo'):
        raise TypeError(
            'CheckedVideoDataset reports skipped videos on the packed '
            "'data_samples'; end the pipeline with PackActionInputs.")
    sample.set_metainfo({SKIPPED_KEY: tuple(failed)})
