"""Run a grid of experiments (method x dataset x seed), then table it.

::

    python tools/run_grid.py GRID_SPEC [--work-dir DIR] [--dry-run]
        [--launcher local|pytorch|slurm] [--gpus N] [--gpus-per-node G]
        [--partition P] [--only PATTERN ...] [--jobs J] [--tables-only]
        [--no-plots] [--heartbeat SECONDS] [--verbose]
        [--persistent-workers]

Each cell is trained with ``tools/train.py`` (unless it is test-only) and
tested with ``tools/test.py --dump``: in this process's machine
(``local``), on N GPUs through ``tools/dist_train.sh`` /
``tools/dist_test.sh`` (``pytorch``), or with srun through
``tools/slurm_train.sh`` / ``tools/slurm_test.sh`` (``slurm``; ``GPUS`` and
``GPUS_PER_NODE`` are set from ``--gpus`` / ``--gpus-per-node``, and
``SRUN_ARGS``, ``CPUS_PER_TASK`` pass through from the environment).
``--jobs J`` runs J cells at a time (local, slurm), never two that share a
``train_dir``. With ``--persistent-workers`` (local only) the stages run
in J long-lived Python processes (``tools/grid_worker.py``) that import the
tools once, instead of one new process per stage: the same commands, the
same logs and numbers, without the 15-20 s of start-up per stage that
dominate a grid of small cells such as ``make benchmark``.

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
values in percent), ``results_<protocol>.png`` and ``costs.md`` / ``.csv``
(train and test seconds per method).
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional

TOOLS = Path(__file__).resolve().parent
sys.path[:0] = [str(TOOLS), str(TOOLS / 'analysis')]
from grid_spec import (Cell, Grid, SpecError, load_spec,  # noqa: E402,F401
                       select)
from grid_worker import StageWorker  # noqa: E402

TRAIN_DONE = 'grid_train_done.json'


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
        persistent: ``local`` only: run the stages in persistent worker
            processes (:class:`grid_worker.StageWorker`) rather than one
            new process per stage.
    """

    def __init__(self, kind: str = 'local', gpus: int = 8,
                 gpus_per_node: Optional[int] = None,
                 partition: Optional[str] = None,
                 python: str = sys.executable, persistent: bool = False):
        if kind not in ('local', 'pytorch', 'slurm'):
            raise ValueError(f'launcher {kind!r}: expected local, pytorch '
                             'or slurm.')
        if persistent and kind != 'local':
            raise ValueError(f'--persistent-workers runs the stages in this '
                             f'machine\'s Python processes: it needs '
                             f'--launcher local, not {kind}.')
        self.persistent = persistent
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
        where = 'training finished but' if cell.train_config else \
            '(trained by another cell or grid)'
        raise FileNotFoundError(f"cell '{cell.name}': {where} {train_dir} "
                                'holds no checkpoint.')
    return str(saved[-1])


_LIVE: set = set()  # the stage processes running now (for Ctrl-C)
_LIVE_LOCK = threading.Lock()
_STOP = threading.Event()  # set on Ctrl-C: start no further stage


@dataclass
class Output:
    """What the runner prints while a stage runs: the tools' own output
    (``verbose``), or every ``heartbeat`` seconds (0: never) the stage's
    elapsed time and the last line of its log."""

    verbose: bool = False
    heartbeat: float = 60.0


def _last_line(log: str) -> str:
    with open(log, 'rb') as f:
        f.seek(max(0, os.path.getsize(log) - 4096))
        lines = [ln.strip() for ln in f.read().decode(
            errors='replace').splitlines() if ln.strip()]
    return lines[-1][-120:] if lines else ''


def _heartbeat(tag: str, elapsed: float, log: str) -> None:
    """The line printed every ``--heartbeat`` seconds while a stage runs."""
    print(f'      {tag} {_hms(elapsed)}: {_last_line(log)}', flush=True)


