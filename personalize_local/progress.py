"""How far the work behind a status has got: reported from inside the work, read by in-process code.

A job's worker holds its :class:`Progress` in a context variable (:func:`tracking`). The work says
how far it is with :func:`report` and splits itself into steps with :func:`part`, each step's own
reports filling only its share: a LightFM epoch inside a fit inside an HPO trial moves the bar by
its share of the whole training. Work that reports nothing jumps from 0 to 1 when it ends. Outside
a job (a fit called directly) reports go nowhere and cost a lookup.

In-process code (the ``demo`` command's progress bars) reads a resource's with the backend's
``progress_of``, which never waits for the work, where a describe may.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator


class Progress:
    """A fraction of the work done, from 0.0 to 1.0, that never goes back."""

    def __init__(self) -> None:
        self.fraction = 0.0

    def advance(self, fraction: float) -> None:
        # One writer (the worker); readers see a float, replaced whole.
        if fraction > self.fraction:
            self.fraction = min(1.0, fraction)


# The job's progress and the share [start, end] of it that the running step fills.
_span: ContextVar[tuple[Progress, float, float] | None] = ContextVar("personalize_local_progress", default=None)


@contextmanager
def tracking(progress: Progress) -> Iterator[None]:
    """Reports from the work run inside go to ``progress``."""
    token = _span.set((progress, 0.0, 1.0))
    try:
        yield
    finally:
        _span.reset(token)


def report(done: float, total: float) -> None:
    """``done`` of ``total`` units of the running step are done."""
    span = _span.get()
    if span is not None and total > 0:
        progress, start, end = span
        progress.advance(start + (end - start) * min(done, total) / total)


@contextmanager
def part(index: int, count: int) -> Iterator[None]:
    """Run step ``index`` of ``count`` equal steps of the running one; it is done when the block ends."""
    span = _span.get()
    if span is None or count <= 0:
        yield
        return
    progress, start, end = span
    width = (end - start) / count
    low, high = start + width * min(index, count - 1), start + width * min(index + 1, count)
    token = _span.set((progress, low, high))
    try:
        yield
    finally:
        _span.reset(token)
    progress.advance(high)
