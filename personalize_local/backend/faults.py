"""Faults armed for tests, per account and region: calls throttled, creations failed, imports failed at a row.

The service can't fail on demand; code under test has failure paths all the same. A fault is armed
(personalize_local/faults.py in-process, ``/personalize-local/faults`` on the server) and used up by
the calls it matches, each one ``times`` times:

- :class:`Throttle`: the operation's next calls answer ThrottlingException (which botocore retries)
  or, where the operation models it, LimitExceededException, before the operation runs;
- :class:`FailedCreation`: the next create of that operation (of a resource so named, if a name is
  given) walks its statuses as always and ends CREATE FAILED with the reason;
- :class:`BadRow`: the next import job reading the dataset (any, if none is given) fails as if the
  row were invalid, unless the data fails for real at an earlier row.

Faults are kept in a moto ``BackendDict``, as the backends are: moto's reset (and the mock's start
and exit) clears them, and loading a snapshot leaves them be.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, ContextManager, TypeVar, Union

from moto.core.base_backend import BackendDict, BaseBackend

from ..data.csv_import import DataImportError
from ..errors import LimitExceededException, ServiceError, ThrottlingException
from ..service_models import SERVICES, service_model
from .lifecycle import Apply, JobFailed, Work

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from .core import Resource

THROTTLING = "ThrottlingException"
# What a throttle answers, by code: ThrottlingException any AWS API may answer (no model lists it);
# the others only an operation whose model lists them.
THROTTLE_ERRORS: dict[str, tuple[type[ServiceError], str]] = {
    THROTTLING: (ThrottlingException, "Rate exceeded"),
    "LimitExceededException": (LimitExceededException, "The request rate of this account exceeds its limit."),
}
UNMODELED = frozenset({THROTTLING})
DEFAULT_CREATION_REASON = "The creation failed: a fault injected with fail_creation."
DEFAULT_ROW_PROBLEM = "the row is invalid: a fault injected with fail_import."


@lru_cache(maxsize=None)
def operations() -> dict[str, OperationModel]:
    """Every operation of the three services by name (no name is in two of them)."""
    return {name: service_model(s).operation_model(name) for s in SERVICES for name in service_model(s).operation_names}


@lru_cache(maxsize=None)
def creations() -> tuple[str, ...]:
    """The creates a fault can fail: of resources with a status, as the service's Describe of them shows."""
    model = service_model("personalize")

    def has_status(describe: str) -> bool:
        if describe not in model.operation_names:
            return False
        (resource,) = model.operation_model(describe).output_shape.members.values()
        return "status" in resource.members

    return tuple(sorted(op for op in model.operation_names if op.startswith("Create") and has_status("Describe" + op[6:])))


