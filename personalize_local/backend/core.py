"""What every resource family shares: ARNs, timestamps, the resource registry, paging and tags."""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, TypeVar

from botocore import xform_name
from moto.core.base_backend import BaseBackend
from moto.core.exceptions import InvalidToken
from moto.utilities.paginator import Paginator

from ..data.s3 import split_location
from ..errors import (
    InvalidInputException,
    InvalidNextTokenException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    TooManyTagsException,
)
from . import faults
from .lifecycle import GONE, SETTLED, Apply, CallBudget, Job, Lifecycle, Work, finish_listeners, time_left


log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100
# tagging-resources.md: a resource carries at most this many tags.
MAX_TAGS = 50
RESERVED_TAG_PREFIX = "aws:"
# The calls that observe statuses, moving them on at the clock (lifecycle.py): by the operation's name, as on the service.
DESCRIBE, LIST = "Describe", "List"


def now() -> datetime:
    return datetime.now(timezone.utc)


def short_id() -> str:
    """The 8-hex-digit suffix the service gives versions and trackers."""
    return uuid.uuid4().hex[:8]


@dataclass(kw_only=True)
class Resource:
    """A resource with the members every Personalize resource has; its status, if it has one, moves by its lifecycle."""

    arn: str
    name: str
    creation_date_time: datetime = field(default_factory=now)
    last_updated_date_time: datetime = field(default_factory=now)
    lifecycle: Lifecycle | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        return self.lifecycle.status if self.lifecycle else "ACTIVE"

    @property
    def failure_reason(self) -> str | None:
        return self.lifecycle.failure_reason if self.lifecycle else None

    @property
    def started(self) -> Lifecycle:
        """Its lifecycle, which :meth:`BackendCore.start` gave it (every resource with a status: a schema has none)."""
        assert self.lifecycle is not None, f"{self.arn} has no status to move"
        return self.lifecycle

    @property
    def busy(self) -> bool:
        """Still being created, updated or deleted: a dependent resource may not use it yet."""
        return self.status not in SETTLED


R = TypeVar("R", bound=Resource)


