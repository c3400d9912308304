"""Persistent worker processes of ``tools/run_grid.py --persistent-workers``.

A grid of small cells spends much of its time starting Python: importing
torch, mmengine, mmaction and the package costs 15-20 s for every train and
every test on the development CPU, more than many cells of the embedded
benchmark take to compute. A :class:`StageWorker` is one long-lived Python
process (``spawn``, so it starts clean) that imports ``tools/train.py`` and
``tools/test.py`` once and then runs their ``main(argv)`` for one stage
after another, each with its output (file descriptors 1 and 2, so C-level
output too) sent to the stage's log.

Between stages the worker drops what mmengine keeps per process (the
loggers with their open files, the message hubs, visualizers and default
scopes) and collects garbage, so a stage sees what a fresh ``python
tools/train.py ...`` would. Every run sets its own seed (``--seed`` or the
config's ``randomness``), so a stage's numbers do not depend on the stages
run before it in the same worker; ``tests/test_run_grid.py`` checks that a
cell gives the same metrics in a worker as in its own process.

A stage that raises is reported with its traceback in its log and exit
status 1 (``SystemExit`` keeps its code). A worker that dies (a crash, a
kill) fails only its current stage, with the negative signal or exit code,
and the next stage gets a fresh worker.
"""
import gc
import multiprocessing as mp
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, List, Optional

TOOLS = Path(__file__).resolve().parent
STAGE_TOOLS = ('train', 'test')


def _reset_process_state() -> None:
    """Forget what mmengine keeps per process between runs: each run makes
    its own logger (with open file handlers), message hub, visualizer and
    default scope, named after the run."""
    from mmengine.logging import MessageHub, MMLogger
    from mmengine.registry import DefaultScope
    from mmengine.visualization import Visualizer
    for logger in list(MMLogger._instance_dict.values()):
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    for cls in (MMLogger, MessageHub, Visualizer, DefaultScope):
        cls._instance_dict.clear()
    gc.collect()


def _run_stage(tools: dict, tool: str, argv: List[str], log: str) -> int:
    """Run ``tools/<tool>.py`` ``main(argv)`` with fds 1 and 2 appended to
    ``log``; its exit status."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    code = 0
    try:
        tools[tool].main(argv)
    except SystemExit as exc:  # argparse, or a tool's own exit
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit('message'), as the interpreter does
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: B902  (the stage fails, not the worker)
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        try:
            _reset_process_state()
        except Exception:  # a worker that cannot reset must not go on
            traceback.print_exc()
            os._exit(3)
    return code


def _serve(conn, tools_dir: str) -> None:
    """Worker loop: receive ``(tool, argv, log)``, send the exit status;
    ``None`` or a closed pipe ends it."""
    import importlib
    sys.path.insert(0, tools_dir)
    tools = {name: importlib.import_module(name) for name in STAGE_TOOLS}
    conn.send('ready')
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        tool, argv, log = message
        conn.send(_run_stage(tools, tool, argv, log))


class WorkerDied(RuntimeError):
    """The worker process ended while running a stage."""


class StageWorker:
    """One persistent Python process that runs train/test stages in turn.

    Args:
        start_timeout: Seconds to wait for the imports of a new worker.

    Use :meth:`run`; the process starts on first use and again after it
    died. :meth:`close` ends it.
    """

    def __init__(self, start_timeout: float = 600.0):
        self.start_timeout = start_timeout
        self.process: Optional[mp.process.BaseProcess] = None
        self.conn = None

    def _start(self) -> None:
        ctx = mp.get_context('spawn')
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, str(TOOLS)),
                                   daemon=True, name='run_grid-worker')
        self.process.start()
        child.close()
        self.conn = parent
        if not parent.poll(self.start_timeout) or parent.recv() != 'ready':
            self.terminate()
            raise WorkerDied(f'a grid worker did not start within '
                             f'{self.start_timeout:.0f} s.')

    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self.process is not None and self.process.is_alive()

    def run(self, tool: str, argv: List[str], log: str,
            heartbeat: float = 0.0,
            on_wait: Optional[Callable[[float], None]] = None) -> int:
        """Run ``tools/<tool>.py`` with ``argv`` in the worker, its output
        appended to ``log``; returns the exit status (negative: the worker
        died by that signal, and is restarted for the next stage).

        ``on_wait(elapsed)`` is called every ``heartbeat`` seconds while the
        stage runs (0: never)."""
        if tool not in STAGE_TOOLS:
            raise ValueError(f'tool {tool!r}: a worker runs one of '
                             f'{STAGE_TOOLS}.')
        if not self.alive():
            self._start()
        start = time.time()
        try:
            self.conn.send((tool, list(argv), log))
            while not self.conn.poll(heartbeat or None):
                if on_wait:
                    on_wait(time.time() - start)
            return self.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self.process.join(5)
            code = self.process.exitcode
            self.process, self.conn = None, None
            with open(log, 'a') as f:
                f.write(f'\n[run_grid] the worker process died (exit code '
                        f'{code}) during this stage.\n')
            return code if code else -1

    def terminate(self) -> None:
        """End the worker now (Ctrl-C)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()

    def close(self) -> None:
        """Ask the worker to end, and wait for it."""
        if self.alive():
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self.process.join(10)
            if self.process.is_alive():
                self.process.terminate()
        self.process, self.conn = None, None
