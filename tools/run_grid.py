"""Run a grid of experiments (method x dataset x seed), then table it.

::

    python tools/run_grid.py GRID_SPEC [--work-dir DIR] [--dry-run]
        [--launcher local|pytorch|slurm] [--gpus N] [--gpus-per-node G]
        [--partition P] [--only PATTERN ...] [--tables-only] [--no-plots]
        [--verbose]

Each cell is trained with ``tools/train.py`` (unless it is test-only) and
tested with ``tools/test.py --dump``: in this process's machine
(``local``), on N GPUs through ``tools/dist_train.sh`` /
``tools/dist_test.sh`` (``pytorch``), or with srun through
``tools/slurm_train.sh`` / ``tools/slurm_test.sh`` (``slurm``; ``GPUS`` and
``GPUS_PER_NODE`` are set from ``--gpus`` / ``--gpus-per-node``, and
``SRUN_ARGS``, ``CPUS_PER_TASK`` pass through from the environment).

Grid spec
---------
A Python config (``mmengine.Config.fromfile``, so ``_base_`` inheritance
works; helper variables must start with ``_``)::

    protocol = 'base2novel'    # default of the cells: supervised |
                               # zero_shot | few_shot | base2novel
    work_dir = 'work_dirs/grids/base2novel'    # --work-dir overrides
    method_order = ['zero-shot', 'ivlp', 'vilt-clip']   # table rows
    cells = [
        dict(method='vilt-clip', dataset='ucf101', seed=1,
             train_config='configs/base2novel/vlprompt_b2n_ucf101_s1.py'),
        dict(method='zero-shot', dataset='ucf101', seed=None,
             train_config=None,          # test-only cell
             test_config='configs/base2novel/zeroshot-clip_b2n_ucf101.py'),
    ]
    # and/or products: every combination of the list-valued axes
    products = [
        dict(method={'vilt-clip': dict(cfg='vlprompt'),  # value: its vars
                     'ivlp': dict(cfg='ivlp')},
             dataset=['ucf101', 'hmdb51'], seed=[1, 2, 3],
             train_config='configs/base2novel/{cfg}_b2n_{dataset}_s{seed}.py'),
    ]

Cell keys (all but ``method`` and ``dataset`` optional):

=================== =========================================================
``method``          row of the tables, e.g. ``vilt-clip``
``dataset``         dataset or split, e.g. ``ucf101``
``seed``            int or None; passed as ``train.py --seed`` (see
                    ``seed_arg``)
``shots``           K, required by ``few_shot`` cells (metric ``top1_k{K}``)
``protocol``        overrides the spec's ``protocol``
``name``            cell folder name; default
                    ``{method}_{dataset}[_k{shots}][_s{seed}]``
``train_config``    train config; None: test-only cell
``test_config``     test config; default ``train_config``
``checkpoint``      ``auto`` (default when trained: best_*.pth if the run
                    saved one, else the last), ``best``, ``last``, ``none``
                    (test the model as built; default of test-only cells)
                    or a path
``train_dir``       train work dir; default ``<cell>/train``. Cells (also
                    of other grids) with the same ``train_dir`` share one
                    training, e.g. zero-shot tests of the supervised runs
``cfg_options``     list of ``key=value``, given to train and test
``train_cfg_options``, ``test_cfg_options``: to one of them only
``train_args``, ``test_args``: extra tool arguments, e.g. ``['--amp']``
``seed_arg``        pass ``--seed`` to train.py (default True)
=================== =========================================================

In ``products``, ``method``, ``dataset``, ``shots`` and ``seed`` may be a
list (an axis), a dict ``{value: {var: ...}}`` (an axis whose values bring
template variables) or a single value; ``vars=dict(...)`` adds variables to
every cell. The fields ``name``, ``train_config``, ``test_config``,
``checkpoint`` and ``train_dir`` of every cell are ``str.format``
templates over ``method``, ``dataset``, ``seed``, ``shots``, ``protocol``,
``work_dir`` and those variables. A config that does not exist fails before
anything runs, naming the cell and the path.

Work dir
--------
``<work_dir>/<cell>/``: ``train/`` (train work dir), ``train.log``,
``test/`` (test work dir), ``test.log``, ``preds.pkl`` (or
``preds_<set>.pkl`` for multi-set tests) and, once the cell has finished,
``metrics.json`` (the cell, the test metrics, the checkpoint, train and test
seconds). A cell with ``metrics.json`` is skipped on the next run; a
training that finished (``train/grid_train_done.json``) is not redone, and
one that was cut short resumes (``--resume``). A failed cell does not stop
the grid: the failures are listed at the end with their logs, and the exit
status is 1.

At the end the tables of the finished cells are written into the work dir
by ``tools/analysis/grid_tables.py``: ``tables.md``, ``<protocol>.md`` /
``.csv``, ``results_<protocol>.csv`` (``dataset,method,seed,metric,value``,
values in percent) and ``results_<protocol>.png``.
"""
import argparse
import fnmatch
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import product
from pathlib import Path
from typing import Dict, List, Optional, Tuple

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS / 'analysis'))

