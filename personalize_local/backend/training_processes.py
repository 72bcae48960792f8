"""Big trainings run in a worker process, so that calls are served at full speed while a model trains.

A training holds the interpreter's lock for long stretches: in the serving process, every other call
would wait behind it. :func:`run` runs the pure part of a training (what needs no backend state: the
data checks, the fit and its evaluations, each user's history) in a child process of this one, a fresh
interpreter at a lowered priority (:data:`NICENESS`), and hands its result back to the job's worker
thread, which builds what lands on the state exactly as an in-thread training does.

- The child is spawned, never forked (a fork of a process serving from several threads may copy a lock
  held by another). It is started as multiprocessing's "spawn" starts one, less one step: that re-runs
  the caller's main script in the child, and a user's script without an ``if __name__ == "__main__"``
  guard would run twice. This child imports the modules the training needs, never the caller's script.
- Data and result cross by pickle over a multiprocessing Pipe between this process and its own child,
  and nothing else: never from a file or a request.
- :func:`run_side_by_side` runs independent parts of one training (a version's evaluation and its final fit,
  when no AutoML or HPO chooses by the evaluation) each in a child of its own, all at once: on two cores the
  training takes the longer part's time, not their sum. Each child's LightFM keeps its one thread, so the
  results are those of the parts run one after the other. The first part that fails ends the others.
- The child's progress reports (progress.py) reach the job's progress: the worker thread relays
  them while it waits, so ``progress_of`` and the console read a training in a process as any other.
- A child that dies (a signal, the OOM killer) fails the training with the reason (:data:`DIED`); an
  error in the training is raised in the worker thread as it would have been there (a TrainingError
  becomes the version's failureReason as before).
- A training that is stopped (StopSolutionVersionCreation) or whose mock is left (its job is cancelled)
  ends its child at once; so does this interpreter's exit, and a child whose parent is gone without
  ending it (killed) ends itself.

Which trainings use a process: those on at least ``PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM`` interactions
(:data:`DEFAULT_PROCESS_FROM` without it; 0: every training), read at each training's start. Smaller
trainings, a test suite's, run in the worker thread: they are over before a process would have started.
Where processes can't be spawned this way (not a POSIX system, no interpreter to start), every training
runs in its worker thread.
"""
from __future__ import annotations

import atexit
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, ParamSpec, Sequence, TypeVar, cast

from ..progress import Progress, part, report, tracking
from .lifecycle import JobFailed, work_cancelled

PROCESS_FROM_ENV = "PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM"
# Interactions from which a training runs in a worker process: an ml-100k training does, a test suite's do not.
DEFAULT_PROCESS_FROM = 20_000
# How much the worker process lowers its priority (os.nice): serving keeps the CPU, the training takes what is left.
NICENESS = 10
# How often the waiting worker thread looks whether its job was cancelled, and a child whether its parent is gone.
POLL_SECONDS = 0.1
PARENT_POLL_SECONDS = 1.0
# How long ending a child may take before it is killed.
END_PATIENCE_SECONDS = 5.0
# The reason a training fails when its worker process dies under it.
DIED = "The training worker process stopped unexpectedly (exit code {code}); train the version again."
STOPPED = "The training was stopped."

# The worker processes training now, by process ID.
running: dict[int, subprocess.Popen[bytes]] = {}
_running_lock = threading.Lock()
# Only POSIX systems hand a connection's descriptor to a child this way.
_CAN_SPAWN = os.name == "posix" and bool(sys.executable)

P = ParamSpec("P")
R = TypeVar("R")


def parse_process_from(text: str, source: str = PROCESS_FROM_ENV) -> int:
    """``text`` as a number of interactions, 0 or more; ValueError naming ``source`` otherwise."""
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError(
            f"{source} must be a whole number of interactions, 0 or more, from which a training runs in a worker "
            f"process (0: every training), not {text!r}"
        )
    return count


def process_from() -> int:
    """How many interactions a training needs to run in a worker process: ``PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM``
    (read again at each training), :data:`DEFAULT_PROCESS_FROM` without it."""
    text = os.environ.get(PROCESS_FROM_ENV)
    return DEFAULT_PROCESS_FROM if text is None else parse_process_from(text)


def run(interactions: int, work: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args, **kwargs)``: in a worker process when the training is on ``interactions`` interactions or more
    (:func:`process_from`), else here. ``work`` is a module's function; it, its arguments and its result pickle."""
    result: R = run_side_by_side(interactions, (work, args, kwargs))[0]
    return result


# The environment that keeps the BLAS libraries numpy may load to one thread each.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# A module's function, its arguments and its keywords.
Work = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def run_side_by_side(interactions: int, *works: Work) -> list[Any]:
    """Each work's result, in order. On ``interactions`` interactions or more, each in its own worker process, all at
    once (independent parts of one training use the cores side by side); else here, one after the other. Either way
    each work fills an equal share of the progress, and the first error raised (or worker lost) ends them all."""
    try:
        threshold = process_from()
    except ValueError as error:
        raise JobFailed(str(error)) from None
    if interactions < threshold or not _CAN_SPAWN:
        results = []
        for index, (work, args, kwargs) in enumerate(works):
            with part(index, len(works)):
                results.append(work(*args, **kwargs))
        return results
    return _in_workers(works)


