"""One kind of resource, by ARN: the typed store a service owns, and the reads and writes every family shares."""
from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, TypeVar

from ..errors import ResourceAlreadyExistsException, ResourceInUseException, ResourceNotFoundException, TooManyTagsException
from .core import MAX_TAGS, BackendCore, Resource, check_tags, newest_first, paginate
from .lifecycle import GONE, Apply, Work

R = TypeVar("R", bound=Resource)


class Store(Generic[R]):
    """The resources of one kind (``dataset``, ``solution-version`` ...), which one service makes and changes;
    other families read it. Reading changes nothing: statuses move at the backend's clock (core.py).

    Its table is the backend's ``resources[kind]``, where saved state reads and writes it."""

    def __init__(self, core: BackendCore, kind: str) -> None:
        self.core, self.kind = core, kind

    @property
    def table(self) -> dict[str, R]:
        """The backend's table of this kind (restoring saved state puts new tables in place)."""
        return self.core.table(self.kind)  # type: ignore[return-value]  # the table holds this kind's resources only

    def arn(self, *parts: str) -> str:
        return self.core.arn(self.kind, *parts)

    def add(self, resource: R, tags: list[dict[str, str]] | None = None) -> R:
        table = self.table
        if resource.arn in table:
            raise ResourceAlreadyExistsException.for_arn(resource.arn)
        if tags and len(tags) > MAX_TAGS:
            raise TooManyTagsException(f"Value at 'tags' has {len(tags)} tags; a resource can have at most {MAX_TAGS}.")
        check_tags(tags or [])
        table[resource.arn] = resource
        self.core.made += 1
        if tags:
            self.core.tags[resource.arn] = list(tags)
        return resource

    def start(self, resource: R, work: Work | None = None, apply: Apply | None = None) -> None:
        """Walk ``resource`` through the create statuses of its kind's model, ``work`` running behind them."""
        self.core.start(self.kind, resource, work, apply)

    def start_delete(self, resource: R, remove: Apply | None = None) -> None:
        """Walk ``resource`` through its delete statuses; then ``remove`` it (by default, from this store)."""
        resource.started.delete(remove or (lambda: self.remove(resource.arn)))

    def remove(self, arn: str) -> None:
        self.table.pop(arn, None)
        self.core.tags.pop(arn, None)

    # Reads -------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[R]:
        """Every resource, a delete that ended or not (saved state, metrics): a copy, so a call may change the table."""
        return iter(list(self.table.values()))

    def get(self, arn: str) -> R:
        """The resource ``arn``; ResourceNotFoundException if there is none (or its delete has ended)."""
        resource = self.table.get(arn)
        if resource is None or resource.status == GONE:
            raise ResourceNotFoundException.for_arn(arn)
        return resource

    def observe(self, arn: str) -> R:
        """The resource a describe names, as the call's clock left it (core.py: a describe steps it there)."""
        return self.get(arn)

    def require_active(self, arn: str) -> R:
        """The resource, which another may use only once it is ACTIVE."""
        resource = self.get(arn)
        if resource.status != "ACTIVE":
            raise ResourceInUseException(f"Resource Arn {arn} is not in ACTIVE state (it is {resource.status}).")
        return resource

    def require_settled(self, arn: str) -> R:
        """The resource, which may be changed or deleted only once its create has ended (ACTIVE, CREATE FAILED ...)."""
        resource = self.get(arn)
        if resource.busy:
            raise ResourceInUseException(
                f"Resource Arn {arn} is {resource.status}; it can be changed once it is ACTIVE or CREATE FAILED."
            )
        return resource

    def find(self, predicate: Callable[[R], bool] = lambda _r: True) -> list[R]:
        """The resources for which ``predicate`` holds (a delete that ended leaves none behind)."""
        return [r for r in self.table.values() if predicate(r) and r.status != GONE]

    def list_page(self, member: str, next_token: str | None, max_results: int | None, **parents: str | None) -> dict[str, Any]:
        """A List answer: summaries under ``member``, newest first, of the given parents (None: any)."""
        found = self.find(lambda r: all(arn in (None, getattr(r, attr)) for attr, arn in parents.items()))
        page, token = paginate(newest_first(found), next_token, max_results, "arn", {"list": member, **parents})
        return {member: [r.summary() for r in page], "nextToken": token}


class Watched(Generic[R]):
    """Whether any resource of a store may need the clock (a solution with a schedule, a campaign that follows its
    solution's versions), known without reading the table on every call, as most worlds hold none.

    What ``picks`` held for, read again when the tables are put in place (a restore) or a resource is made, and what
    was :meth:`mark`-ed since (a change to a resource already there). Once any is known, :meth:`found` reads the table
    as before: a resource that no longer picks costs the old scan, never a miss."""

    def __init__(self, store: Store[R], picks: Callable[[R], bool]) -> None:
        self.store, self.picks = store, picks
        self._resources: dict[str, dict[str, Resource]] | None = None  # the backend's tables, as last read
        self._made = -1
        self._any = False

    def mark(self, resource: R) -> None:
        """``resource`` was changed in a way that may make ``picks`` hold."""
        if self.picks(resource):
            self._any = True

    def found(self) -> list[R]:
        """The resources for which ``picks`` holds (as :meth:`Store.find`), read only if there may be any."""
        core = self.store.core
        resources, made = core.resources, core.made
        if resources is not self._resources or made != self._made:  # restored, or a resource was made: read again
            kept = self._any and resources is self._resources
            self._any = kept or any(self.picks(r) for r in self.store.table.values())
            self._resources, self._made = resources, made
        return self.store.find(self.picks) if self._any else []