class BackendCore(BaseBackend):
    """One account's Personalize in one region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # One lock for the region's state: API calls and workers both take it; waits for work release it.
        self.lock = threading.RLock()
        self.condition = threading.Condition(self.lock)
        self.resources: dict[str, dict[str, Resource]] = {}
        self.tags: dict[str, list[dict[str, str]]] = {}
        self.jobs: list[Job] = []
        # Writes to moto's other services (S3, CloudWatch) waiting for an API call to make them.
        self.outbox: list[Apply] = []
        # Resources made so far: a read that makes one (an automatic training a describe starts) changed the state.
        self.made = 0
        # Lifecycles whose work finished after a call watched them: they land at the next clock.
        self.finished: list[Lifecycle] = []
        # Work that starts by itself when it is due (automatic training ...): looked at by every clock.
        self.scheduled: list[Callable[[], object]] = []
        # Per kind, the families whose resources use one of that kind: (what they are, the users of an ARN).
        self.dependents: dict[str, list[tuple[str, Callable[[str], Iterable[Resource]]]]] = {}

    def reset(self) -> None:
        """moto's reset (and leaving the mock): cancel the work still running, then forget everything."""
        for job in self.jobs:
            job.cancel()
        super().reset()

    def serving(self, operation: str = "", params: Mapping[str, Any] | None = None) -> Serving:
        """Around one API call (``operation``, by its name, with its input members): the region's lock, a bound on
        how long the call waits for work, the outbox sent, and the clock (:meth:`clock`) before the call is answered."""
        return Serving(self, operation, params)

    # The clock ---------------------------------------------------------------------
    def clock(self, operation: str = "", params: Mapping[str, Any] | None = None) -> None:
        """The one point where the state moves by itself, which every call passes before it is answered.

        Work a call watched that has finished lands; work that is due starts (:attr:`scheduled`); and the
        statuses a call observes step as moto's progression says: a Describe's resource (and its latest update),
        waiting for the work behind it within the call's budget, and each resource a List lists, waiting for none."""
        while self.finished:
            self.finished.pop(0).step()
        for scheduled in self.scheduled:
            scheduled()
        if not operation.startswith((DESCRIBE, LIST)):
            return
        named = next((value for member, value in (params or {}).items() if member.endswith("Arn")), None)
        resource = self.found(named) if isinstance(named, str) else None
        if operation.startswith(DESCRIBE):
            if resource is not None:
                _observe(resource)
            return
        if resource is not None:  # the resource a List names (ListTagsForResource's, a parent): waited for, not counted
            _step(resource, wait=True)
        for listed in list(self.resources.get(_listed_kind(operation), {}).values()):
            _step(listed, wait=False)

    def land_all(self, wait: bool) -> None:
        """Step every status as a describe would (``wait``: waiting for unfinished work within a call's budget)
        or as a list would: work that is done lands with its status, rather than being saved as interrupted."""
        self.clock()
        for table in list(self.resources.values()):
            for resource in list(table.values()):
                _step(resource, wait)

    def found(self, arn: str) -> Resource | None:
        """The resource ``arn``, if there is one: of the kind its ARN says (``...:dataset/...``), or another (a solution
        version's ARN is its solution's, and a version on)."""
        found = self.resources.get(arn.split(":", 5)[-1].split("/", 1)[0], {}).get(arn)
        if found is None:
            found = next((table[arn] for table in self.resources.values() if arn in table), None)
        return found

    def _work_finished(self, lifecycle: Lifecycle) -> None:
        self.finished.append(lifecycle)
        for listener in finish_listeners:
            listener(lifecycle.owner)

    def post(self, write: Apply) -> None:
        """Write to another of moto's services (S3, CloudWatch) within the current or the next API call.

        Never from a worker: moto's reset holds moto's lock while it waits for our workers, and
        reaching any of moto's backends takes that lock. Work that finishes in a worker posts here.
        """
        self.outbox.append(write)

    def _send_outbox(self) -> None:
        while self.outbox:
            write = self.outbox.pop(0)
            try:
                write()
            except Exception:  # the output's place went away (a bucket deleted meanwhile): the call itself is fine
                log.exception("output could not be written")

    # ARNs ------------------------------------------------------------------
    def arn(self, kind: str, *parts: str) -> str:
        """The ARN of a resource made here, in the region's partition (moto's: aws, aws-cn, aws-us-gov ...)."""
        return f"arn:{self.partition}:personalize:{self.region_name}:{self.account_id}:{kind}/{'/'.join(parts)}"

    # Registry --------------------------------------------------------------
    def table(self, kind: str) -> dict[str, Resource]:
        # Every store read comes here: a plain read, rather than setdefault's new empty dict each time.
        table = self.resources.get(kind)
        if table is None:
            table = self.resources[kind] = {}
        return table

    # Lifecycles ----------------------------------------------------------------
    def start(self, kind: str, resource: Resource, work: Work | None = None, apply: Apply | None = None) -> None:
        """Walk ``resource`` through the create statuses of its kind's model, ``work`` running behind them."""
        work, apply = faults.creating(resource, work, apply)
        resource.lifecycle = Lifecycle(kind.replace("-", "_"), resource, self.condition, self._work_finished)
        job = resource.lifecycle.create(work, apply)
        if job is not None:
            self.jobs = [j for j in self.jobs if j.alive] + [job]

    def depends(self, on: str, what: str, users: Callable[[str], Iterable[Resource]]) -> None:
        """Resources of a family (``what``) use resources of kind ``on``: ``users(arn)`` finds those using ``arn``,
        and while there are any, it may not be deleted (:meth:`refuse_delete_if_used`)."""
        self.dependents.setdefault(on, []).append((what, users))

    def refuse_delete_if_used(self, kind: str, arn: str) -> None:
        """ResourceInUseException naming a resource that uses ``arn``, of kind ``kind``, if there is one."""
        for what, users in self.dependents.get(kind, ()):
            refuse_if_used(arn, users(arn), what)


