"""Long work behind a resource's status: asynchronous like the service, or synchronous for fast tests.

Create calls return at once with CREATE PENDING; a worker moves the resource to
CREATE IN_PROGRESS, does the work and ends in ACTIVE or CREATE FAILED. A campaign
update goes the same way (API_CampaignUpdateSummary.md). Deletes go through
DELETE PENDING. ``PERSONALIZE_LOCAL_SYNC=1`` (or :func:`set_synchronous`)
makes every transition happen inside the call that starts it.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

from .core import Resource

log = logging.getLogger(__name__)

# How long a resource stays PENDING before its worker starts, so clients can see the state.
PENDING_SECONDS = 0.05


class JobFailed(Exception):
    """The work failed the way the service reports it: the message becomes ``failureReason``."""


_synchronous = os.environ.get("PERSONALIZE_LOCAL_SYNC", "").lower() in ("1", "true", "yes")


def set_synchronous(flag: bool = True) -> None:
    """Make every create, update and delete finish inside its own API call."""
    global _synchronous
    _synchronous = flag


def is_synchronous() -> bool:
    return _synchronous


def _run(lock: threading.RLock, resource: Resource, work: Callable[[], None]) -> None:
    with lock:
        resource.set_status("CREATE IN_PROGRESS")
    try:
        work()
    except JobFailed as failure:
        with lock:
            resource.set_status("CREATE FAILED", str(failure))
        return
    except Exception as error:  # a bug here must still leave the resource in a final state
        log.exception("work for %s failed", resource.arn)
        with lock:
            resource.set_status("CREATE FAILED", f"Internal error: {error}")
        return
    with lock:
        resource.set_status("ACTIVE")


def start(lock: threading.RLock, resource: Resource, work: Callable[[], None]) -> None:
    """Run ``work`` for ``resource`` (CREATE PENDING now), in the background unless synchronous."""
    resource.set_status("CREATE PENDING")
    if _synchronous:
        _run(lock, resource, work)
        return

    def later() -> None:
        time.sleep(PENDING_SECONDS)
        _run(lock, resource, work)

    threading.Thread(target=later, name="personalize-create", daemon=True).start()


def delete(lock: threading.RLock, resource: Resource, remove: Callable[[], None]) -> None:
    """Mark ``resource`` DELETE PENDING and remove it, in the background unless synchronous."""
    resource.set_status("DELETE PENDING")
    if _synchronous:
        remove()
        return

    def later() -> None:
        time.sleep(PENDING_SECONDS)
        with lock:
            remove()

    threading.Thread(target=later, name="personalize-delete", daemon=True).start()