PROTOCOLS = ('supervised', 'zero_shot', 'few_shot', 'base2novel')
CHECKPOINT_KEYWORDS = ('auto', 'best', 'last', 'none')
CELL_KEYS = ('method', 'dataset', 'seed', 'shots', 'protocol', 'name',
             'train_config', 'test_config', 'checkpoint', 'train_dir',
             'cfg_options', 'train_cfg_options', 'test_cfg_options',
             'train_args', 'test_args', 'seed_arg')
PRODUCT_AXES = ('method', 'dataset', 'shots', 'seed')
TEMPLATE_KEYS = ('name', 'train_config', 'test_config', 'checkpoint',
                 'train_dir')
SPEC_KEYS = ('protocol', 'work_dir', 'method_order', 'cells', 'products')
TRAIN_DONE = 'grid_train_done.json'
METRICS_FILE = 'metrics.json'
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+=-]*$')


class SpecError(ValueError):
    """A grid spec that cannot be run; the message names the spec, the cell
    and the key at fault."""


@dataclass
class Cell:
    """One experiment of a grid: what to train and test, and where."""

    index: int
    name: str
    protocol: str
    method: str
    dataset: str
    seed: Optional[int]
    shots: Optional[int]
    train_config: Optional[str]
    test_config: str
    checkpoint: str
    train_dir: str
    dir: str
    cfg_options: List[str] = field(default_factory=list)
    train_cfg_options: List[str] = field(default_factory=list)
    test_cfg_options: List[str] = field(default_factory=list)
    train_args: List[str] = field(default_factory=list)
    test_args: List[str] = field(default_factory=list)
    seed_arg: bool = True

    @property
    def metrics_path(self) -> Path:
        return Path(self.dir) / METRICS_FILE

    @property
    def test_dir(self) -> str:
        return osp.join(self.dir, 'test')

    @property
    def dump(self) -> str:
        return osp.join(self.dir, 'preds.pkl')

    def log(self, stage: str) -> str:
        return osp.join(self.dir, f'{stage}.log')

    def info(self) -> dict:
        """The cell as recorded in its metrics.json."""
        return asdict(self)


@dataclass
class Grid:
    """A loaded grid spec."""

    path: str
    work_dir: str
    cells: List[Cell]
    method_order: List[str]


# ----------------------------------------------------------------------
# spec
# ----------------------------------------------------------------------
def _axis(value, where: str) -> List[Tuple[object, dict]]:
    """(value, template vars) pairs of a product axis."""
    if isinstance(value, dict):
        pairs = []
        for key, extra in value.items():
            if not isinstance(extra, dict):
                raise SpecError(f'{where}[{key!r}]: expected a dict of '
                                f'template variables, got {extra!r}.')
            pairs.append((key, dict(extra)))
        return pairs
    if isinstance(value, (list, tuple)):
        return [(v, {}) for v in value]
    return [(value, {})]