class Serving:
    """BackendCore.serving: a class rather than a generator, as one is entered around every API call."""

    __slots__ = ("_backend", "_budget", "_operation", "_params")

    def __init__(self, backend: BackendCore, operation: str, params: Mapping[str, Any] | None) -> None:
        self._backend, self._budget, self._operation, self._params = backend, CallBudget(), operation, params

    def __enter__(self) -> None:
        self._backend.lock.acquire()
        try:
            self._budget.__enter__()  # a bad PERSONALIZE_LOCAL_WAIT_SECONDS raises here: the lock is not kept
        except BaseException:
            self._backend.lock.release()
            raise
        try:
            self._backend._send_outbox()
            self._backend.clock(self._operation, self._params)
        except BaseException:
            self._leave()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self._backend._send_outbox()
        finally:
            self._leave()

    def _leave(self) -> None:
        self._budget.__exit__()
        self._backend.lock.release()


def _listed_kind(operation: str) -> str:
    """The kind a List lists: ListDatasetImportJobs lists ``dataset-import-job``."""
    return xform_name(operation[len(LIST):], "-").removesuffix("s")


def _walking(resource: Resource) -> list[Lifecycle]:
    """The lifecycles a call observing ``resource`` watches: its latest update's (latestCampaignUpdate ...) and its own."""
    update = getattr(resource, "latest_update", None)
    found = [update.lifecycle] if isinstance(update, Resource) and update.lifecycle is not None else []
    return found + ([resource.lifecycle] if resource.lifecycle is not None else [])


def _step(resource: Resource, wait: bool) -> None:
    for lifecycle in _walking(resource):
        lifecycle.step(time_left() if wait else 0.0)


def _observe(resource: Resource) -> None:
    """What a describe does to the resource it names: its status and its latest update's step, waiting for their
    work; then each describe counts for moto's ``manual`` progression (the update's too), and they step again."""
    _step(resource, wait=True)
    for lifecycle in _walking(resource):
        lifecycle.advance()
    _step(resource, wait=True)


def refuse_if_used(arn: str, users: Iterable[Resource], what: str) -> None:
    """ResourceInUseException naming a dependent resource, if there is one."""
    user = next(iter(users), None)
    if user is not None:
        raise ResourceInUseException(f"Cannot delete {arn}: {what} {user.arn} still uses it.")


def check_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """personalize-managing-tags.md: keys and values may not start with aws:, which AWS keeps for itself."""
    for i, tag in enumerate(tags, start=1):
        for member in ("tagKey", "tagValue"):
            if tag.get(member, "").lower().startswith(RESERVED_TAG_PREFIX):
                raise InvalidInputException(
                    f"Value '{tag[member]}' at 'tags.{i}.member.{member}' starts with {RESERVED_TAG_PREFIX}, which AWS reserves."
                )
    return tags


def require_s3_path(value: str | None, member: str) -> str:
    """``value``, an s3:// path; InvalidInputException naming ``member`` otherwise.

    The models' pattern lets http(s):// through, but the service reads and writes only S3.
    """
    if not value:
        raise InvalidInputException(f"Value null at '{member}' failed to satisfy constraint: Member must not be null")
    if split_location(value) is None:
        raise InvalidInputException(
            f"Value '{value}' at '{member}' must be an S3 path: s3://bucket-name/folder-name/ or s3://bucket-name/file-name.csv."
        )
    return value


def paginate(
    items: list[Any], next_token: str | None, max_results: int | None, unique: str, call: Mapping[str, Any]
) -> tuple[list[Any], str | None]:
    """A page of ``items`` and the token of the next one, by moto's Paginator.

    A token names the first item of the next page by its ``unique`` attribute, so items created between pages
    (newest first, ahead of it) are neither repeated nor make others skipped; and it carries a checksum of
    ``call`` (the List operation and its filters), so a token of another call is refused, as is garbage."""
    try:
        paginator = Paginator(
            max_results=max_results,
            max_results_default=DEFAULT_PAGE_SIZE,
            starting_token=next_token or None,
            unique_attribute=unique,
            param_values_to_check=dict(call),
        )
        return paginator.paginate(items)
    # moto's own refusals, and what its decoder lets through from a token of valid base64 JSON that is not an
    # object (an earlier version's offset tokens among them) or lacks the members it reads.
    except (InvalidToken, AttributeError, LookupError, TypeError):
        raise InvalidNextTokenException(f"Invalid next token: {next_token}") from None


def newest_first(resources: Iterable[Resource]) -> list[Any]:
    return sorted(resources, key=lambda r: r.creation_date_time, reverse=True)
