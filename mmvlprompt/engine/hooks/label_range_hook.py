"""Check every loader's labels against the model's class set."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from ...datasets import check_label_range


@HOOKS.register_module()
class LabelRangeHook(Hook):
    """Before a run, check that every label indexes the model's classes.

    The training loader's labels must lie in ``[0, C)`` for the ``C``
    names of ``model.cls_head.class_names``; the validation and test
    loaders' against ``model.cls_head.test_class_names`` (the names
    predictions are scored on). A label out of range fails with the
    annotation file and line (:func:`~mmvlprompt.datasets.check_label_range`)
    instead of a CUDA assert or a silently wrong metric later. Heads without
    class names (other MMAction2 heads) are checked against ``num_classes``
    if they have it, else skipped. Multi-set loops (``MultiSetValLoop``)
    check each set against its own class names themselves.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        head = getattr(model, 'cls_head', None)
        for loop_attr, names_attr, key in (
                ('_train_loop', 'train_names', 'class_names'),
                ('_val_loop', 'test_names', 'test_class_names'),
                ('_test_loop', 'test_names', 'test_class_names')):
            loop = getattr(runner, loop_attr, None)
            if not isinstance(loop, BaseLoop) or head is None:
                continue
            if hasattr(loop, 'sets'):
                # multi-set loops check each set against its own class names
                continue
            classes = getattr(head, names_attr, None)
            origin = getattr(head, names_attr + '_origin', None)
            if classes is None:
                classes = getattr(head, 'num_classes', None)
                key, origin = 'num_classes', None
            if classes is None:
                continue
            where = f' ({origin})' if origin else ''
            check_label_range(
                loop.dataloader.dataset, classes,
                f'{loop_attr[1:-5]}_dataloader vs model.cls_head.{key}'
                f'{where}')