class _RemoteTraceback(Exception):
    """The child's traceback, as the cause of the error it raised (as concurrent.futures shows a worker's)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class _Worker:
    """One worker process and this process's end of its connection."""

    child: subprocess.Popen[bytes]
    conn: Connection

    def end(self) -> None:
        """Make sure the child is gone (it is, once it has sent its result) and reaped."""
        try:
            _end(self.child)
        finally:
            self.conn.close()
            with _running_lock:
                running.pop(self.child.pid, None)


def _start(work: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], alone: bool = True) -> _Worker:
    """A worker process given ``work``: it runs it at once. One of several side by side (not ``alone``) keeps BLAS
    to one thread: the workers already take a core each, and BLAS's idle threads spin on the other's."""
    ours, theirs = Pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(theirs.fileno()), str(os.getpid())],
            stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), env=None if alone else {**os.environ, **ONE_BLAS_THREAD},
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()  # the child's end, which it now holds
    with _running_lock:
        running[child.pid] = child
    worker = _Worker(child, ours)
    try:
        ours.send(sys.path)  # where this process found the package: the child finds it there too
        ours.send((work, args, kwargs))
    except OSError:
        pass  # it died before it read its work: the wait says how
    except BaseException:  # the work does not pickle: nothing runs
        worker.end()
        raise
    return worker


def _in_workers(works: Sequence[Work]) -> list[Any]:
    workers: list[_Worker] = []
    try:
        for work in works:
            workers.append(_start(*work, alone=len(works) == 1))
        return _wait(workers)
    finally:
        for worker in workers:
            worker.end()


def _wait(workers: Sequence[_Worker]) -> list[Any]:
    """The results the children send, relaying their progress meanwhile (the mean of theirs); raises what one
    raised, or JobFailed when one is gone or the job is cancelled."""
    index = {worker.conn: i for i, worker in enumerate(workers)}
    fractions = [0.0] * len(workers)
    results: dict[int, Any] = {}
    while len(results) < len(workers):
        if work_cancelled():
            raise JobFailed(STOPPED)
        waiting = [worker.conn for i, worker in enumerate(workers) if i not in results]
        for ready in wait(waiting, POLL_SECONDS):
            conn = cast(Connection, ready)
            i = index[conn]
            try:
                kind, value, *more = conn.recv()
            except (EOFError, OSError):  # its end closed: it is gone
                raise JobFailed(DIED.format(code=_exit_code(workers[i].child))) from None
            if kind == "progress":
                fractions[i] = value
                report(sum(fractions) / len(fractions), 1.0)
            elif kind == "done":
                results[i] = value
            else:  # "raised": the error, and the child's traceback
                raise value from _RemoteTraceback(more[0])
    return [results[i] for i in range(len(workers))]


def _exit_code(child: subprocess.Popen[bytes]) -> int | None:
    try:
        return child.wait(END_PATIENCE_SECONDS)
    except subprocess.TimeoutExpired:
        return None


def _end(child: subprocess.Popen[bytes]) -> None:
    """Make sure the child is gone (it is, once it has sent its result) and reaped."""
    if child.poll() is None:
        child.terminate()
        if _exit_code(child) is None:
            child.kill()
    child.wait()


def _end_all() -> None:
    """No worker process outlives this interpreter (their worker threads, daemons, stop without ending them)."""
    with _running_lock:
        children = list(running.values())
    for child in children:
        _end(child)


atexit.register(_end_all)


# In the worker process -----------------------------------------------------------------------------


class _Relay(Progress):
    """The training's progress in the child: each step forward is sent to the parent."""

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self._conn = conn

    def advance(self, fraction: float) -> None:
        before = self.fraction
        super().advance(fraction)
        if self.fraction > before:
            self._conn.send(("progress", self.fraction))


def _serve(conn: Connection, parent: int) -> None:
    """The worker process: receive the work, run it at a lowered priority, send back its result or its error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C is the parent's to handle: it ends this process
    threading.Thread(target=_orphaned, args=(parent,), name="personalize-training-parent", daemon=True).start()
    work, args, kwargs = conn.recv()
    try:
        with tracking(_Relay(conn)):
            result = work(*args, **kwargs)
        payload = pickle.dumps(("done", result), pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # sent to the parent, which raises it where the training runs
        payload = pickle.dumps(("raised", _portable(error), traceback.format_exc()), pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(payload)
    conn.close()


def _portable(error: Exception) -> Exception:
    """``error`` if it crosses to the parent as it is; else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def _orphaned(parent: int) -> None:
    """End this process when its parent is gone without ending it (the parent was killed)."""
    while True:
        time.sleep(PARENT_POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


# What the child runs: its connection's descriptor and its parent's ID are its arguments; the parent's sys.path
# comes first on the connection, then the work.
_BOOT = (
    # The priority first, before numpy starts BLAS's threads: a thread starts at its creator's priority, and
    # os.nice lowers the calling thread's alone.
    "import os\n"
    "try:\n"
    f"    os.nice({NICENESS})\n"
    "except OSError:\n"  # not allowed here
    "    pass\n"
    "import sys\n"
    "from multiprocessing.connection import Connection\n"
    "connection = Connection(int(sys.argv[1]))\n"
    "sys.path[:] = connection.recv()\n"
    f"from {__name__} import {_serve.__name__}\n"
    f"{_serve.__name__}(connection, int(sys.argv[2]))\n"
)