def _run_logged(cmd: List[str], env: Dict[str, str], log: str,
                display: str, output: Output, tag: str = '') -> int:
    if _STOP.is_set():
        return 130
    full_env = dict(os.environ, **env)
    with open(log, 'w') as f:
        f.write(f'$ {display}\n')
        f.flush()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE if output.verbose else f,
            stderr=subprocess.STDOUT, env=full_env, text=True)
        with _LIVE_LOCK:
            _LIVE.add(proc)
        try:
            if output.verbose:
                for line in proc.stdout:
                    f.write(line)
                    sys.stdout.write(line)
                return proc.wait()
            start = time.time()
            while True:
                try:
                    return proc.wait(timeout=output.heartbeat or None)
                except subprocess.TimeoutExpired:
                    _heartbeat(tag, time.time() - start, log)
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)


_WORKERS = threading.local()  # each runner thread's StageWorker
_ALL_WORKERS: List[StageWorker] = []


def _thread_worker() -> StageWorker:
    worker = getattr(_WORKERS, 'worker', None)
    if worker is None:
        worker = _WORKERS.worker = StageWorker()
        with _LIVE_LOCK:
            _ALL_WORKERS.append(worker)
    return worker


def close_workers() -> None:
    """End the persistent workers (at the end of a grid)."""
    with _LIVE_LOCK:
        workers = list(_ALL_WORKERS)
        _ALL_WORKERS.clear()
    for worker in workers:
        worker.close()


def _run_in_worker(cmd: List[str], log: str, display: str, output: Output,
                   tag: str = '') -> int:
    """Run a local ``python tools/<tool>.py ...`` command in this thread's
    persistent worker."""
    if _STOP.is_set():
        return 130
    tool = Path(cmd[1]).stem
    with open(log, 'w') as f:
        f.write(f'$ {display}\n# (run in a persistent grid worker)\n')
    worker = _thread_worker()

    if output.verbose:
        print(f'      {tag}: output in {log} (persistent worker)',
              flush=True)
    return worker.run(tool, cmd[2:], log, heartbeat=output.heartbeat,
                      on_wait=lambda elapsed: _heartbeat(tag, elapsed, log))


def _stop_all() -> None:
    """Ctrl-C: start nothing more and end the running stages."""
    _STOP.set()
    with _LIVE_LOCK:
        for proc in _LIVE:
            proc.terminate()
        for worker in _ALL_WORKERS:
            worker.terminate()


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


def train_recipe(cell: Cell) -> dict:
    """What makes a training, whichever the launcher: cells that share a
    train_dir must agree on it."""
    return dict(config=cell.train_config,
                seed=cell.seed if cell.seed_arg else None,
                args=cell.train_args,
                cfg_options=cell.cfg_options + cell.train_cfg_options)


def _run_stage(cell: Cell, stage: str, cmd: List[str], launcher: Launcher,
               output: Output):
    """Run one stage's command into ``<cell>/<stage>.log``; its seconds,
    or the Failure."""
    start = time.time()
    if launcher.persistent:
        code = _run_in_worker(cmd, cell.log(stage), launcher.show(cmd),
                              output, f'{cell.name} {stage}')
    else:
        code = _run_logged(cmd, launcher.env(), cell.log(stage),
                           launcher.show(cmd), output,
                           f'{cell.name} {stage}')
    if code:
        return Failure(cell.name, stage, f'exit status {code}',
                       cell.log(stage))
    return round(time.time() - start, 1)


