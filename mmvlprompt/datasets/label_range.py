"""Check a dataset's labels against a class set, naming file and line."""
from functools import partial
from typing import List, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset

from .annotations import raise_if_errors


def annotated_labels(dataset) -> List[Tuple[str, List[int]]]:
    """``[(where, labels)]`` for every sample of ``dataset``.

    ``where`` is ``ann_file:line`` for :class:`CheckedVideoDataset` and
    ``ann_file sample i`` for other datasets with ``get_data_info``. Dataset wrappers
    (``RepeatDataset``, ``ClassBalancedDataset``, ``ConcatDataset``) are
    unwrapped.
    """
    if hasattr(dataset, 'annotated_labels'):
        return dataset.annotated_labels()
    if hasattr(dataset, 'datasets'):  # ConcatDataset
        return [item for ds in dataset.datasets
                for item in annotated_labels(ds)]
    if hasattr(dataset, 'dataset'):  # RepeatDataset, ClassBalancedDataset
        return annotated_labels(dataset.dataset)
    if isinstance(dataset, BaseDataset):
        get_info = partial(BaseDataset.get_data_info, dataset)
    elif hasattr(dataset, 'get_data_info'):  # any dataset with label infos
        get_info = dataset.get_data_info
    else:
        return []
    out = []
    ann_file = getattr(dataset, 'ann_file', '?')
    for idx in range(len(dataset)):
        label = get_info(idx).get('label')
        if label is None:
            continue
        labels = [int(x) for x in label] if isinstance(
            label, (list, tuple)) else [int(label)]
        out.append((f'{ann_file} sample {idx}', labels))
    return out


def check_label_range(dataset, classes: Union[int, Sequence[str]],
                      what: str) -> None:
    """Raise if a label of ``dataset`` is outside ``[0, len(classes))``.

    Reusable per evaluation set: call it once for each dataset with the
    class set its predictions are scored on.

    Args:
        dataset: An MMEngine dataset (wrappers are unwrapped). Labels of
            ``-1`` (unlabelled samples) are an error too.
        classes: The class names, or their number.
        what: Names the pair in the message, e.g.
            ``'train_dataloader vs model.cls_head.class_names'``.
    """
    num = classes if isinstance(classes, int) else len(classes)
    errors = [f'{where}: label {label} is out of range for the {num} '
              f'classes of {what} (valid: 0..{num - 1})'
              for where, labels in annotated_labels(dataset)
              for label in labels if not 0 <= label < num]
    raise_if_errors(errors, what)