def expand_products(products, where: str) -> List[dict]:
    """Cells (raw dicts) of every combination of the products' axes."""
    raws = []
    for i, prod in enumerate(products):
        key = f'{where}.products[{i}]'
        if not isinstance(prod, dict):
            raise SpecError(f'{key}: expected a dict, got {prod!r}.')
        unknown = set(prod) - set(CELL_KEYS) - {'vars'}
        if unknown:
            raise SpecError(f'{key}: unknown keys {sorted(unknown)}; '
                            f'allowed: {sorted(CELL_KEYS + ("vars", ))}.')
        fixed = {k: v for k, v in prod.items()
                 if k not in PRODUCT_AXES and k != 'vars'}
        base_vars = dict(prod.get('vars') or {})
        axes = [(a, _axis(prod[a], f'{key}.{a}')) for a in PRODUCT_AXES
                if a in prod]
        for combo in product(*[values for _, values in axes]):
            raw, extra = dict(fixed), dict(base_vars)
            for (axis, _), (value, axis_vars) in zip(axes, combo):
                raw[axis] = value
                extra.update(axis_vars)
            raw['_vars'] = extra
            raw['_from'] = key
            raws.append(raw)
    return raws


def _str_list(value, where: str, need_eq: bool = False) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SpecError(f'{where}={value!r}: expected a list of strings.')
    for item in value:
        if not isinstance(item, str) or (need_eq and '=' not in item):
            raise SpecError(f'{where}: {item!r} is not a string'
                            + (' of the form key=value.' if need_eq else '.'))
    return list(value)


def _opt_int(value, where: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f'{where}={value!r}: expected an int or None.')
    return value


def build_cell(raw: dict, index: int, spec: dict, work_dir: str) -> Cell:
    """Check one raw cell dict and fill its defaults."""
    where = f"{spec['path']}: {raw.pop('_from', 'cells')} cell #{index}"
    extra = raw.pop('_vars', {})
    unknown = set(raw) - set(CELL_KEYS)
    if unknown:
        raise SpecError(f'{where}: unknown keys {sorted(unknown)}; allowed: '
                        f'{sorted(CELL_KEYS)}.')
    for key in ('method', 'dataset'):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SpecError(f'{where}: {key}={raw.get(key)!r}: expected a '
                            'non-empty string.')
    seed = _opt_int(raw.get('seed'), f'{where}: seed')
    shots = _opt_int(raw.get('shots'), f'{where}: shots')
    protocol = raw.get('protocol', spec.get('protocol'))
    if protocol not in PROTOCOLS:
        raise SpecError(f'{where}: protocol={protocol!r}; expected one of '
                        f'{list(PROTOCOLS)} (in the cell or the spec).')
    if protocol == 'few_shot' and shots is None:
        raise SpecError(f'{where}: a few_shot cell needs shots=K.')
    fields = dict(method=raw['method'], dataset=raw['dataset'], seed=seed,
                  shots=shots, protocol=protocol, work_dir=work_dir, **extra)
    default_name = '{method}_{dataset}' + ('_k{shots}' if shots else '') + \
        ('_s{seed}' if seed is not None else '')
    values = dict(name=raw.get('name', default_name))
    for key in TEMPLATE_KEYS[1:]:
        values[key] = raw.get(key)
    for key, value in values.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise SpecError(f'{where}: {key}={value!r}: expected a string.')
        try:
            values[key] = value.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise SpecError(f'{where}: {key}={value!r}: cannot fill the '
                            f'template ({exc!r}); variables: '
                            f'{sorted(fields)}.') from None
    name = values['name']
    if not _NAME_RE.match(name):
        raise SpecError(f'{where}: name={name!r}: use letters, digits and '
                        "'._+=-' (it names the cell's folder).")
    train_config, test_config = values['train_config'], values['test_config']
    test_config = test_config or train_config
    if test_config is None:
        raise SpecError(f"{where} ('{name}'): give a train_config, a "
                        'test_config, or both.')
    checkpoint = values['checkpoint'] or (
        'auto' if train_config or raw.get('train_dir') else 'none')
    cell_dir = osp.join(work_dir, name)
    if checkpoint in ('auto', 'best', 'last') and not (
            train_config or raw.get('train_dir')):
        raise SpecError(f"{where} ('{name}'): checkpoint={checkpoint!r} "
                        'needs a train_config or a train_dir to take it from; '
                        "give a path or 'none'.")
    seed_arg = raw.get('seed_arg', True)
    if not isinstance(seed_arg, bool):
        raise SpecError(f'{where}: seed_arg={seed_arg!r}: expected a bool.')
    return Cell(
        index=index, name=name, protocol=protocol, method=raw['method'],
        dataset=raw['dataset'], seed=seed, shots=shots,
        train_config=train_config, test_config=test_config,
        checkpoint=checkpoint,
        train_dir=osp.normpath(values['train_dir'] or
                               osp.join(cell_dir, 'train')),
        dir=cell_dir,
        cfg_options=_str_list(raw.get('cfg_options'),
                              f'{where}: cfg_options', True),
        train_cfg_options=_str_list(raw.get('train_cfg_options'),
                                    f'{where}: train_cfg_options', True),
        test_cfg_options=_str_list(raw.get('test_cfg_options'),
                                   f'{where}: test_cfg_options', True),
        train_args=_str_list(raw.get('train_args'), f'{where}: train_args'),
        test_args=_str_list(raw.get('test_args'), f'{where}: test_args'),
        seed_arg=seed_arg)