def run_cell(cell: Cell, launcher: Launcher,
             output: Optional[Output] = None) -> Optional[Failure]:
    """Train (unless done or test-only), test, check the metrics and write
    ``metrics.json``; returns the failure, or None."""
    # imported here: they load the package (torch); --dry-run stays light
    import grid_tables
    from protocol_table import metric_jsons, read_metrics
    output = output or Output()
    os.makedirs(cell.dir, exist_ok=True)
    train_seconds = None
    if cell.train_config:
        done = Path(cell.train_dir) / TRAIN_DONE
        if done.is_file():
            record = json.loads(done.read_text())
            if record.get('recipe', train_recipe(cell)) != train_recipe(cell):
                return Failure(
                    cell.name, 'train', f'{cell.train_dir} holds a training '
                    f"with other settings ({record['recipe']}, this cell: "
                    f'{train_recipe(cell)}); give the cell its own '
                    'train_dir or the same settings', str(done))
            train_seconds = record.get('seconds')
            print(f'      {cell.name} train: done earlier in {cell.train_dir}')
        else:
            os.makedirs(cell.train_dir, exist_ok=True)
            resume = (Path(cell.train_dir) / 'last_checkpoint').is_file()
            cmd = launcher.train(cell, resume=resume)
            print(f'      {cell.name} train' +
                  (' (resuming)' if resume else '') +
                  f': log {cell.log("train")}', flush=True)
            train_seconds = _run_stage(cell, 'train', cmd, launcher,
                                       output)
            if isinstance(train_seconds, Failure):
                return train_seconds
            _write_json(done, dict(seconds=train_seconds,
                                   recipe=train_recipe(cell),
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
    print(f'      {cell.name} test: {checkpoint}; log {cell.log("test")}',
          flush=True)
    test_seconds = _run_stage(cell, 'test', cmd, launcher, output)
    if isinstance(test_seconds, Failure):
        return test_seconds
    if not set(metric_jsons(cell.test_dir)) - before:
        return Failure(cell.name, 'test', f'{cell.test_dir}: the test wrote '
                       'no metric JSON', cell.log('test'))
    metrics = read_metrics(cell.test_dir)
    try:  # the protocol's metrics must be there before the cell counts
        grid_tables.cell_records(cell.info(), metrics, f"cell '{cell.name}'")
    except (KeyError, ValueError) as exc:
        return Failure(cell.name, 'metrics', str(exc.args[0]),
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
            checkpoint = None if cell.checkpoint in ('auto', 'best', 'last') \
                else f'<{exc}>'
        if checkpoint is None:
            checkpoint = f'<{cell.checkpoint} checkpoint of {cell.train_dir}>'
        print(launcher.show(launcher.test(cell, checkpoint)))


def write_grid_tables(grid: Grid, plots: bool = True) -> List[Path]:
    """Tables of the grid's finished cells, into its work dir."""
    import grid_tables
    files = [str(c.metrics_path) for c in grid.cells
             if c.metrics_path.is_file()]
    records = grid_tables.collect_records(files)
    costs = grid_tables.cost_table(files, grid.method_order)
    return grid_tables.write_tables(records, grid.work_dir,
                                    grid.method_order, plots=plots,
                                    costs=costs)


def _units(pending: List[Cell]) -> List[List[Cell]]:
    """Pending cells grouped by train_dir, in grid order: the cells of a
    unit share a training, so they run one after the other, the ones that
    train first."""
    units: Dict[str, List[Cell]] = {}
    for cell in pending:
        units.setdefault(osp.abspath(cell.train_dir), []).append(cell)
    return [sorted(u, key=lambda c: (c.train_config is None, c.index))
            for u in units.values()]


def run_grid(grid: Grid, cells: List[Cell], launcher: Launcher,
             output: Optional[Output] = None,
             jobs: int = 1) -> List[Failure]:
    """Run the cells that have not finished, ``jobs`` at a time (cells that
    share a train_dir never at once); returns the failures."""
    pending = [c for c in cells if not c.metrics_path.is_file()]
    print(f'grid {grid.path}: {len(cells)} cells, '
          f'{len(cells) - len(pending)} finished earlier, {len(pending)} to '
          f'run ({launcher.kind}, {jobs} at a time); work dir '
          f'{grid.work_dir}', flush=True)
    position = {c.name: i for i, c in enumerate(cells, 1)}
    for cell in cells:
        if cell not in pending:
            print(f'[{position[cell.name]}/{len(cells)}] {cell.name}: '
                  'finished earlier, skipped')
    failures: List[Failure] = []
    lock, start, done = threading.Lock(), time.time(), [0]

    def run_unit(unit: List[Cell]) -> None:
        for cell in unit:
            if _STOP.is_set():
                return
            tag = f'[{position[cell.name]}/{len(cells)}] {cell.name}'
            with lock:
                elapsed, ran = time.time() - start, done[0]
                eta = _hms(elapsed / ran * (len(pending) - ran)) \
                    if ran else '?'
                print(f'{tag}: running ({ran}/{len(pending)} run, '
                      f'{len(failures)} failed, elapsed {_hms(elapsed)}, '
                      f'ETA {eta})', flush=True)
            cell_start = time.time()
            failure = run_cell(cell, launcher, output)
            took = _hms(time.time() - cell_start)
            with lock:
                done[0] += 1
                if failure:
                    failures.append(failure)
                    print(f'{tag}: FAILED at {failure.stage} after {took}: '
                          f'{failure.reason}' + (
                              f'\n{_tail(failure.log)}' if failure.log
                              else ''), flush=True)
                else:
                    print(f'{tag}: finished in {took}', flush=True)

    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(run_unit, unit) for unit in _units(pending)]
    try:
        for future in futures:
            future.result()
    except KeyboardInterrupt:
        _stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        close_workers()
    return sorted(failures, key=lambda f: position[f.cell])


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
    parser.add_argument('--jobs', type=int, default=1,
                        help='cells run at a time (local, slurm); cells '
                        'sharing a train_dir run one after the other')
    parser.add_argument('--tables-only', action='store_true',
                        help='write the tables of the finished cells only')
    parser.add_argument('--no-plots', action='store_true')
    parser.add_argument('--heartbeat', type=float, default=60.0,
                        metavar='SECONDS', help='while a stage runs, print '
                        'the last line of its log this often (0: never)')
    parser.add_argument('--verbose', action='store_true',
                        help='stream the tools\' output too (always in the '
                        'cell logs)')
    parser.add_argument('--persistent-workers', action='store_true',
                        help='local: run the stages in --jobs long-lived '
                        'Python processes that import the tools once, '
                        'rather than a new process per stage')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        grid = load_spec(args.spec, args.work_dir)
        cells = select(grid.cells, args.only)
        launcher = Launcher(args.launcher, args.gpus, args.gpus_per_node,
                            args.partition,
                            persistent=args.persistent_workers)
        if args.jobs < 1 or (args.jobs > 1 and args.launcher == 'pytorch'):
            raise ValueError(f'--jobs {args.jobs}: expected >= 1, and 1 with '
                             '--launcher pytorch (the runs would share the '
                             'GPUs and the PORT).')
    except (SpecError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    if args.dry_run:
        dry_run(grid, cells, launcher)
        return 0
    try:
        failures = [] if args.tables_only else run_grid(
            grid, cells, launcher, Output(args.verbose, args.heartbeat),
            args.jobs)
    except KeyboardInterrupt:
        print('\ninterrupted: finished cells are kept; run the same command '
              'again to go on.', file=sys.stderr)
        return 130
    written = write_grid_tables(grid, plots=not args.no_plots)
    print('tables: ' + ', '.join(str(p) for p in written))
    if failures:
        print(f'\n{len(failures)} cell(s) failed:')
        for f in failures:
            print(f'  {f.cell}: {f.stage}: {f.reason}'
                  + (f'\n    log: {f.log}' if f.log else ''))
        return 1
    finished = sum(c.metrics_path.is_file() for c in cells)
    if finished < len(cells):  # --tables-only, or cells stopped by Ctrl-C
        print(f'{finished} of {len(cells)} cells finished so far; run '
              'without --tables-only to run the others.')
    else:
        print(f'all {len(cells)} cells finished.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
