"""Fixtures: boto3 clients served by the mock, every raw response checked against its output shape."""
from __future__ import annotations

import functools
import json
import os
import threading
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Protocol, TypeVar

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.loaders import Loader
from moto.moto_api import state_manager

from personalize_local import mock_personalize, progress
from personalize_local.backend import trends
from personalize_local.backend.solutions import SolutionsService
from personalize_local.pytest_plugin import SnapshotStore
from personalize_local.server import listen

from .browser import browser, require_chromium  # noqa: F401  (browser: a fixture, headless Chromium or the test skipped)
from .shapes import check_raw_response

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeRole"


@dataclass
class Clients:
    personalize: Any
    events: Any
    runtime: Any
    s3: Any
    cloudwatch: Any
    shape_errors: list[str] = field(default_factory=list)


def _watch(client: Any, errors: list[str]) -> None:
    """Check each raw response body against the operation's output shape, before botocore parses it."""

    def before_parse(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        errors.extend(check_raw_response(operation_model, response_dict["status_code"], response_dict["body"]))

    client.meta.events.register("before-parse", before_parse)


# botocore retries LimitExceededException (a throttling code) with back-off; tests want the first answer.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@functools.cache
def _loader(data_path: str | None) -> Loader:
    """botocore's reader of its service models, one for every session of the run (of each AWS_DATA_PATH, where
    botocore looks first): a session of its own would parse the models again, a quarter of a second a test."""
    return botocore.session.get_session().get_component("data_loader")


def new_session() -> boto3.Session:
    """A session of its own, as a user's program has (credentials and settings from the test's environment), on the
    run's loader."""
    core = botocore.session.get_session()
    loader = _loader(os.environ.get("AWS_DATA_PATH"))
    core.register_component("data_loader", loader)
    session = boto3.Session(botocore_session=core, region_name=REGION)
    loader.search_paths[:] = dict.fromkeys(loader.search_paths)  # each boto3 session adds its own data folder again
    return session


def make_clients(**client_kwargs: Any) -> Clients:
    client_kwargs["config"] = NO_RETRIES.merge(client_kwargs["config"]) if "config" in client_kwargs else NO_RETRIES
    session = new_session()
    clients = Clients(
        personalize=session.client("personalize", **client_kwargs),
        events=session.client("personalize-events", **client_kwargs),
        runtime=session.client("personalize-runtime", **client_kwargs),
        s3=session.client("s3", **client_kwargs),
        cloudwatch=session.client("cloudwatch", **client_kwargs),
    )
    for client in (clients.personalize, clients.events, clients.runtime):
        _watch(client, clients.shape_errors)
    return clients


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test in a browser is skipped where there is no Chromium (tests/browser.py) before any fixture is set up:
    no server and no training for a test that can't run."""
    if "browser" in getattr(item, "fixturenames", ()):
        require_chromium()


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
def aws() -> Iterator[Clients]:
    """Clients against the mock as it runs by default: every status lands at once (moto's ``immediate``)."""
    with mock_personalize():
        clients = make_clients()
        yield clients
    assert clients.shape_errors == [], "responses off their output shapes:\n" + "\n".join(clients.shape_errors)


T = TypeVar("T")


class Restore(Protocol):
    """``from_snapshot``: the world ``build`` makes, loaded into the test's mock."""

    def __call__(self, build: Callable[[Clients], T]) -> T: ...


@pytest.fixture
def from_snapshot(aws: Clients, personalize_snapshot_store: SnapshotStore) -> Restore:
    """``from_snapshot(build)``: the first test to ask builds the world with its own clients and saves a snapshot of it;
    every test (that one too) then loads the snapshot into its own fresh mock, and gets what ``build`` returned.
    The plugin's ``personalize_snapshot`` does the same for ``personalize_aws``, in the same session store (one a
    worker under xdist); this one serves ``aws``, whose responses are checked against their output shapes."""
    def restore(build: Callable[[Clients], T]) -> T:
        return personalize_snapshot_store.restore(build, aws)

    return restore


class Clock:
    """The emulator's clock, moved by hand as freezegun would move it: monkeypatch a module's ``now`` with it."""

    def __init__(self) -> None:
        self.moment = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def forward(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def trend_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock trends are evaluated on."""
    clock = Clock()
    monkeypatch.setattr(trends, "now", clock)
    return clock


@contextmanager
def transitions(transition: dict[str, Any], *only: str) -> Iterator[None]:
    """Every Personalize model of moto's state manager (or ``only`` those) on ``transition``, then back to what it was."""
    models = list(only) or [m for m in state_manager.get_registered_models() if m.startswith("personalize::")]
    before = {model: state_manager.get_transition(model) for model in models}
    for model in models:
        state_manager.set_transition(model, transition)
    try:
        yield
    finally:
        for model, was in before.items():
            state_manager.set_transition(model, was)


# moto's manual progression: each status moves on every second describe, so a test sees each one.
MANUAL = {"progression": "manual", "times": 2}


@pytest.fixture
def manual() -> Iterator[Clients]:
    """Clients against statuses that move only as describes watch them, like the service's slow ones."""
    with transitions(MANUAL), mock_personalize():
        clients = make_clients()
        yield clients
    assert clients.shape_errors == [], "\n".join(clients.shape_errors)


@pytest.fixture(params=["in-process", "server"])
def stepwise(request: pytest.FixtureRequest) -> Iterator[Clients]:
    """:func:`manual`, in-process and against the server (set through moto's /moto-api/state-manager there)."""
    if request.param == "in-process":
        yield request.getfixturevalue("manual")
        return
    endpoint = request.getfixturevalue("endpoint")
    clients = request.getfixturevalue("remote")
    models = [m for m in state_manager.get_registered_models() if m.startswith("personalize::")]
    for model in models:
        moto_api(endpoint, "state-manager/set-transition", {"model_name": model, "transition": MANUAL})
    try:
        yield clients
    finally:
        for model in models:
            moto_api(endpoint, "state-manager/unset-transition", {"model_name": model})


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """The HTTP server, as `personalize-local server` runs it, on a free local port."""
    server = listen("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def moto_api(endpoint: str, path: str, body: dict[str, Any] | None = None) -> bytes:
    """POST to moto's own API on the server (reset, state manager), as moto's docs show."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{endpoint}/moto-api/{path}", data=data, method="POST")
    with urllib.request.urlopen(request) as response:
        return response.read()


@pytest.fixture
def remote(endpoint: str) -> Iterator[Clients]:
    """Clients against the server; moto's own reset endpoint clears every backend, this emulator's included."""
    moto_api(endpoint, "reset")
    clients = make_clients(endpoint_url=endpoint)
    yield clients
    assert clients.shape_errors == [], "\n".join(clients.shape_errors)


def avro(name: str, fields: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": fields, "version": "1.0"})


INTERACTIONS_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
]
INTERACTIONS_SCHEMA = avro("Interactions", INTERACTIONS_FIELDS)

ITEMS_SCHEMA = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
    ],
)

# The VIDEO_ON_DEMAND domain's Items fields (VIDEO-ON-DEMAND-items-dataset.md).
VOD_ITEMS = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "CREATION_TIMESTAMP", "type": "long"},
        {"name": "GENRES", "type": "string", "categorical": True},
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



@pytest.fixture
def held(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Solution-version trainings that start only once the event is set (released at the end, before the mock ends)."""
    release = threading.Event()
    train = SolutionsService._train

    def held_train(self: Any, *args: Any, **kwargs: Any) -> Any:
        assert release.wait(600), "the test never released the training"
        return train(self, *args, **kwargs)

    monkeypatch.setattr(SolutionsService, "_train", held_train)
    yield release
    release.set()


@pytest.fixture
def fractions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every fraction a job's progress takes in this process, in order."""
    seen: list[float] = []
    advance = progress.Progress.advance

    def recording(self: progress.Progress, fraction: float) -> None:
        advance(self, fraction)
        if not seen or seen[-1] != self.fraction:
            seen.append(self.fraction)

    monkeypatch.setattr(progress.Progress, "advance", recording)
    yield seen
