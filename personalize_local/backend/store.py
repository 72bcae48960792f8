"""One kind of resource, by ARN: the typed store a service owns, and the reads and writes every family shares."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, TypeVar

from ..errors import ResourceInUseException
from .lifecycle import Apply, Work

if TYPE_CHECKING:
    from .core import BackendCore, Resource

R = TypeVar("R", bound="Resource")


class Store(Generic[R]):
    """The resources of one kind (``dataset``, ``solution-version`` ...), which one service makes and changes.

    Its table is the backend's ``resources[kind]``, where saved state reads and writes it."""

    def __init__(self, core: BackendCore, kind: str) -> None:
        self.core, self.kind = core, kind
        self.table: dict[str, R] = core.table(kind)  # type: ignore[assignment]  # the backend's table of this kind

    def arn(self, *parts: str) -> str:
        return self.core.arn(self.kind, *parts)

    def add(self, resource: R, tags: list[dict[str, str]] | None = None) -> R:
        return self.core.add(self.kind, resource, tags)

    def start(self, resource: R, work: Work | None = None, apply: Apply | None = None) -> None:
        """Walk ``resource`` through the create statuses of its kind's model, ``work`` running behind them."""
        self.core.start(self.kind, resource, work, apply)

    def start_delete(self, resource: R, remove: Apply | None = None) -> None:
        """Walk ``resource`` through its delete statuses; then ``remove`` it (by default, from this store)."""
        self.core.start_delete(self.kind, resource, remove)

    def remove(self, arn: str) -> None:
        self.core.remove(self.kind, arn)

    # Reads -------------------------------------------------------------------------------
    def get(self, arn: str) -> R:
        """The resource ``arn``; ResourceNotFoundException if there is none (or its delete has ended)."""
        found: R = self.core.get(self.kind, arn)
        return found

    def observe(self, arn: str) -> R:
        """The resource as a describe of it sees it."""
        found: R = self.core.observe(self.kind, arn)
        return found

    def require_active(self, arn: str) -> R:
        """The resource, which another may use only once it is ACTIVE."""
        found: R = self.core.require_active(self.kind, arn)
        return found

    def require_settled(self, arn: str) -> R:
        """The resource, which may be changed or deleted only once its create has ended (ACTIVE, CREATE FAILED ...)."""
        found: R = self.core.require_settled(self.kind, arn)
        return found

    def find(self, predicate: Callable[[R], bool] = lambda _r: True) -> list[R]:
        """The resources for which ``predicate`` holds (a delete that ended leaves none behind)."""
        return self.core.find(self.kind, predicate)

    def list_page(self, member: str, next_token: str | None, max_results: int | None, **parents: str | None) -> dict[str, Any]:
        """A List answer: summaries under ``member``, newest first, of the given parents (None: any)."""
        return self.core.list_page(self.kind, member, next_token, max_results, **parents)


def refuse_if_used(arn: str, users: Iterable[Resource], what: str) -> None:
    """ResourceInUseException naming a dependent resource, if there is one."""
    user = next(iter(users), None)
    if user is not None:
        raise ResourceInUseException(f"Cannot delete {arn}: {what} {user.arn} still uses it.")
