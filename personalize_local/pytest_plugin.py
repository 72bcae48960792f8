"""A pytest plugin (registered by the package's ``pytest11`` entry point): a mocked world, and training once a session.

Fixtures:

- ``personalize_aws``: a fresh mock for the test (``mock_personalize``) and boto3 clients for it:
  ``.personalize``, ``.events`` (personalize-events), ``.runtime`` (personalize-runtime) and ``.s3``,
  in ``personalize_region`` (a fixture: ``us-east-1`` unless you override it). Fake credentials are
  set for the test, so nothing reaches AWS.
- ``personalize_snapshot``: a function ``restore(build)``. The first test that calls it with ``build``
  runs ``build(clients)`` (import data, train, deploy ...) and saves a snapshot; every test (that
  first one included) then starts from that snapshot, loaded into its own fresh mock, and gets what
  ``build`` returned (keep it to ARNs and other plain values: it is shared by the tests).
  ``build`` runs once a session per build function (or per ``key=``).
- ``personalize_faults``: faults for ``personalize_aws``'s account and region (personalize_local/faults.py):
  ``.throttle(operation, times)``, ``.fail_creation(operation, reason)``, ``.fail_import(row)``; cleared after the test.

    def build(aws):
        ...                                # create the dataset group, import, train, deploy
        return {"campaign": campaign_arn}

    @pytest.fixture
    def world(personalize_snapshot):
        return personalize_snapshot(build)

    def test_recommends(personalize_aws, world):
        personalize_aws.runtime.get_recommendations(campaignArn=world["campaign"], userId="1")

pytest loads the plugin in every run of every suite where the package is installed: boto3, moto and the
emulator load in the fixtures that use them, never with the plugin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, TypeVar

import pytest

T = TypeVar("T")
C = TypeVar("C")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@dataclass(frozen=True)
class PersonalizeClients:
    """boto3 clients of the mocked world."""

    personalize: Any
    events: Any
    runtime: Any
    s3: Any
    region: str


@dataclass
class SnapshotStore:
    """The session's snapshots: where each build's is, and what the build returned."""

    folder: Path
    built: dict[Hashable, tuple[Path, Any]] = field(default_factory=dict)

    def restore(self, build: Callable[[C], T], clients: C, key: Hashable | None = None) -> T:
        """The world ``build(clients)`` makes, built and saved the first time ``key`` (or ``build``) is asked for,
        then loaded from its snapshot into the running mock: the builder's test too starts from the snapshot, so
        every test sees the same world."""
        from . import snapshot

        key = build if key is None else key
        if key not in self.built:
            result = build(clients)
            path = self.folder / f"snapshot-{len(self.built)}.db"
            snapshot.save(path)
            self.built[key] = (path, result)
        path, result = self.built[key]
        snapshot.load(path)
        return result


@pytest.fixture
def personalize_region() -> str:
    """The region of ``personalize_aws``'s clients; override the fixture for another."""
    return "us-east-1"


@pytest.fixture
def personalize_aws(monkeypatch: pytest.MonkeyPatch, personalize_region: str) -> Iterator[PersonalizeClients]:
    """A fresh mocked world for the test, and clients for Personalize's three services and S3."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", personalize_region)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3

    from .mock import mock_personalize

    with mock_personalize():
        session = boto3.Session(region_name=personalize_region)
        yield PersonalizeClients(
            personalize=session.client("personalize"),
            events=session.client("personalize-events"),
            runtime=session.client("personalize-runtime"),
            s3=session.client("s3"),
            region=personalize_region,
        )


@pytest.fixture(scope="session")
def personalize_snapshot_store(tmp_path_factory: pytest.TempPathFactory) -> SnapshotStore:
    return SnapshotStore(tmp_path_factory.mktemp("personalize-snapshots"))


@pytest.fixture
def personalize_snapshot(
    personalize_aws: PersonalizeClients, personalize_snapshot_store: SnapshotStore
) -> Callable[..., Any]:
    """``restore(build, key=None)``: the world ``build`` makes, built once a session, loaded into this test's mock."""

    def restore(build: Callable[[PersonalizeClients], T], key: Hashable | None = None) -> T:
        return personalize_snapshot_store.restore(build, personalize_aws, key)

    return restore


@pytest.fixture
def personalize_faults(personalize_aws: PersonalizeClients) -> Iterator[Any]:
    """Faults armed for the test's mocked world: calls throttled, creations failed, imports failed at a row."""
    from .faults import Faults

    with Faults(region=personalize_aws.region) as faults:
        yield faults
