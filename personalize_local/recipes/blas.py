"""BLAS on one thread for the products one request makes.

OpenBLAS splits a matrix-vector product of more than a few thousand elements across its threads. On a
machine whose cores are busy (requests side by side, a training, other programs), the request then waits
for a helper thread the scheduler has not run yet: a 100,000 x 64 product took 22 ms where one thread
takes 2 ms (bench/bench_scale.py, BENCHMARKS.md). A request's products are memory-bound anyway, so a
second thread gains little even on an idle machine.

The thread count is the process's, not a thread's: the first of the requests inside :func:`one_thread`
lowers it, and the last one out restores it, so requests overlapping in time never leave it lowered.
Trainings keep every thread outside those windows (a Cholesky factorization gains from them).
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

_lock = threading.Lock()
_inside = 0
_limiter: Any = None  # threadpoolctl's limiter while some request is inside
_blas: Any = None  # threadpoolctl's controller of the loaded BLAS libraries, made on first use


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """BLAS calls inside run on one thread (about 7 us to enter and leave)."""
    global _inside, _limiter, _blas
    with _lock:
        if _inside == 0:
            if _blas is None:
                from threadpoolctl import ThreadpoolController

                _blas = ThreadpoolController().select(user_api="blas")
            _limiter = _blas.limit(limits=1)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                _limiter.restore_original_limits()
                _limiter = None
