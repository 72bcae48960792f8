"""What every resource family shares: ARNs, timestamps, the resource registry, paging and tags."""
from __future__ import annotations

import base64
import binascii
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, TypeVar

from moto.core.base_backend import BaseBackend

from ..wire.errors import (
    InvalidNextTokenException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    TooManyTagsException,
)

DEFAULT_PAGE_SIZE = 100
# tagging-resources.md: a resource carries at most this many tags.
MAX_TAGS = 50


def now() -> datetime:
    return datetime.now(timezone.utc)


def short_id() -> str:
    """The 8-hex-digit suffix the service gives versions and trackers."""
    return uuid.uuid4().hex[:8]


@dataclass
class Resource:
    """A resource with the members every Personalize resource has."""

    arn: str
    name: str
    status: str = "ACTIVE"
    creation_date_time: datetime = field(default_factory=now)
    last_updated_date_time: datetime = field(default_factory=now)
    failure_reason: str | None = None

    def set_status(self, status: str, failure_reason: str | None = None) -> None:
        self.status = status
        self.failure_reason = failure_reason
        self.last_updated_date_time = now()

    @property
    def busy(self) -> bool:
        """Still being created, updated or deleted: a dependent resource may not use it yet."""
        return self.status not in ("ACTIVE", "CREATE FAILED")


R = TypeVar("R", bound=Resource)


class BackendCore(BaseBackend):
    """One account's Personalize in one region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # One lock for the region's state: API calls and background jobs both take it.
        self.lock = threading.RLock()
        self.resources: dict[str, dict[str, Resource]] = {}
        self.tags: dict[str, list[dict[str, str]]] = {}

    # ARNs ------------------------------------------------------------------
    def arn(self, kind: str, *parts: str) -> str:
        return f"arn:aws:personalize:{self.region_name}:{self.account_id}:{kind}/{'/'.join(parts)}"

    # Registry --------------------------------------------------------------
    def table(self, kind: str) -> dict[str, Resource]:
        return self.resources.setdefault(kind, {})

    def add(self, kind: str, resource: R, tags: list[dict[str, str]] | None = None) -> R:
        existing = self.table(kind)
        if resource.arn in existing:
            raise ResourceAlreadyExistsException.for_arn(resource.arn)
        if tags and len(tags) > MAX_TAGS:
            raise TooManyTagsException(f"Value at 'tags' has {len(tags)} tags; a resource can have at most {MAX_TAGS}.")
        existing[resource.arn] = resource
        if tags:
            self.tags[resource.arn] = list(tags)
        return resource

    def get(self, kind: str, arn: str) -> Any:
        try:
            return self.table(kind)[arn]
        except KeyError:
            raise ResourceNotFoundException.for_arn(arn) from None

    def get_active(self, kind: str, arn: str) -> Any:
        """The resource, which must be ACTIVE to be used by another."""
        resource = self.get(kind, arn)
        if resource.status != "ACTIVE":
            raise ResourceInUseException(f"Resource Arn {arn} is not in ACTIVE state (it is {resource.status}).")
        return resource

    def get_settled(self, kind: str, arn: str) -> Any:
        """The resource, which must not be mid-create or mid-delete to be deleted."""
        resource = self.get(kind, arn)
        if resource.busy:
            raise ResourceInUseException(
                f"Resource Arn {arn} is {resource.status}; it can be deleted once it is ACTIVE or CREATE FAILED."
            )
        return resource

    def list_page(
        self, kind: str, member: str, next_token: str | None, max_results: int | None, **parents: str | None
    ) -> dict[str, Any]:
        """A List answer: summaries of ``kind`` under ``member``, newest first, of the given parents (None: any)."""
        found = self.find(kind, lambda r: all(arn in (None, getattr(r, attr)) for attr, arn in parents.items()))
        page, token = paginate(newest_first(found), next_token, max_results)
        return {member: [r.summary() for r in page], "nextToken": token}

    def remove(self, kind: str, arn: str) -> None:
        self.table(kind).pop(arn, None)
        self.tags.pop(arn, None)

    def find(self, kind: str, predicate: Callable[[Any], bool] = lambda _r: True) -> list[Any]:
        return [r for r in self.table(kind).values() if predicate(r)]

    def refuse_if_used(self, arn: str, users: Iterable[Resource], what: str) -> None:
        """ResourceInUseException naming a dependent resource, if there is one."""
        user = next(iter(users), None)
        if user is not None:
            raise ResourceInUseException(f"Cannot delete {arn}: {what} {user.arn} still uses it.")


def paginate(items: list[Any], next_token: str | None, max_results: int | None) -> tuple[list[Any], str | None]:
    """A page of ``items`` (newest first, as the service lists) and the token for the next one."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidNextTokenException(f"Invalid next token: {next_token}") from None
        if not 0 <= start <= len(items):
            raise InvalidNextTokenException(f"Invalid next token: {next_token}")
    size = max_results or DEFAULT_PAGE_SIZE
    page = items[start : start + size]
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return page, token


def newest_first(resources: Iterable[Resource]) -> list[Any]:
    return sorted(resources, key=lambda r: r.creation_date_time, reverse=True)
