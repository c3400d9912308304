"""VideoDataset that checks its annotation file and reports skipped videos."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.fileio import exists, list_from_file

from .transforms.checked_decord import COUNTED_KEY, ERROR_KEY

# metainfo key of the packed data sample that carries the skipped loads
SKIPPED_KEY = 'skipped_videos'
LINE_KEY = 'ann_line'
_MAX_LISTED = 10


def _annotation_errors(ann_file: str, lines: Sequence[str], delimiter: str,
                       multi_class: bool) -> Tuple[list, List[str]]:
    """Parse annotation lines into ``(lineno, filename, labels)`` records.

    Returns:
        tuple: the records of the good lines, and one ``file:line: problem``
        message per bad line.
    """
    records, errors = [], []
    for lineno, line in enumerate(lines, start=1):
        where = f'{ann_file}:{lineno}'
        text = line.strip()
        if not text:
            errors.append(f'{where}: blank line')
            continue
        fields = text.split() if delimiter == ' ' else \
            [f.strip() for f in text.split(delimiter)]
        expected = 'at least 2' if multi_class else '2'
        if len(fields) < 2 or (not multi_class and len(fields) != 2):
            errors.append(f'{where}: {len(fields)} field(s) in {text!r}, '
                          f'expected {expected} (video, label'
                          f'{"s" if multi_class else ""}) separated by '
                          f'{delimiter!r}')
            continue
        labels = []
        for token in fields[1:]:
            try:
                labels.append(int(token))
            except ValueError:
                errors.append(f'{where}: label {token!r} is not an integer')
                break
        else:
            records.append((lineno, fields[0], labels))
    return records, errors


def raise_if_errors(errors: Sequence[str], what: str) -> None:
    """Raise one ValueError listing the first problems, if any."""
    if not errors:
        return
    shown = '\n  '.join(errors[:_MAX_LISTED])
    more = f'\n  ... and {len(errors) - _MAX_LISTED} more' \
        if len(errors) > _MAX_LISTED else ''
    raise ValueError(f'{len(errors)} bad line(s) in {what}:\n  {shown}'
                     f'{more}')


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

    Args:
        ann_file, pipeline, data_prefix, multi_class, num_classes,
        start_index, modality, test_mode, delimiter: As
            :class:`VideoDataset`.
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
        """Read and check the annotation file (errors name file:line)."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'dataset.ann_file {self.ann_file!r} does not exist.')
        lines = list_from_file(self.ann_file)
        if lines:  # a byte-order mark is not part of the first file name
            lines[0] = lines[0].lstrip('\ufeff')
        if not any(line.strip() for line in lines):
            raise ValueError(f'dataset.ann_file {self.ann_file!r} has no '
                             'samples.')
        records, errors = _annotation_errors(
            self.ann_file, lines, self.delimiter, self.multi_class)
        if self.num_classes is not None:
            errors += [
                f'{self.ann_file}:{lineno}: label {label} is out of range '
                f'for dataset.num_classes={self.num_classes}'
                for lineno, _, labels in records for label in labels
                if not 0 <= label < self.num_classes]
        raise_if_errors(errors, f'annotation file {self.ann_file!r}')
        prefix = self.data_prefix.get('video')
        data_list = []
        for lineno, filename, labels in records:
            if prefix is not None:
                filename = osp.join(prefix, filename)
            label = labels if self.multi_class else labels[0]
            data_list.append({'filename': filename, 'label': label,
                              LINE_KEY: lineno})
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