def _count(value: object, field: str, least: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ValueError(f"{field} must be a whole number, {least} or more, not {value!r}")
    return value


def _text(value: object, field: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field} must be {'a string or None' if optional else 'a string'}, not {value!r}")
    return value


@dataclass
class Throttle:
    """The operation's next ``times`` calls answer ``error`` before the operation runs."""

    operation: str
    times: int = 1
    error: str = THROTTLING

    def __post_init__(self) -> None:
        model = operations().get(_text(self.operation, "operation") or "")
        if model is None:
            raise ValueError(f"operation {self.operation!r} is no operation of {', '.join(SERVICES)}")
        _count(self.times, "times")
        modeled = {shape.name for shape in model.error_shapes}
        allowed = sorted(code for code in THROTTLE_ERRORS if code in UNMODELED | modeled)
        if self.error not in allowed:
            raise ValueError(f"error {self.error!r} is not one {self.operation} can answer when throttled: {' or '.join(allowed)}")

    def raise_error(self) -> None:
        kind, message = THROTTLE_ERRORS[self.error]
        raise kind(message)


@dataclass
class FailedCreation:
    """The operation's next ``times`` creates (of a resource named ``name``, if given) end CREATE FAILED with ``reason``."""

    operation: str
    reason: str = DEFAULT_CREATION_REASON
    name: str | None = None
    times: int = 1

    def __post_init__(self) -> None:
        if self.operation not in creations():
            raise ValueError(f"operation {self.operation!r} creates no resource with a status: one of {', '.join(creations())}")
        _text(self.reason, "reason")
        _text(self.name, "name", optional=True)
        _count(self.times, "times")

    def fail(self) -> None:
        raise JobFailed(self.reason)


@dataclass
class BadRow:
    """The next ``times`` import jobs reading ``dataset_arn`` (any dataset if None) fail as if ``row`` of their first
    file were invalid (the header is row 1), in ``column`` (the schema's first field if None)."""

    row: int
    reason: str | None = None
    column: str | None = None
    dataset_arn: str | None = None
    times: int = 1

    def __post_init__(self) -> None:
        _count(self.row, "row")
        for field in ("reason", "column", "dataset_arn"):
            _text(getattr(self, field), field, optional=True)
        _count(self.times, "times")

    def error(self, file: str, first_field: str) -> DataImportError:
        return DataImportError(file, self.row, self.column or first_field, self.reason or DEFAULT_ROW_PROBLEM)


Fault = Union[Throttle, FailedCreation, BadRow]
F = TypeVar("F", Throttle, FailedCreation, BadRow)
# The kinds by the name users arm them with (the Python methods, the server's JSON).
KINDS: dict[str, type[Fault]] = {"throttle": Throttle, "fail_creation": FailedCreation, "fail_import": BadRow}
NAMES = {kind: name for name, kind in KINDS.items()}


class FaultPlan(BaseBackend):
    """The faults armed for one account in one region, in the order they were armed."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.Lock()  # calls use faults up from the server's threads
        self.faults: list[Fault] = []

    def arm(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def take(self, kind: type[F], matches: Callable[[F], bool]) -> F | None:
        """The first armed fault of ``kind`` that ``matches``, used once: gone once used ``times`` times."""
        with self.lock:
            for fault in self.faults:
                if isinstance(fault, kind) and matches(fault):
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"kind": NAMES[type(f)], **dataclasses.asdict(f)} for f in self.faults]

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()


# moto's BackendDict: moto's reset clears it with every backend (the mock's start and exit, /moto-api/reset).
fault_plans: BackendDict[FaultPlan] = BackendDict(FaultPlan, "personalize")


def plan(account_id: str, region: str) -> FaultPlan:
    """The faults of an account's region, made if need be (any region name, as the backend serves any)."""
    regions = fault_plans[account_id]
    if region not in regions:
        regions[region] = FaultPlan(region, account_id)
    return regions[region]


def _armed(account_id: str, region: str) -> FaultPlan | None:
    """The caller's faults if any are armed: a dict read or two, with no lock, on every call."""
    regions = dict.get(fault_plans, account_id)
    found = None if regions is None else dict.get(regions, region)
    return found if found is not None and found.faults else None


# The faults of the call running now and its operation: what the backend's creates look at.
_calling: ContextVar[tuple[FaultPlan, str] | None] = ContextVar("personalize_local_faults", default=None)
_NOTHING_ARMED = contextlib.nullcontext()


class _During:
    """Within: the call's faults, for its creates. A class rather than a generator: cheaper, around every call."""

    __slots__ = ("_current", "_token")

    def __init__(self, found: FaultPlan, operation: str) -> None:
        self._current = (found, operation)

    def __enter__(self) -> None:
        self._token = _calling.set(self._current)

    def __exit__(self, *_exc: object) -> None:
        _calling.reset(self._token)


def calling(account_id: str, region: str, operation: str) -> ContextManager[Any]:
    """Around one call: raises the error of a throttle armed for it; within, its creates meet the faults armed."""
    found = _armed(account_id, region)
    if found is None:
        return _NOTHING_ARMED
    throttle = found.take(Throttle, lambda t: t.operation == operation)
    if throttle is not None:
        throttle.raise_error()
    return _During(found, operation)


def creating(resource: Resource, work: Work | None, apply: Apply | None) -> tuple[Work | None, Apply | None]:
    """The work and the result to apply behind a create of the call running now: failing, if a fault says so.
    The create walks its statuses as always; what fails is its work, or (with none) what it applies."""
    current = _calling.get()
    if current is None:
        return work, apply
    found, operation = current
    fault = found.take(FailedCreation, lambda f: f.operation == operation and f.name in (None, resource.name))
    if fault is None:
        return work, apply
    return (fault.fail, None) if work is not None else (None, fault.fail)


def bad_row(dataset_arn: str, files: list[tuple[str, bytes]] | Exception, first_field: str) -> DataImportError | None:
    """The failure an import job of the call running now is to meet, reading ``files`` into ``dataset_arn``: at the
    row a fault names, in the first file. None without such a fault, or without a file to name (it fails anyway)."""
    current = _calling.get()
    if current is None:
        return None
    fault = current[0].take(BadRow, lambda b: b.dataset_arn in (None, dataset_arn))
    if fault is None or isinstance(files, Exception) or not files:
        return None
    return fault.error(files[0][0], first_field)


def first_failure(real: Exception, injected: DataImportError | None) -> Exception:
    """The failure an import reports, reading its files in order: the injected row's, unless the data fails earlier."""
    if injected is None or not isinstance(real, DataImportError):
        return real
    return real if real.file == injected.file and real.row <= injected.row else injected
