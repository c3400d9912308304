"""Mutation testing of the core modules with mutmut (``make mutation``).

For each module of ``tools/mutation/modules.toml`` this prepares a work
folder ``work_dirs/mutation/<module>/`` (the package, tools and tests linked
in, a ``setup.cfg`` with that module's mutmut settings), runs ``mutmut run``
there with one worker, and prints the mutants that survived, each with file,
line and diff, and the score: killed / (killed + survived), where mutants
marked equivalent in modules.toml are left out and mutants of a function no
selected test calls count as survived.

mutmut keeps its results in the work folder: a rerun tries again the mutants
not killed before and those of functions that changed; ``--fresh`` starts
over (use it for the scores you publish).

Usage::

    python tools/mutation/run.py                      # every module
    python tools/mutation/run.py cfg_options resume   # some of them
    python tools/mutation/run.py --list

Exit status 1 when a module scores under ``--min-score`` (85 by default).
"""
import argparse
import ast
import datetime
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tools' / 'mutation' / 'modules.toml'
WORK_ROOT = REPO / 'work_dirs' / 'mutation'
# copied into the mutated tree (tests read configs and tools from the repo
# root, which is the mutated tree's root while mutmut runs)
ALSO_COPY = ['pytest.ini', 'configs', 'tools']
# large or read-only folders the tests read: linked, never written
LINKED = ['checkpoints', 'data']
KILLED = ('killed', 'timeout', 'segfault')


def load_config():
    with open(CONFIG, 'rb') as handle:
        config = tomllib.load(handle)
    equivalent = {}
    for entry in config.get('equivalent', []):
        if not entry.get('reason'):
            sys.exit(f'{CONFIG}: equivalent mutant {entry["mutant"]} has '
                     f'no reason')
        equivalent[entry['mutant']] = entry['reason']
    return config['modules'], equivalent


def mutated_files(spec):
    files = []
    for pattern in spec['mutate']:
        found = sorted(p.relative_to(REPO).as_posix()
                       for p in REPO.glob(pattern)
                       if p.name != '__init__.py')
        if not found:
            sys.exit(f'{CONFIG}: {pattern!r} matches no file')
        files += found
    return files


def _toml_list(values):
    return '\n'.join(f'    {value}' for value in values)


def prepare(name, spec, fresh):
    """The module's work folder with its mutmut settings; returns it."""
    work = WORK_ROOT / name
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    files = mutated_files(spec)
    roots = sorted({Path(f).parts[0] for f in files})
    for entry in set(roots) | {'tests'}:
        link = work / entry
        if not link.is_symlink():
            link.symlink_to(REPO / entry)
    also_copy = [e for e in ALSO_COPY if e not in roots]
    for entry in also_copy:
        if not (work / entry).is_symlink():
            (work / entry).symlink_to(REPO / entry)
    (work / 'setup.cfg').write_text(
        '# written by tools/mutation/run.py from tools/mutation/modules.toml\n'
        '[mutmut]\n'
        f'source_paths =\n{_toml_list(roots)}\n'
        f'only_mutate =\n{_toml_list(files)}\n'
        f'also_copy =\n{_toml_list(also_copy)}\n'
        'pytest_add_cli_args_test_selection =\n'
        f'{_toml_list(spec["tests"])}\n'
        'pytest_add_cli_args =\n    -p\n    no:cacheprovider\n'
        '    --durations=0\n    -W\n    ignore::UserWarning\n')
    mutants = work / 'mutants'
    mutants.mkdir(exist_ok=True)
    for entry in LINKED:
        link = mutants / entry
        if (REPO / entry).exists() and not link.is_symlink():
            link.symlink_to(REPO / entry)
    return work, files


def forget_survivors(work, files):
    """Have mutmut try again every mutant that was not killed.

    mutmut keeps a result until the mutated function changes; a new or
    stronger test would otherwise not be given the survivors.
    """
    from mutmut.stats import status_by_exit_code
    for path in files:
        meta = work / 'mutants' / (path + '.meta')
        if not meta.is_file():
            continue
        data = json.loads(meta.read_text())
        codes = data['exit_code_by_key']
        for mutant, code in codes.items():
            if status_by_exit_code[code] not in KILLED:
                codes[mutant] = None
        meta.write_text(json.dumps(data, indent=4))


def run_mutmut(work, log_path):
    env = dict(os.environ)
    # the mutated copy first, for the tests and anything they start
    env['PYTHONPATH'] = str(work / 'mutants')
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = '1'
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    cmd = [sys.executable, '-m', 'mutmut', 'run', '--max-children', '1']
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=work, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    return proc.returncode


def _function_node(tree, mangled):
    """The def of a mutmut name ``x_func`` or ``xǁClassǁmethod``."""
    if mangled.startswith('xǁ'):
        _, cls, func = mangled.split('ǁ')
        scopes = [n for n in ast.walk(tree)
                  if isinstance(n, ast.ClassDef) and n.name == cls]
    else:
        cls, func, scopes = None, mangled[2:], [tree]
    for scope in scopes:
        for node in ast.iter_child_nodes(scope):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.name == func:
                return node
    return None


