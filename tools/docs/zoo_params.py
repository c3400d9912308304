"""Count the trainable parameters of every config of the model zoo.

Uses ``tools/analysis/count_params.py`` (random CLIP weights, nothing is
downloaded) on each model config under ``configs/`` (grid specs are skipped),
with the class-name files replaced by two made-up names, since the counts do
not depend on the class list and the datasets are not needed::

    python tools/docs/zoo_params.py --out configs/zoo_params.json

which is the same as, per config::

    python tools/analysis/count_params.py CONFIG \
        --cfg-options "model.cls_head.class_names=['a','b']" \
        model.cls_head.test_class_names=None
"""
import argparse
import glob
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))

import torch  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402

from count_params import count_parameters  # noqa: E402
from mmvlprompt.engine import load_model_config  # noqa: E402


def zoo_configs(root=ROOT):
    """Every config of the zoo: ``configs/**/*.py`` but ``_base_``."""
    paths = glob.glob(osp.join(root, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, root) for p in paths
                  if '_base_' not in p.split(osp.sep))


def count(path):
    cfg = load_model_config(osp.join(ROOT, path))
    head = cfg.model.get('cls_head') or {}
    if 'class_names' in head or head.get('type') == 'PromptedTextHead':
        head['class_names'] = ['a', 'b']
        head['test_class_names'] = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    counts = count_parameters(model)
    trainable = sum(c[0] for c in counts.values())
    frozen = sum(c[1] for c in counts.values())
    return trainable, frozen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='configs/zoo_params.json')
    parser.add_argument('configs', nargs='*', help='default: the whole zoo')
    args = parser.parse_args(argv)
    results, seen = {}, {}
    for path in args.configs or zoo_configs():
        try:
            from mmengine import Config
            cfg = Config.fromfile(osp.join(ROOT, path))
            if 'model' not in cfg:
                results[path] = dict(kind='grid spec')
                print(path, results[path], flush=True)
                continue
            model = cfg.model.copy()
            head = dict(model.get('cls_head') or {})
            head.pop('class_names', None)
            head.pop('test_class_names', None)
            model['cls_head'] = head
            cheap_key = str(model)  # the counts ignore the class list
            if cheap_key in seen:
                results[path] = dict(results[seen[cheap_key]])
                print(path, results[path], '(same model)', flush=True)
                continue
            trainable, frozen = count(path)
            results[path] = dict(trainable=trainable, frozen=frozen)
            seen[cheap_key] = path
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            results[path] = dict(error=f'{type(exc).__name__}: {exc}'[:300])
        print(path, results[path], flush=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