def check_configs(cells: List[Cell], spec_path: str) -> None:
    """Fail, naming every cell and path, when a config does not exist."""
    missing = [f"  cell '{c.name}': {key} {path!r}"
               for c in cells
               for key, path in (('train_config', c.train_config),
                                 ('test_config', c.test_config))
               if path is not None and not osp.isfile(path)]
    if missing:
        raise SpecError(f'{spec_path}: {len(missing)} config file(s) not '
                        f'found (relative paths are read from {os.getcwd()}):'
                        '\n' + '\n'.join(dict.fromkeys(missing)))


def load_spec(path: str, work_dir: Optional[str] = None) -> Grid:
    """Read, expand and check a grid spec (see the module docstring)."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise SpecError(f'grid spec {path!r} not found.')
    spec = Config.fromfile(path).to_dict()
    unknown = [k for k in spec if k not in SPEC_KEYS and
               not k.startswith('_')]
    if unknown:
        raise SpecError(f'{path}: unknown keys {unknown}; allowed: '
                        f'{list(SPEC_KEYS)} (helper variables must start '
                        "with '_').")
    work_dir = work_dir or spec.get('work_dir')
    if not work_dir:
        raise SpecError(f'{path}: no work_dir (set it in the spec or give '
                        '--work-dir).')
    spec['path'] = path
    cells_raw = spec.get('cells') or []
    if not isinstance(cells_raw, (list, tuple)):
        raise SpecError(f'{path}: cells must be a list of dicts.')
    raws = []
    for i, raw in enumerate(cells_raw):
        if not isinstance(raw, dict):
            raise SpecError(f'{path}: cells[{i}]: expected a dict, got '
                            f'{raw!r}.')
        raws.append(dict(raw, _from=f'cells[{i}]'))
    raws += expand_products(spec.get('products') or [], path)
    if not raws:
        raise SpecError(f'{path}: no cells (give cells and/or products).')
    cells = [build_cell(raw, i, spec, work_dir) for i, raw in enumerate(raws)]
    seen: Dict[str, Cell] = {}
    for cell in cells:
        if cell.name in seen:
            raise SpecError(f"{path}: cells #{seen[cell.name].index} and "
                            f"#{cell.index} are both named '{cell.name}'; "
                            'give one a name=.')
        seen[cell.name] = cell
    check_configs(cells, path)
    order = spec.get('method_order') or []
    return Grid(path=path, work_dir=work_dir, cells=cells,
                method_order=list(order))


def select(cells: List[Cell], patterns: Optional[List[str]]) -> List[Cell]:
    """Cells whose name matches one of the shell patterns (all if none)."""
    if not patterns:
        return cells
    chosen = [c for c in cells
              if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    if not chosen:
        raise SpecError(f'--only {patterns}: no cell matches; cells: '
                        f'{[c.name for c in cells]}.')
    return chosen


# ----------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------
def _tool(name: str) -> str:
    """A tool's path, relative to the current dir when inside it."""
    rel = osp.relpath(TOOLS / name)
    return str(TOOLS / name) if rel.startswith('..') else rel


