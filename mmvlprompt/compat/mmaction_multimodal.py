"""Keep ``import mmaction.models`` working next to an incompatible transformers.

mmaction2 1.2.0 imports its optional multimodal models (VindLU) whenever
``transformers>=4.28`` is installed (``mmaction.utils.dependency.
WITH_MULTIMODAL``). VindLU's ``modeling_bert.py`` imports names that
transformers 5 removed, e.g. ``transformers.modeling_utils.
apply_chunking_to_forward``, so with transformers 5 every ``import
mmaction.models`` (and ``import mmvlprompt``) fails.

mmvlprompt does not use those models. :func:`disable_incompatible_multimodal`
checks, before ``mmaction.models`` is imported, that the installed
transformers still provides every name VindLU imports from it. If one is
missing it sets ``WITH_MULTIMODAL = False``: mmaction then registers its own
placeholders for the VindLU models, which raise a clear ``ImportError`` when
built. With transformers 4.x, or without transformers, nothing changes.
"""
import importlib
import sys
from types import ModuleType
from typing import List, Optional

# Every ``from transformers.X import Y`` in mmaction/models/multimodal/vindlu.
VINDLU_TRANSFORMERS_NAMES = {
    'transformers.activations': ('ACT2FN', ),
    'transformers.configuration_utils': ('PretrainedConfig', ),
    'transformers.file_utils': (
        'ModelOutput', 'add_start_docstrings',
        'add_start_docstrings_to_model_forward', 'replace_return_docstrings'),
    'transformers.modeling_outputs': (
        'BaseModelOutputWithPastAndCrossAttentions',
        'BaseModelOutputWithPoolingAndCrossAttentions',
        'CausalLMOutputWithCrossAttentions', 'MaskedLMOutput',
        'MultipleChoiceModelOutput', 'NextSentencePredictorOutput',
        'QuestionAnsweringModelOutput', 'SequenceClassifierOutput',
        'TokenClassifierOutput'),
    'transformers.modeling_utils': (
        'PreTrainedModel', 'apply_chunking_to_forward',
        'find_pruneable_heads_and_indices', 'prune_linear_layer'),
    'transformers.models.beit': ('BeitConfig', 'BeitModel'),
    'transformers.models.beit.modeling_beit': (
        'BeitAttention', 'BeitDropPath', 'BeitEmbeddings', 'BeitLayer',
        'BeitRelativePositionBias'),
    'transformers': ('BertTokenizer', ),
}


def missing_transformers_names() -> List[str]:
    """Names VindLU imports that the installed transformers lacks.

    A module that fails to import counts as missing (with its error).
    """
    missing = []
    for module_name, names in VINDLU_TRANSFORMERS_NAMES.items():
        try:
            module = importlib.import_module(module_name)
        except Exception as err:  # noqa: BLE001  any import failure counts
            missing.append(f'{module_name} ({type(err).__name__}: {err})')
            continue
        missing.extend(f'{module_name}.{name}' for name in names
                       if not hasattr(module, name))
    return missing


def disable_incompatible_multimodal(
        dependency: Optional[ModuleType] = None) -> bool:
    """Mark mmaction's multimodal models unavailable if transformers breaks
    them.

    Must run before ``mmaction.models`` is imported.

    Args:
        dependency: The ``mmaction.utils.dependency`` module (default: the
            installed one).

    Returns:
        bool: True if ``WITH_MULTIMODAL`` was switched off here; False if
        nothing was done (no transformers, a compatible one, or
        ``mmaction.models`` already imported).
    """
    if dependency is None:
        try:
            dependency = importlib.import_module('mmaction.utils.dependency')
        except ImportError:
            return False
    if not getattr(dependency, 'WITH_MULTIMODAL', False):
        return False
    if 'mmaction.models.multimodal' in sys.modules:
        return False  # too late: the decision is already made
    missing = missing_transformers_names()
    if not missing:
        return False
    dependency.WITH_MULTIMODAL = False
    dependency.MMVLPROMPT_MISSING_TRANSFORMERS_NAMES = missing
    return True
