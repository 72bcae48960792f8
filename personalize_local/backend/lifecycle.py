"""Statuses the service's way, moved by moto's state manager.

Every Personalize resource with a status is a model of moto's state manager,
``personalize::<kind>`` (:data:`MODELS`). A create walks CREATE PENDING and
CREATE IN_PROGRESS and ends in ACTIVE or CREATE FAILED (a few jobs have statuses
of their own, :data:`OWN_CREATE_STATUSES`); a stopped training walks
CREATE STOPPING to CREATE STOPPED; a stopped recommender walks STOP PENDING and
STOP IN_PROGRESS to INACTIVE, and a started one START PENDING and START
IN_PROGRESS back to ACTIVE; a delete walks the resource's delete statuses,
and then the resource is gone.

Statuses move at one point, the backend's clock (``BackendCore.clock``), which every
call passes before it is answered; reading a status never moves it. There, calls that
observe statuses move them (:meth:`Lifecycle.step`): Describe and List calls, as on the
service, where a user's code describes in a loop until the status it waits for. Any other call (an action on the resource, a check over its siblings,
a quota count) sees the status the last observation left: right after a create
with work behind it (an import, a training, a batch job: minutes on the service),
or a delete, a stop or a start, that is still the first status of its walk, so
StopSolutionVersionCreation right after CreateSolutionVersion stops the training,
and DeleteDatasetGroup right after DeleteDataset is refused. A create with no work
behind it (a dataset group, a dataset, a solution, a campaign ...) is observed as
it is made: the service's own getting-started sample imports into a dataset and
trains a solution right after creating them. How many observations a step takes
is the state manager's to say, as for moto's own models:

- ``immediate`` (the default): an observation shows the last status there is, so the
  first describe after a create already shows ACTIVE or CREATE FAILED, and the
  first after a delete answers ResourceNotFoundException;
- ``manual`` with ``times``: the status moves on each ``times``-th describe;
- ``time`` with ``seconds``: the status moves once it is that many seconds old.

The real work (an import, a training) starts in a worker with the create. No
status steps past the last working one before that work is done. Only a describe
waits for that work, of the resource it names, within the call's budget
(:func:`wait_budget`, well under the SDKs' 60-second read timeout); longer work
honestly shows CREATE IN_PROGRESS until it is done. A List shows each status as far
as it has got now and never waits. Work that finishes after a call has watched its
walk lands at the next call's clock (the worker only queues it: ``on_finish``).
What the work changes (a dataset's rows, a version's model) lands in that step,
so the change and the ACTIVE status are seen together.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from moto.moto_api import state_manager
from moto.moto_api._internal.managed_state_model import ManagedState

from ..progress import Progress, tracking
from .environ import environ_value

if TYPE_CHECKING:
    from .core import Resource

log = logging.getLogger(__name__)

CREATE = ("CREATE PENDING", "CREATE IN_PROGRESS")
DELETE = ("DELETE PENDING", "DELETE IN_PROGRESS")
# API_StopSolutionVersionCreation.md: CREATE PENDING > CREATE STOPPED, CREATE IN_PROGRESS > CREATE STOPPING > CREATE STOPPED.
STOPPED = "CREATE STOPPED"
STOP = ("CREATE STOPPING",)
# API_Recommender.md: STOP PENDING > STOP IN_PROGRESS > INACTIVE > START PENDING > START IN_PROGRESS > ACTIVE.
INACTIVE = "INACTIVE"
DEACTIVATE = ("STOP PENDING", "STOP IN_PROGRESS")
ACTIVATE = ("START PENDING", "START IN_PROGRESS")


@dataclass(frozen=True)
class CreateStatuses:
    """What a create walks, and where it ends when its work succeeds or fails."""

    walk: tuple[str, str] = CREATE  # moto's first transition: (the first status, the next)
    succeeded: str = "ACTIVE"
    failed: str = "CREATE FAILED"


# Models whose creates don't walk CREATE PENDING > CREATE IN_PROGRESS > ACTIVE or CREATE FAILED.
OWN_CREATE_STATUSES: dict[str, CreateStatuses] = {
    # API_CreateDataDeletionJob: PENDING > IN_PROGRESS > COMPLETED or FAILED.
    "data_deletion_job": CreateStatuses(("PENDING", "IN_PROGRESS"), "COMPLETED", "FAILED"),
}
# Where a create, a stop or a start ends: no status moves on from these by itself.
SETTLED = frozenset(
    {"ACTIVE", "CREATE FAILED", STOPPED, INACTIVE}
    | {end for own in OWN_CREATE_STATUSES.values() for end in (own.succeeded, own.failed)}
)
# Each model's delete statuses, from the guide's status lists: a dataset group has no DELETE IN_PROGRESS,
# and jobs and solution versions are never deleted on their own.
MODELS: dict[str, tuple[str, ...]] = {
    "dataset_group": ("DELETE PENDING",),
    "dataset": DELETE,
    "dataset_import_job": (),
    "solution": DELETE,
    "solution_version": (),
    "campaign": DELETE,
    "event_tracker": DELETE,
    # API_Filter.md lists no statuses: a filter's are those most resources have.
    "filter": DELETE,
    "recommender": DELETE,
    # frequently-asked-questions.md: "You can't delete batch inference jobs"; nor batch segment jobs.
    "batch_inference_job": (),
    "batch_segment_job": (),
    "dataset_export_job": (),
    "data_deletion_job": (),
    # Nor does API_MetricAttribution.md.
    "metric_attribution": DELETE,
}
PREFIX = "personalize::"
for _model in MODELS:
    state_manager.register_default_transition(f"{PREFIX}{_model}", {"progression": "immediate"})

# The status of a resource whose delete has finished: it is no longer there to describe.
GONE = "GONE"
# Why a create whose work was still running when the state was saved comes back failed.
INTERRUPTED = "The emulator stopped before this work finished (its state was saved while it ran); create it again."
# How long one API call may wait, in all, for work behind the statuses it observes: SDKs time a read out
# after 60 seconds (botocore's default), so a call answers well before. 0: never wait.
WAIT_ENV = "PERSONALIZE_LOCAL_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 20.0
# How long leaving the mock waits for a worker to notice it was cancelled.
CANCEL_PATIENCE_SECONDS = 120.0

# Told whenever work lands (a create's result applied with its final status, a delete done ...), with the
# resource, under the backend's lock, at the clock: a data directory saves what changed then. Listeners only take note.
# The flag says the landing changed the resource's status alone (no work, nothing applied): no other resource.
landing_listeners: list[Callable[["Resource", bool], None]] = []
# Told, from the worker and under the backend's lock, when work a call has watched finishes: it lands at the next
# clock, which a data directory runs at once, so work that finishes with nobody asking is kept all the same.
finish_listeners: list[Callable[["Resource"], None]] = []

_deadline: ContextVar[float | None] = ContextVar("personalize_local_deadline", default=None)
# The last value of WAIT_ENV read, and the seconds it says: the variable is read on every call, parsed once.
_wait_read: tuple[str | None, float] = (None, DEFAULT_WAIT_SECONDS)


def parse_wait_seconds(text: str, source: str = WAIT_ENV) -> float:
    """``text`` as a wait budget in seconds: a finite number, 0 or more; ValueError naming ``source`` otherwise."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"{source} must be a number of seconds, 0 or more (0: never wait), not {text!r}")
    return seconds