class Launcher:
    """Builds the train and test commands of a cell for one launcher.

    Args:
        kind: ``local``, ``pytorch`` (torchrun via dist_*.sh) or ``slurm``
            (srun via slurm_*.sh).
        gpus: Processes (GPUs) per run for ``pytorch`` and ``slurm``.
        gpus_per_node: ``GPUS_PER_NODE`` for ``slurm`` (default
            ``min(gpus, 8)``).
        partition: Slurm partition (required for ``slurm``).
        python: Interpreter of the ``local`` runs.
    """

    def __init__(self, kind: str = 'local', gpus: int = 8,
                 gpus_per_node: Optional[int] = None,
                 partition: Optional[str] = None,
                 python: str = sys.executable):
        if kind not in ('local', 'pytorch', 'slurm'):
            raise ValueError(f'launcher {kind!r}: expected local, pytorch '
                             'or slurm.')
        if kind == 'slurm' and not partition:
            raise ValueError('--launcher slurm needs --partition.')
        if gpus < 1:
            raise ValueError(f'--gpus {gpus}: expected >= 1.')
        self.kind, self.gpus, self.partition = kind, gpus, partition
        self.gpus_per_node = gpus_per_node or min(gpus, 8)
        self.python = python

    def env(self) -> Dict[str, str]:
        """Environment variables the launch scripts read."""
        if self.kind == 'slurm':
            return dict(GPUS=str(self.gpus),
                        GPUS_PER_NODE=str(self.gpus_per_node))
        return {}

    def train(self, cell: Cell, resume: bool = False) -> List[str]:
        """Command that trains the cell into its train_dir."""
        opts = cell.cfg_options + cell.train_cfg_options
        rest = []
        if cell.seed_arg and cell.seed is not None:
            rest += ['--seed', str(cell.seed)]
        if resume:
            rest.append('--resume')
        rest += cell.train_args
        if opts:
            rest += ['--cfg-options', *opts]
        config = cell.train_config
        if self.kind == 'local':
            return [self.python, _tool('train.py'), config, '--work-dir',
                    cell.train_dir, *rest]
        if self.kind == 'pytorch':
            return ['bash', _tool('dist_train.sh'), config, str(self.gpus),
                    '--work-dir', cell.train_dir, *rest]
        return ['bash', _tool('slurm_train.sh'), self.partition,
                f'train_{cell.name}', config, cell.train_dir, *rest]

    def test(self, cell: Cell, checkpoint: str) -> List[str]:
        """Command that tests the checkpoint and dumps the predictions."""
        opts = cell.cfg_options + cell.test_cfg_options
        rest = ['--work-dir', cell.test_dir, '--dump', cell.dump,
                *cell.test_args]
        if opts:
            rest += ['--cfg-options', *opts]
        config = cell.test_config
        if self.kind == 'local':
            return [self.python, _tool('test.py'), config, checkpoint, *rest]
        if self.kind == 'pytorch':
            return ['bash', _tool('dist_test.sh'), config, checkpoint,
                    str(self.gpus), *rest]
        return ['bash', _tool('slurm_test.sh'), self.partition,
                f'test_{cell.name}', config, checkpoint, *rest]

    def show(self, cmd: List[str]) -> str:
        """The command as one shell line, every argument quoted."""
        env = ' '.join(f'{k}={v}' for k, v in self.env().items())
        return (env + ' ' if env else '') + shlex.join(cmd)


