"""Grid specs of ``tools/run_grid.py``: reading, expanding and checking.

The spec format is documented in ``tools/run_grid.py`` (module docstring)
and in the README section "Protocol grids". :func:`load_spec` turns a spec
into :class:`Cell` objects and fails before anything runs, naming the spec,
the cell and the key or path at fault.
"""
import fnmatch
import os
import os.path as osp
import re
from dataclasses import asdict, dataclass, field
from itertools import product
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROTOCOLS = ('supervised', 'zero_shot', 'few_shot', 'base2novel')
CELL_KEYS = ('method', 'dataset', 'seed', 'shots', 'protocol', 'name',
             'train_config', 'test_config', 'checkpoint', 'train_dir',
             'cfg_options', 'train_cfg_options', 'test_cfg_options',
             'train_args', 'test_args', 'seed_arg')
PRODUCT_AXES = ('method', 'dataset', 'shots', 'seed')
TEMPLATE_KEYS = ('name', 'train_config', 'test_config', 'checkpoint',
                 'train_dir')
SPEC_KEYS = ('protocol', 'work_dir', 'method_order', 'cells', 'products')
METRICS_FILE = 'metrics.json'  # as in tools/analysis/grid_tables.py
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
    if not isinstance(products, (list, tuple)):
        raise SpecError(f'{where}: products must be a list of dicts.')
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
    if not isinstance(order, (list, tuple)) or not all(
            isinstance(m, str) for m in order):
        raise SpecError(f'{path}: method_order={order!r}: expected a list '
                        'of method names.')
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
