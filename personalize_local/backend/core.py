"""What every resource family shares: ARNs, timestamps, the resource registry, paging and tags."""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, TypeVar

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
from .lifecycle import GONE, SETTLED, Apply, Awaiting, CallBudget, Job, Lifecycle, Observing, Work
from .store import Store, refuse_if_used

if TYPE_CHECKING:
    from .families import Families
else:
    Families = object  # the mixins of PersonalizeBackend define each of its methods; only the type checker needs it

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100
# tagging-resources.md: a resource carries at most this many tags.
MAX_TAGS = 50
RESERVED_TAG_PREFIX = "aws:"
# The calls that observe statuses, moving them on (lifecycle.py): by the operation's name, as on the service.
OBSERVING_CALLS = ("Describe", "List")


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


def land_update(update: Resource | None) -> None:
    """Read a resource's latest update's status (latestCampaignUpdate ...), which lands the update once it is
    ACTIVE; it waits for the update's work only where the call observes the resource, as a describe does."""
    if update is not None:
        update.status


def watch_update(update: Resource | None) -> None:
    """What a describe of a resource does to its latest update: watches it move too, and what the update
    brings lands with its ACTIVE."""
    if update is not None and update.lifecycle is not None:
        update.lifecycle.advance()
        update.lifecycle.touch()


R = TypeVar("R", bound=Resource)