# ----------------------------------------------------------------------
# running
# ----------------------------------------------------------------------
def _checkpoint_number(path: Path) -> int:
    match = re.search(r'(\d+)\.pth$', path.name)
    return int(match.group(1)) if match else -1


def find_checkpoint(cell: Cell) -> Optional[str]:
    """The checkpoint the cell tests, or None if its training has not made
    it yet; raises naming the cell for a missing ``best`` or path."""
    choice = cell.checkpoint
    if choice == 'none':
        return 'none'
    if choice not in ('auto', 'best', 'last'):
        if not osp.isfile(choice):
            raise FileNotFoundError(f"cell '{cell.name}': checkpoint "
                                    f'{choice!r} not found.')
        return choice
    train_dir = Path(cell.train_dir)
    if cell.train_config and not (train_dir / TRAIN_DONE).is_file():
        return None  # not trained yet
    best = sorted(train_dir.glob('best_*.pth'),
                  key=lambda p: p.stat().st_mtime)
    if best and choice in ('auto', 'best'):
        return str(best[-1])
    if choice == 'best':
        raise FileNotFoundError(
            f"cell '{cell.name}': checkpoint='best' but {train_dir} has no "
            'best_*.pth (set default_hooks.checkpoint.save_best in the '
            "config, or use checkpoint='auto' or 'last').")
    pointer = train_dir / 'last_checkpoint'
    if pointer.is_file() and osp.isfile(pointer.read_text().strip()):
        return pointer.read_text().strip()
    saved = sorted(list(train_dir.glob('epoch_*.pth')) +
                   list(train_dir.glob('iter_*.pth')), key=_checkpoint_number)
    if not saved:
        raise FileNotFoundError(f"cell '{cell.name}': training finished but "
                                f'{train_dir} holds no checkpoint.')
    return str(saved[-1])


def _run_logged(cmd: List[str], env: Dict[str, str], log: str,
                display: str, verbose: bool) -> int:
    full_env = dict(os.environ, **env)
    with open(log, 'w') as f:
        f.write(f'$ {display}\n')
        f.flush()
        if not verbose:
            return subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                                   env=full_env)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=full_env,
                                text=True)
        for line in proc.stdout:
            f.write(line)
            sys.stdout.write(line)
        return proc.wait()


def _tail(log: str, n: int = 5) -> str:
    try:
        lines = Path(log).read_text(errors='replace').splitlines()
    except OSError:
        return ''
    return '\n'.join('      | ' + ln for ln in lines[-n:])


@dataclass
class Failure:
    """Why a cell did not finish."""

    cell: str
    stage: str
    reason: str
    log: Optional[str]


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(json.dumps(data, indent=1) + '\n')
    os.replace(tmp, path)  # the file appears only complete


def _run_stage(cell: Cell, stage: str, cmd: List[str], launcher: Launcher,
               verbose: bool):
    """Run one stage's command into ``<cell>/<stage>.log``; its seconds,
    or the Failure."""
    start = time.time()
    code = _run_logged(cmd, launcher.env(), cell.log(stage),
                       launcher.show(cmd), verbose)
    if code:
        return Failure(cell.name, stage, f'exit status {code}',
                       cell.log(stage))
    return round(time.time() - start, 1)


