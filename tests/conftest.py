"""Fixtures: boto3 clients served by the mock, every raw response checked against its output shape."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

import personalize_local
from personalize_local import mock_personalize
from personalize_local.backend import lifecycle

from .shapes import check_raw_response

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeRole"


@dataclass
class Clients:
    personalize: Any
    events: Any
    runtime: Any
    s3: Any
    shape_errors: list[str] = field(default_factory=list)


def _watch(client: Any, errors: list[str]) -> None:
    """Check each raw response body against the operation's output shape, before botocore parses it."""

    def before_parse(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        errors.extend(check_raw_response(operation_model, response_dict["status_code"], response_dict["body"]))

    client.meta.events.register("before-parse", before_parse)


# botocore retries LimitExceededException (a throttling code) with back-off; tests want the first answer.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def make_clients(**client_kwargs: Any) -> Clients:
    client_kwargs["config"] = NO_RETRIES.merge(client_kwargs["config"]) if "config" in client_kwargs else NO_RETRIES
    session = boto3.Session(region_name=REGION)
    clients = Clients(
        personalize=session.client("personalize", **client_kwargs),
        events=session.client("personalize-events", **client_kwargs),
        runtime=session.client("personalize-runtime", **client_kwargs),
        s3=session.client("s3", **client_kwargs),
    )
    for client in (clients.personalize, clients.events, clients.runtime):
        _watch(client, clients.shape_errors)
    return clients


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def sync() -> Iterator[None]:
    """Every transition inside its own call, as the documented switch promises."""
    before = personalize_local.is_synchronous()
    personalize_local.set_synchronous(True)
    yield
    personalize_local.set_synchronous(before)


@pytest.fixture
def aws(sync: None) -> Iterator[Clients]:
    with mock_personalize():
        clients = make_clients()
        yield clients
    assert clients.shape_errors == [], "responses off their output shapes:\n" + "\n".join(clients.shape_errors)


@pytest.fixture
def lazy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """Clients against the asynchronous emulator, as it runs without the switch."""
    before = personalize_local.is_synchronous()
    personalize_local.set_synchronous(False)
    # A wider PENDING window, so that a describe right after a create reliably sees it.
    monkeypatch.setattr(lifecycle, "PENDING_SECONDS", 0.25)
    try:
        with mock_personalize():
            clients = make_clients()
            yield clients
    finally:
        personalize_local.set_synchronous(before)
    assert clients.shape_errors == [], "\n".join(clients.shape_errors)


def avro(name: str, fields: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": fields, "version": "1.0"})


INTERACTIONS_SCHEMA = avro(
    "Interactions",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
)

ITEMS_SCHEMA = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
    ],
)

USERS_SCHEMA = avro(
    "Users",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "AGE", "type": ["null", "int"]},
    ],
)


def error_code(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return excinfo.value.response["Error"]["Message"]