class BackendCore(BaseBackend, Families):
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
        # Per kind, the families whose resources use one of that kind: (what they are, the users of an ARN).
        self.dependents: dict[str, list[tuple[str, Callable[[str], Iterable[Resource]]]]] = {}

    def reset(self) -> None:
        """moto's reset (and leaving the mock): cancel the work still running, then forget everything."""
        for job in self.jobs:
            job.cancel()
        super().reset()

    def serving(self, operation: str = "") -> Serving:
        """Around one API call (``operation``, by its name): the region's lock, a bound on how long the call waits
        for work, the outbox sent, and, for a Describe or a List, statuses observed."""
        return Serving(self, operation.startswith(OBSERVING_CALLS))

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
        return self.resources.setdefault(kind, {})

    def add(self, kind: str, resource: R, tags: list[dict[str, str]] | None = None) -> R:
        existing = self.table(kind)
        if resource.arn in existing:
            raise ResourceAlreadyExistsException.for_arn(resource.arn)
        if tags and len(tags) > MAX_TAGS:
            raise TooManyTagsException(f"Value at 'tags' has {len(tags)} tags; a resource can have at most {MAX_TAGS}.")
        check_tags(tags or [])
        existing[resource.arn] = resource
        self.made += 1
        if tags:
            self.tags[resource.arn] = list(tags)
        return resource

    # Lifecycles ----------------------------------------------------------------
    def start(self, kind: str, resource: Resource, work: Work | None = None, apply: Apply | None = None) -> None:
        """Walk ``resource`` through the create statuses of its kind's model, ``work`` running behind them."""
        work, apply = faults.creating(resource, work, apply)
        resource.lifecycle = Lifecycle(kind.replace("-", "_"), resource, self.condition)
        job = resource.lifecycle.create(work, apply)
        if job is not None:
            self.jobs = [j for j in self.jobs if j.alive] + [job]

    def start_delete(self, kind: str, resource: Resource, remove: Apply | None = None) -> None:
        """Walk ``resource`` through its delete statuses; then ``remove`` it (by default, from the registry)."""
        resource.started.delete(remove or (lambda: self.remove(kind, resource.arn)))

    def get(self, kind: str, arn: str) -> Any:
        """The resource ``arn``, which the call names: in a call that observes it (a describe), its status is
        read waiting (within the call's budget) for the work behind it. Reads of resources a call finds
        (:meth:`find`) never wait."""
        resource = self.table(kind).get(arn)
        if resource is None or _observed_status(resource) == GONE:
            raise ResourceNotFoundException.for_arn(arn)
        return resource

    def observe(self, kind: str, arn: str) -> Any:
        """The resource as a describe sees it: each describe counts for moto's ``manual`` progression."""
        resource = self.get(kind, arn)
        if resource.lifecycle is not None:
            resource.lifecycle.advance()
            if _observed_status(resource) == GONE:
                raise ResourceNotFoundException.for_arn(arn)
        return resource

    def require_active(self, kind: str, arn: str) -> Any:
        """The resource, which another may use only once it is ACTIVE."""
        resource = self.get(kind, arn)
        status = resource.status
        if status != "ACTIVE":
            raise ResourceInUseException(f"Resource Arn {arn} is not in ACTIVE state (it is {status}).")
        return resource

    def require_settled(self, kind: str, arn: str) -> Any:
        """The resource, which may be changed or deleted only once its create has ended (ACTIVE, CREATE FAILED ...)."""
        resource = self.get(kind, arn)
        if resource.busy:
            raise ResourceInUseException(
                f"Resource Arn {arn} is {resource.status}; it can be changed once it is ACTIVE or CREATE FAILED."
            )
        return resource

    def list_page(
        self, kind: str, member: str, next_token: str | None, max_results: int | None, **parents: str | None
    ) -> dict[str, Any]:
        """A List answer: summaries of ``kind`` under ``member``, newest first, of the given parents (None: any).

        Statuses as they are now: a List observes none of the resources it lists, so it waits for no work."""
        found = self.find(kind, lambda r: all(arn in (None, getattr(r, attr)) for attr, arn in parents.items()))
        page, token = paginate(newest_first(found), next_token, max_results, "arn", {"list": member, **parents})
        return {member: [r.summary() for r in page], "nextToken": token}

    def remove(self, kind: str, arn: str) -> None:
        self.table(kind).pop(arn, None)
        self.tags.pop(arn, None)

    def find(self, kind: str, predicate: Callable[[Any], bool] = lambda _r: True) -> list[Any]:
        """The resources of ``kind`` for which ``predicate`` holds. The statuses it (and the caller) reads
        are as they are now: a quota count or a look over siblings never waits for their work."""
        # A copy: reading a status may finish a delete, which takes the resource out of the table.
        # The predicate first: it is a cheap comparison, and reading a status may step a lifecycle.
        return [r for r in list(self.table(kind).values()) if predicate(r) and r.status != GONE]

    def store(self, kind: str) -> Store[Any]:
        """The store of ``kind``, over its table in :attr:`resources`: the service of its family keeps it."""
        return Store(self, kind)

    def depends(self, on: str, what: str, users: Callable[[str], Iterable[Resource]]) -> None:
        """Resources of a family (``what``) use resources of kind ``on``: ``users(arn)`` finds those using ``arn``,
        and while there are any, it may not be deleted (:meth:`refuse_delete_if_used`)."""
        self.dependents.setdefault(on, []).append((what, users))

    def refuse_delete_if_used(self, kind: str, arn: str) -> None:
        """ResourceInUseException naming a resource that uses ``arn``, of kind ``kind``, if there is one."""
        for what, users in self.dependents.get(kind, ()):
            refuse_if_used(arn, users(arn), what)

    def refuse_if_used(self, arn: str, users: Iterable[Resource], what: str) -> None:
        refuse_if_used(arn, users, what)


class Serving:
    """BackendCore.serving: a class rather than a generator, as one is entered around every API call."""

    __slots__ = ("_backend", "_budget", "_observing")

    def __init__(self, backend: BackendCore, observes: bool) -> None:
        self._backend, self._budget, self._observing = backend, CallBudget(), Observing() if observes else None

    def __enter__(self) -> None:
        self._backend.lock.acquire()
        try:
            self._budget.__enter__()  # a bad PERSONALIZE_LOCAL_WAIT_SECONDS raises here: the lock is not kept
        except BaseException:
            self._backend.lock.release()
            raise
        if self._observing is not None:
            self._observing.__enter__()
        try:
            self._backend._send_outbox()
        except BaseException:
            self._leave()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self._backend._send_outbox()
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._observing is not None:
            self._observing.__exit__()
        self._budget.__exit__()
        self._backend.lock.release()


def _observed_status(resource: Resource) -> str:
    """The status of the resource a call names, and of its pending update (latestCampaignUpdate ...): where the call
    observes them (a describe), each waits for the work behind it within the call's budget."""
    with Awaiting():
        update = getattr(resource, "latest_update", None)
        if isinstance(update, Resource):
            update.status
        return resource.status


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