def run_cell(cell: Cell, launcher: Launcher,
             verbose: bool = False) -> Optional[Failure]:
    """Train (unless done or test-only), test, check the metrics and write
    ``metrics.json``; returns the failure, or None."""
    import grid_tables
    from protocol_table import metric_jsons, read_metrics
    os.makedirs(cell.dir, exist_ok=True)
    train_seconds = None
    if cell.train_config:
        done = Path(cell.train_dir) / TRAIN_DONE
        if done.is_file():
            train_seconds = json.loads(done.read_text()).get('seconds')
            print(f'      train: done earlier in {cell.train_dir}')
        else:
            os.makedirs(cell.train_dir, exist_ok=True)
            resume = (Path(cell.train_dir) / 'last_checkpoint').is_file()
            cmd = launcher.train(cell, resume=resume)
            print('      train' + (' (resuming)' if resume else '') +
                  f': log {cell.log("train")}', flush=True)
            train_seconds = _run_stage(cell, 'train', cmd, launcher,
                                       verbose)
            if isinstance(train_seconds, Failure):
                return train_seconds
            _write_json(done, dict(seconds=train_seconds,
                                   command=launcher.show(cmd),
                                   finished=datetime.now().isoformat(
                                       timespec='seconds')))
    try:
        checkpoint = find_checkpoint(cell)
        if checkpoint is None:
            raise FileNotFoundError(f"cell '{cell.name}': no checkpoint in "
                                    f'{cell.train_dir}.')
    except FileNotFoundError as exc:
        return Failure(cell.name, 'checkpoint', str(exc), None)
    before = set(metric_jsons(cell.test_dir))
    cmd = launcher.test(cell, checkpoint)
    print(f'      test: {checkpoint}; log {cell.log("test")}', flush=True)
    test_seconds = _run_stage(cell, 'test', cmd, launcher, verbose)
    if isinstance(test_seconds, Failure):
        return test_seconds
    if not set(metric_jsons(cell.test_dir)) - before:
        return Failure(cell.name, 'test', f'{cell.test_dir}: the test wrote '
                       'no metric JSON', cell.log('test'))
    metrics = read_metrics(cell.test_dir)
    try:  # the protocol's metrics must be there before the cell counts
        grid_tables.cell_records(cell.info(), metrics, f"cell '{cell.name}'")
    except (KeyError, ValueError) as exc:
        return Failure(cell.name, 'metrics', str(exc).strip('"'),
                       cell.log('test'))
    _write_json(cell.metrics_path, dict(
        cell=cell.info(), metrics=metrics, checkpoint=checkpoint,
        train_seconds=train_seconds, test_seconds=test_seconds,
        finished=datetime.now().isoformat(timespec='seconds')))
    return None


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f'{h}h{m:02d}m{s:02d}s' if h else f'{m}m{s:02d}s'


def dry_run(grid: Grid, cells: List[Cell], launcher: Launcher) -> None:
    """Print every cell's state and commands; runs and writes nothing."""
    print(f'# grid {grid.path}: {len(cells)} cells ({launcher.kind}); work '
          f'dir {grid.work_dir}')
    for i, cell in enumerate(cells, 1):
        if cell.metrics_path.is_file():
            print(f'# [{i}/{len(cells)}] {cell.name}: finished '
                  f'({cell.metrics_path}), skipped')
            continue
        print(f'# [{i}/{len(cells)}] {cell.name} ({cell.protocol}, '
              f'{cell.method}, {cell.dataset}, seed {cell.seed}'
              + (f', K={cell.shots}' if cell.shots else '') + ')')
        if cell.train_config:
            if (Path(cell.train_dir) / TRAIN_DONE).is_file():
                print(f'# train: done earlier in {cell.train_dir}')
            else:
                resume = (Path(cell.train_dir) / 'last_checkpoint').is_file()
                print(launcher.show(launcher.train(cell, resume)))
        try:
            checkpoint = find_checkpoint(cell)
        except FileNotFoundError as exc:
            checkpoint = f'<{exc}>'
        if checkpoint is None:
            checkpoint = f'<{cell.checkpoint} checkpoint of {cell.train_dir}>'
        print(launcher.show(launcher.test(cell, checkpoint)))


