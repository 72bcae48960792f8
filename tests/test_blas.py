"""A request's BLAS runs on one thread, and overlapping requests never leave the process's thread count lowered."""
from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info

from personalize_local.recipes.blas import one_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_thread_inside_and_the_count_restored_after() -> None:
    before = _blas_threads()
    with one_thread():
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_overlapping_requests_never_leave_the_count_lowered() -> None:
    before = _blas_threads()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with one_thread():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with one_thread():
            second_in.set()
            first_out.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert _blas_threads() == before
    with one_thread():  # and the main thread still gets one thread afterwards
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_products_are_the_same_on_one_thread() -> None:
    rng = np.random.default_rng(0)
    vectors, user = rng.standard_normal((60_000, 64)).astype(np.float32), rng.standard_normal(64).astype(np.float32)
    expected = vectors @ user
    with one_thread():
        assert np.array_equal(vectors @ user, expected)