def locate(work, path, mutant):
    """(line in the source file, function, diff) of one mutant."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    cwd = os.getcwd()
    os.chdir(work)
    try:
        diff = get_diff_for_mutant(mutant, path=Path(path))
    finally:
        os.chdir(cwd)
    body = [line for line in diff.splitlines()[2:]]
    mangled = mutant.rpartition('.')[2].partition('__mutmut_')[0]
    source = (REPO / path).read_text().splitlines()
    node = _function_node(ast.parse('\n'.join(source)), mangled)
    line = None
    removed = next((l[1:].strip() for l in body
                    if l.startswith('-') and l[1:].strip()), None)
    if node is not None and removed is not None:
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        for number in range(start, node.end_lineno + 1):
            if source[number - 1].strip() == removed:
                line = number
                break
        line = line or node.lineno
    shown = [l for l in body if l[:1] in '+-' and not l.startswith('@@')]
    return line, mangled, shown


def report(name, work, files, equivalent, seconds):
    from mutmut.stats import status_by_exit_code
    counts = {'killed': 0, 'survived': 0, 'equivalent': 0, 'no tests': 0,
              'timeout': 0, 'other': 0}
    survivors, present = [], set()
    for path in files:
        meta = work / 'mutants' / (path + '.meta')
        if not meta.is_file():
            print(f'  {path}: no mutmut results (see {work}/mutmut.log)')
            continue
        codes = json.loads(meta.read_text())['exit_code_by_key']
        for mutant, code in sorted(codes.items(), key=_natural):
            present.add(mutant)
            status = status_by_exit_code[code]
            if mutant in equivalent:
                counts['equivalent'] += 1
                if status in KILLED:
                    print(f'  note: {mutant} is marked equivalent but a '
                          'test kills it; take it off the list')
                continue
            if status in KILLED:
                counts['killed'] += 1
                counts['timeout'] += status != 'killed'
            elif status in ('survived', 'no tests'):
                counts['survived'] += 1
                counts['no tests'] += status == 'no tests'
                survivors.append((path, mutant, status))
            else:  # not checked, suspicious, interrupted
                counts['other'] += 1
                survivors.append((path, mutant, status))
    for path, mutant, status in survivors:
        try:
            line, func, diff = locate(work, path, mutant)
        except Exception as err:  # noqa: BLE001 - a report, not a verdict
            line, func, diff = None, '?', [f'(no diff: {err})']
        print(f'  {status.upper()}: {path}:{line} in {func}  [{mutant}]')
        for text in diff:
            print(f'      {text}')
    decided = counts['killed'] + counts['survived']
    score = 100.0 * counts['killed'] / decided if decided else 0.0
    counts.update(module=name, score=round(score, 1),
                  seconds=round(seconds), mutants=sum(
                      counts[k] for k in ('killed', 'survived', 'equivalent',
                                          'other')))
    return counts, present


def _natural(item):
    key = item[0]
    match = re.search(r'(\d+)$', key)
    return key.rpartition('__mutmut_')[0], int(match.group(1)) if match else 0


def git_commit():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                              cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def main(argv=None):
    modules, equivalent = load_config()
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('modules', nargs='*', metavar='MODULE',
                        help=f'default: all of {", ".join(modules)}')
    parser.add_argument('--fresh', action='store_true',
                        help='forget earlier results of these modules')
    parser.add_argument('--min-score', type=float, default=85.0)
    parser.add_argument('--list', action='store_true',
                        help='list the modules and their files, and stop')
    args = parser.parse_args(argv)
    names = args.modules or list(modules)
    unknown = [n for n in names if n not in modules]
    if unknown:
        parser.error(f'unknown module(s) {unknown}; known: {list(modules)}')
    if args.list:
        for name in names:
            print(f'{name}: {" ".join(mutated_files(modules[name]))}')
        return 0
    try:
        import mutmut  # noqa: F401
    except ImportError:
        sys.exit('mutmut is not installed: pip install -r '
                 'requirements/mutation.txt')
    rows, present = [], set()
    for name in names:
        work, files = prepare(name, modules[name], args.fresh)
        print(f'== {name}: mutating {" ".join(files)} (log: '
              f'{work.relative_to(REPO)}/mutmut.log)', flush=True)
        forget_survivors(work, files)
        start = time.monotonic()
        code = run_mutmut(work, work / 'mutmut.log')
        seconds = time.monotonic() - start
        if code != 0:
            print(f'  mutmut exited with {code}; the end of its log:')
            tail = (work / 'mutmut.log').read_text(errors='replace')
            print(tail[-3000:])
        row, seen = report(name, work, files, equivalent, seconds)
        rows.append(row)
        present |= seen
        print(f'  {name}: {row["killed"]} killed, {row["survived"]} survived '
              f'({row["no tests"]} untested), {row["equivalent"]} equivalent'
              f' -> score {row["score"]:.1f} % in {seconds / 60:.1f} min',
              flush=True)
    stale = [m for m in equivalent
             if m not in present and any(m.startswith(
                 Path(f).with_suffix('').as_posix().replace('/', '.') + '.')
                 for n in names for f in mutated_files(modules[n]))]
    for mutant in stale:
        print(f'stale equivalent entry (no such mutant now): {mutant}')
    stamp = datetime.datetime.now(datetime.timezone.utc)
    print(f'\nMutation scores ({stamp:%Y-%m-%d %H:%M} UTC, commit '
          f'{git_commit()}; killed / (killed + survived))\n')
    print('| module | mutants | killed | survived | equivalent | score | '
          'time |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for row in rows:
        print(f'| {row["module"]} | {row["mutants"]} | {row["killed"]} | '
              f'{row["survived"]} | {row["equivalent"]} | '
              f'{row["score"]:.1f} % | {row["seconds"] / 60:.1f} min |')
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    (WORK_ROOT / 'scores.json').write_text(json.dumps(
        {'date': stamp.isoformat(), 'commit': git_commit(), 'rows': rows},
        indent=1))
    low = [r['module'] for r in rows if r['score'] < args.min_score]
    if low:
        print(f'\nunder {args.min_score:g} %: {", ".join(low)}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
