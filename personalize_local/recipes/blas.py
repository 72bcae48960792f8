"""BLAS on one thread for the products one request makes.

OpenBLAS splits a matrix-vector product of more than a few thousand elements across its threads. On a
machine whose cores are busy (requests side by side, a training, other programs), the request then waits
for a helper thread the scheduler has not run yet: a 100,000 x 64 product took 8-22 ms where one thread
takes 1.3-2 ms (BENCHMARKS.md, "Ten million generated interactions"). A request's products are
memory-bound anyway, so a second thread gains little even on an idle machine.

The thread count is the process's. The thread that lowers it restores it when it leaves, even if other
requests are still inside (they then finish on OpenBLAS's threads): so the count is never left lowered,
whatever the order requests end in. OpenBLAS ignores the count set from another thread once the main
thread has set it; a request in such a thread keeps OpenBLAS's threads. The results are bit-identical
either way, and trainings keep every thread outside these windows.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

_lock = threading.Lock()
_owner: int | None = None  # the thread that lowered the count, while it is inside
_limiter: Any = None  # its threadpoolctl limiter
_blas: Any = None  # threadpoolctl's controller of the loaded BLAS libraries, made on first use


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """BLAS calls inside run on one thread where OpenBLAS allows it (about 7 us to enter and leave)."""
    global _owner, _limiter, _blas
    me = threading.get_ident()
    with _lock:
        if _owner is None:
            if _blas is None:
                from threadpoolctl import ThreadpoolController

                _blas = ThreadpoolController().select(user_api="blas")
            limiter = _blas.limit(limits=1)
            if all(lib.get_num_threads() == 1 for lib in _blas.lib_controllers):
                _owner, _limiter = me, limiter
            else:  # ignored from this thread: nothing to restore
                limiter.restore_original_limits()
    try:
        yield
    finally:
        with _lock:
            if _owner == me:
                _limiter.restore_original_limits()
                _owner = _limiter = None
