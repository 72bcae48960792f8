"""Faults on demand, so that the failure paths of code under test happen: calls throttled, creations
ending CREATE FAILED, imports failing at a row.

    from personalize_local import inject_faults, mock_personalize

    with mock_personalize(), inject_faults() as faults:
        faults.throttle("GetRecommendations", times=2)      # its next 2 calls: ThrottlingException
        faults.throttle("CreateCampaign", error="LimitExceededException")
        faults.fail_creation("CreateSolutionVersion", reason="Training failed.")   # ends CREATE FAILED
        faults.fail_import(row=42)                          # the next import job fails at row 42
        ...

Faults are armed for one account in one region (moto's account, and ``AWS_DEFAULT_REGION`` or
us-east-1, unless told) and used up by the calls they match (backend/faults.py says how). Leaving the
``with`` clears those still armed there; moto's reset, as the mock starts and exits, clears them all,
so arm them inside the mock. On the server: ``/personalize-local/faults`` (:func:`control`).
"""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, cast

from .backend.faults import (
    DEFAULT_CREATION_REASON,
    KINDS,
    THROTTLING,
    BadRow,
    FailedCreation,
    Fault,
    FaultPlan,
    Throttle,
    fault_plans,
    plan,
)
from .wire.dispatch import caller


class Faults:
    """Faults armed for one account in one region; a context manager that clears them on leaving."""

    def __init__(self, region: str | None = None, account_id: str | None = None) -> None:
        default = caller({}, "")  # the account moto resolves for a call that names none
        self.region = region or os.environ.get("AWS_DEFAULT_REGION") or default.region
        self.account_id = account_id or default.account_id

    def throttle(self, operation: str, times: int = 1, error: str = THROTTLING) -> None:
        """The next ``times`` calls of ``operation`` (of any of the three services) answer ``error`` and do nothing:
        ThrottlingException, which botocore retries, or LimitExceededException where the operation models it."""
        self.arm(Throttle(operation, times, error))

    def fail_creation(self, operation: str, reason: str = DEFAULT_CREATION_REASON, name: str | None = None, times: int = 1) -> None:
        """The next ``times`` creates by ``operation`` (CreateSolutionVersion, CreateCampaign ...) of a resource named
        ``name`` (any if None) walk their statuses and end CREATE FAILED, their ``failureReason`` ``reason``."""
        self.arm(FailedCreation(operation, reason, name, times))

    def fail_import(
        self, row: int, reason: str | None = None, column: str | None = None, dataset_arn: str | None = None, times: int = 1
    ) -> None:
        """The next ``times`` import jobs into ``dataset_arn`` (any dataset if None) end CREATE FAILED as if ``row`` of
        their first file were invalid (the header is row 1), in ``column`` (the schema's first field if None), for
        ``reason``; unless the data is invalid for real at an earlier row, which is then the one reported."""
        self.arm(BadRow(row, reason, column, dataset_arn, times))

    def arm(self, *faults: Fault) -> None:
        plan(self.account_id, self.region).arm(*faults)

    def armed(self) -> list[dict[str, Any]]:
        """The faults still armed here, in the order they were armed, each with its ``kind`` and what is left of it."""
        return plan(self.account_id, self.region).listing()

    def clear(self) -> None:
        plan(self.account_id, self.region).clear()

    def __enter__(self) -> Faults:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.clear()


def inject_faults(region: str | None = None, account_id: str | None = None) -> Faults:
    """Faults for ``account_id`` in ``region`` (moto's account, and AWS_DEFAULT_REGION or us-east-1, by default)."""
    return Faults(region, account_id)


# Over HTTP --------------------------------------------------------------------------------------------
# The body of a POST: {"region": ..., "account_id": ... (both optional), "<kind>": {fields} or [{fields}, ...]}, where
# each kind and its fields are a method of Faults and its arguments: {"throttle": {"operation": "PutEvents", "times": 2}}.
PLACE = ("region", "account_id")


def _faults_of(kind: str, given: Any) -> list[Fault]:
    made = KINDS[kind]
    fields = [f.name for f in dataclasses.fields(made)]
    required = [f.name for f in dataclasses.fields(made) if f.default is dataclasses.MISSING]
    faults = []
    for each in given if isinstance(given, list) else [given]:
        if not isinstance(each, dict):
            raise ValueError(f"{kind} must be an object of its fields ({', '.join(fields)}) or a list of them, not {each!r}")
        unknown = sorted(set(each) - set(fields))
        missing = [name for name in required if name not in each]
        if unknown or missing:
            problem = f"has no field {unknown[0]!r}" if unknown else f"needs the field {missing[0]!r}"
            raise ValueError(f"{kind} {problem}: its fields are {', '.join(fields)}")
        try:
            faults.append(made(**each))
        except ValueError as error:
            raise ValueError(f"{kind}: {error}") from None
    return faults


def arm_from_json(body: Any) -> None:
    """Arm the faults a POST's body names: every one of them, or (one being invalid) none, with ValueError saying why."""
    if not isinstance(body, dict):
        raise ValueError(f"The body must be a JSON object with any of {', '.join(KINDS)} (and {' and '.join(PLACE)}).")
    unknown = sorted(set(body) - set(KINDS) - set(PLACE))
    if unknown:
        raise ValueError(f"{unknown[0]!r} is no kind of fault: the kinds are {', '.join(KINDS)} (with {' and '.join(PLACE)}).")
    for name in PLACE:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ValueError(f"{name} must be a string, not {body[name]!r}")
    faults = [fault for kind in KINDS if kind in body for fault in _faults_of(kind, body[kind])]
    Faults(body.get("region"), body.get("account_id")).arm(*faults)


def armed_everywhere() -> list[dict[str, Any]]:
    """Every fault still armed, with its account and region."""
    return [
        {"account_id": account_id, "region": region, **fault}
        for account_id, regions in list(dict.items(fault_plans))
        for region, armed in list(dict.items(regions))
        for fault in armed.listing()
    ]


def control(method: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """``/personalize-local/faults``: GET lists the faults armed, POST arms more (and lists), DELETE clears them all."""
    if method == "POST":
        try:
            given = json.loads(body or b"{}")
        except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested deeper than the stack
            return 400, {"__type": "SerializationException", "message": f"The body is not valid JSON: {error!r}"}
        try:
            arm_from_json(given)
        except ValueError as error:
            return 400, {"__type": "InvalidInputException", "message": str(error)}
    elif method == "DELETE":
        for _, _, armed in fault_plans.iter_backends():
            cast(FaultPlan, armed).clear()  # moto's iter_backends types what it yields as BaseBackend
    return 200, {"faults": armed_everywhere()}