def write_grid_tables(grid: Grid, plots: bool = True) -> List[Path]:
    """Tables of the grid's finished cells, into its work dir."""
    import grid_tables
    files = [str(c.metrics_path) for c in grid.cells
             if c.metrics_path.is_file()]
    records = grid_tables.collect_records(files)
    return grid_tables.write_tables(records, grid.work_dir,
                                    grid.method_order, plots=plots)


def run_grid(grid: Grid, cells: List[Cell], launcher: Launcher,
             verbose: bool = False) -> List[Failure]:
    """Run the cells that have not finished; returns the failures."""
    pending = [c for c in cells if not c.metrics_path.is_file()]
    print(f'grid {grid.path}: {len(cells)} cells, '
          f'{len(cells) - len(pending)} finished earlier, {len(pending)} to '
          f'run ({launcher.kind}); work dir {grid.work_dir}', flush=True)
    failures: List[Failure] = []
    start, ran = time.time(), 0
    for i, cell in enumerate(cells, 1):
        tag = f'[{i}/{len(cells)}] {cell.name}'
        if cell not in pending:
            print(f'{tag}: finished earlier, skipped')
            continue
        elapsed = time.time() - start
        eta = _hms(elapsed / ran * (len(pending) - ran)) if ran else '?'
        print(f'{tag}: running ({ran}/{len(pending)} run, {len(failures)} '
              f'failed, elapsed {_hms(elapsed)}, ETA {eta})', flush=True)
        cell_start = time.time()
        failure = run_cell(cell, launcher, verbose)
        ran += 1
        took = _hms(time.time() - cell_start)
        if failure:
            failures.append(failure)
            print(f'{tag}: FAILED at {failure.stage} after {took}: '
                  f'{failure.reason}' + (f'\n{_tail(failure.log)}'
                                         if failure.log else ''), flush=True)
        else:
            print(f'{tag}: finished in {took}', flush=True)
    return failures


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a grid of train/test cells and write its tables '
        '(see the module docstring for the spec format).')
    parser.add_argument('spec', help='grid spec (a Python config)')
    parser.add_argument('--work-dir', help="overrides the spec's work_dir")
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands, run nothing')
    parser.add_argument('--launcher', choices=['local', 'pytorch', 'slurm'],
                        default='local')
    parser.add_argument('--gpus', type=int, default=8,
                        help='GPUs per run (pytorch, slurm)')
    parser.add_argument('--gpus-per-node', type=int,
                        help='slurm GPUS_PER_NODE (default min(gpus, 8))')
    parser.add_argument('--partition', help='slurm partition')
    parser.add_argument('--only', nargs='+', metavar='PATTERN',
                        help='run only the cells whose name matches one of '
                        'these shell patterns, e.g. "vilt-clip_*"')
    parser.add_argument('--tables-only', action='store_true',
                        help='write the tables of the finished cells only')
    parser.add_argument('--no-plots', action='store_true')
    parser.add_argument('--verbose', action='store_true',
                        help='stream the tools\' output too (always in the '
                        'cell logs)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        grid = load_spec(args.spec, args.work_dir)
        cells = select(grid.cells, args.only)
        launcher = Launcher(args.launcher, args.gpus, args.gpus_per_node,
                            args.partition)
    except (SpecError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    if args.dry_run:
        dry_run(grid, cells, launcher)
        return 0
    failures = [] if args.tables_only else run_grid(grid, cells, launcher,
                                                   args.verbose)
    written = write_grid_tables(grid, plots=not args.no_plots)
    print('tables: ' + ', '.join(str(p) for p in written))
    if failures:
        print(f'\n{len(failures)} cell(s) failed:')
        for f in failures:
            print(f'  {f.cell}: {f.stage}: {f.reason}'
                  + (f'\n    log: {f.log}' if f.log else ''))
        return 1
    print(f'all {len(cells)} cells finished.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