def wait_budget() -> float:
    """How long one API call may wait for the work behind the statuses it observes: ``PERSONALIZE_LOCAL_WAIT_SECONDS``
    (read again on every call, so a change takes effect at the next), 20 seconds without it."""
    global _wait_read
    text = environ_value(WAIT_ENV)
    if text is None:
        return DEFAULT_WAIT_SECONDS
    read, seconds = _wait_read
    if text != read:
        seconds = parse_wait_seconds(text)
        _wait_read = (text, seconds)
    return seconds


class CallBudget:
    """Bound what the API call running inside waits for work, in all (:func:`wait_budget`).

    A class rather than a generator: one is entered around every API call."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _deadline.set(time.monotonic() + wait_budget())

    def __exit__(self, *_exc: object) -> None:
        _deadline.reset(self._token)


def time_left() -> float:
    """How long the call running now may still wait for work, of its budget (all of it outside a call)."""
    deadline = _deadline.get()
    return wait_budget() if deadline is None else max(0.0, deadline - time.monotonic())


class JobFailed(Exception):
    """The work failed the way the service reports it: the message becomes ``failureReason``."""


# Work does what takes time and returns how to apply its result to the state (or None).
Apply = Callable[[], None]
Work = Callable[[], "Apply | None"]
# The job whose work runs in this worker thread (Job._run).
_running: ContextVar["Job | None"] = ContextVar("personalize_local_job", default=None)


def work_cancelled() -> bool:
    """Whether the work running in this thread was cancelled (stopped, or the mock left): nothing of it will be
    applied, so it may give up (a training in a worker process ends that process)."""
    job = _running.get()
    return job is not None and job.cancelled


class Job:
    """Work behind a status, in a worker thread: whether it failed, and how to apply its result."""

    def __init__(self, work: Work, condition: threading.Condition, on_finish: Callable[[], None]) -> None:
        self.finished = False
        self.cancelled = False
        self.failure: str | None = None
        self.apply: Apply | None = None
        self.progress = Progress()  # reported from inside the work (see progress.py)
        self._condition = condition
        self._on_finish = on_finish
        self._thread = threading.Thread(target=self._run, args=(work,), name="personalize-work", daemon=True)
        self._thread.start()

    def _run(self, work: Work) -> None:
        apply, failure = None, None
        _running.set(self)  # this thread's own context: it runs only this job
        try:
            with tracking(self.progress):
                apply = work()
        except JobFailed as error:
            failure = str(error)
        except Exception as error:  # a bug here must still end in a final status
            log.exception("work behind a status failed")
            failure = f"Internal error: {error}"
        self.progress.advance(1.0)
        with self._condition:
            self.apply, self.failure, self.finished = apply, failure, True
            self._condition.notify_all()
            if not self.cancelled:
                self._on_finish()

    def wait(self, timeout: float) -> bool:
        """Whether the work is done, waiting up to ``timeout`` seconds with the backend's lock released
        (not at all, and the lock kept, when ``timeout`` is 0)."""
        with self._condition:
            if timeout <= 0:
                return self.finished
            return self._condition.wait_for(lambda: self.finished, timeout)

    def cancel(self) -> None:
        """Nothing of the work will be applied; return once its worker has stopped."""
        self.cancelled = True
        self._thread.join(CANCEL_PATIENCE_SECONDS)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class Lifecycle(ManagedState):
    """One resource's status: a model of moto's state manager that never steps past unfinished work."""

    _status: str  # moto's may be None; a resource's status never is

    def __init__(
        self,
        model: str,
        owner: "Resource",
        condition: threading.Condition,
        on_finish: Callable[["Lifecycle"], None] | None = None,
    ) -> None:
        self._create = OWN_CREATE_STATUSES.get(model, CreateStatuses())
        super().__init__(f"{PREFIX}{model}", [self._create.walk])
        self.failure_reason: str | None = None
        self._owner = owner
        self._condition = condition
        self._deletes = MODELS[model]
        self._phase: tuple[str, ...] = self._create.walk
        self._job: Job | None = None
        # Told when work a call has watched finishes (under the lock): the backend lands it at its next clock.
        self._on_finish = on_finish
        # How long the step running now may wait for the work (Lifecycle.step).
        self._wait = 0.0
        self._apply: Apply | None = None
        self._success = "ACTIVE"
        self._outcome: str | None = None
        # Whether a call has observed the status since its walk began: only then may finished work land by itself.
        self._seen = False
        # The status and reason before a delete began: where an unfinished delete leaves the resource.
        self._before_delete: tuple[str, str | None] = ("ACTIVE", None)

    @classmethod
    def settled(
        cls, model: str, owner: "Resource | None", condition: threading.Condition, status: str, failure_reason: str | None
    ) -> "Lifecycle":
        """A lifecycle read back from saved state: in ``status`` for good, no work behind it."""
        lifecycle = cls(model, owner, condition)  # type: ignore[arg-type]  # the owner comes with its record (Lifecycles.fill)
        lifecycle._phase, lifecycle._success = (), status
        lifecycle._status, lifecycle._outcome, lifecycle.failure_reason = status, status, failure_reason
        return lifecycle

    def resumable(self) -> tuple[str, str | None]:
        """The status (and failure reason) to save: where this resource stands in a process started afresh.

        Settled statuses stay. Work can't outlive its process, so a create still walking its statuses
        fails (:data:`INTERRUPTED`); stops and starts end where they were going; a delete not yet done is undone.
        """
        if self._status not in self._phase:
            return self._status, self.failure_reason
        if self._phase == self._create.walk:
            return self._create.failed, INTERRUPTED
        if self._success == GONE:
            return self._before_delete
        return self._success, None

    # Phases ------------------------------------------------------------------
    def create(self, work: Work | None = None, apply: Apply | None = None) -> Job | None:
        """Start the create statuses; ``work`` runs now in a worker, ``apply`` lands with ACTIVE (or COMPLETED ...)."""
        with self._condition:  # the worker reports under this lock: it must find its job set
            self._begin(self._create.walk, self._create.succeeded, apply)
            if work is not None:
                self._job = Job(work, self._condition, self._work_done)
            else:
                self.step()  # nothing to wait for: observed as it is made (an immediate status lands now)
            return self._job

    def delete(self, remove: Apply) -> None:
        """Start the delete statuses; ``remove`` takes the resource away after the last of them, once observed."""
        self._before_delete = (self._status, self.failure_reason)
        self._begin(self._deletes, GONE, remove)

    def _begin(self, phase: tuple[str, ...], success: str, apply: Apply | None) -> None:
        """Walk ``phase``, then settle in ``success`` (applying ``apply``); an empty phase settles at once."""
        self._phase, self._success, self._apply = phase, success, apply
        self._job, self._outcome, self.failure_reason, self._seen = None, None if phase else success, None, False
        self._status, self._tick, self._time_progressed = phase[0] if phase else success, 0, datetime.now()
        if not phase and apply is not None:
            apply()
        self._owner.last_updated_date_time = datetime.now(timezone.utc)

    def stop(self) -> None:
        """Stop the work and walk the stop statuses: nothing of the work will be applied."""
        if self._job is not None:
            self._job.cancelled = True  # its worker finishes on its own; leaving the mock joins it
        self._begin(() if self._status == CREATE[0] else STOP, STOPPED, None)

    def deactivate(self) -> None:
        """Walk the stop statuses to INACTIVE (StopRecommender); nothing is lost, starting again serves as before."""
        self._begin(DEACTIVATE, INACTIVE, None)

    def activate(self) -> None:
        """Walk the start statuses back to ACTIVE (StartRecommender)."""
        self._begin(ACTIVATE, "ACTIVE", None)

    def recover(self) -> None:
        """A resource whose creation failed, made good by an update: ACTIVE from now on."""
        if self._status == "CREATE FAILED":
            self._begin((), "ACTIVE", None)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def abandon(self) -> None:
        """Nothing of the work will be applied; its worker finishes on its own (a create taken back)."""
        if self._job is not None:
            self._job.cancelled = True

    # Reading -----------------------------------------------------------------
    @property
    def owner(self) -> "Resource":
        return self._owner

    @property
    def progress(self) -> float:
        """How far the work behind the status has got: 1.0 once it is done, or when there is none. Never waits."""
        return self._job.progress.fraction if self._job is not None else 1.0

    @property  # type: ignore[misc]  # moto's has a setter; statuses here move only by their walk
    def status(self) -> str:
        """The status, as the last step left it: reading it changes nothing."""
        return self._status

    def step(self, wait: float = 0.0) -> None:
        """A call observes the status (the clock's, for a Describe or a List): it moves on as moto's progression
        says, waiting up to ``wait`` seconds (the lock released) for unfinished work behind it."""
        before = self._status
        if before not in self._phase:
            return  # settled: no progression moves it, so moto's state manager is not asked
        self._seen, self._wait = True, wait
        try:
            after = ManagedState.status.fget(self)  # type: ignore[attr-defined]  # moto's property, past this override
        finally:
            self._wait = 0.0
        if after != before:
            self._owner.last_updated_date_time = datetime.now(timezone.utc)

    def _work_done(self) -> None:
        """The worker finished (under the lock): if a call has already watched the walk, the steps it earned were
        held only by the work, which lands at the next clock; else it lands with the next observation."""
        if self._seen and self._on_finish is not None:
            self._on_finish(self)

    def _get_next_status(self, previous: str | None) -> str | None:
        if previous not in self._phase:
            return previous  # settled statuses and GONE stay
        position = self._phase.index(previous)
        if position + 1 < len(self._phase):
            return self._phase[position + 1]
        return self._step_out() or previous

    def _step_out(self) -> str | None:
        """The status after the phase's last: None while its work is not done. Applies the work once."""
        job = self._job
        if self._outcome is None and job is not None and not job.wait(self._wait):
            return None
        # Checked again after the wait: another reader may have stepped out meanwhile.
        if self._outcome is None:
            failure = job.failure if job is not None else None
            if failure is None:
                failure = _applied(job.apply if job else None, self._apply)
            self.failure_reason = failure
            self._outcome = self._success if failure is None else self._create.failed
            alone = job is None and self._apply is None
            for listener in landing_listeners:
                listener(self._owner, alone)
        return self._outcome


def _applied(*applies: Apply | None) -> str | None:
    """Apply each in turn; the reason, if one fails the way the service reports it (a batch job's bucket gone)."""
    try:
        for apply in applies:
            if apply is not None:
                apply()
    except JobFailed as error:
        return str(error)
    return None
