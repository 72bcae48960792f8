"""Saved-state fixtures: a snapshot and a data directory written by this version, which later versions must read.

worlds.build's world (every family of resource, trained models, recorded events, a stopped
recommender), observed as a user sees it, and saved both ways. test_state_fixtures.py loads them
and expects the same observations. Write them anew only with a new format (store.FORMAT_VERSION):

    .venv/bin/python -m tests.state_fixtures
"""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from personalize_local import mock_personalize, snapshot
from personalize_local.durable import DataDir

from .conftest import make_clients
from .worlds import World, build, observe

FIXTURES = Path(__file__).parent / "fixtures" / "state"
SNAPSHOT = FIXTURES / "snapshot.db"
DATA_DIR = FIXTURES / "datadir"
OBSERVED = FIXTURES / "observed.json"


def as_json(value: Any) -> Any:
    """An observation as JSON reads it back (timestamps as text)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def world_of(saved: dict[str, Any]) -> World:
    return World(**{**saved, "version_arns": tuple(saved["version_arns"])})


def main() -> None:
    shutil.rmtree(FIXTURES, ignore_errors=True)
    FIXTURES.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as env, mock_personalize():
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        data_dir = DataDir(DATA_DIR)
        data_dir.open()
        c = make_clients()
        world, _ = build(c)
        seen = observe(c, world)
        snapshot.save(SNAPSHOT)
        data_dir.close()
    (DATA_DIR / "lock").unlink()
    OBSERVED.write_text(json.dumps({"world": dataclasses.asdict(world), "seen": as_json(seen)}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT} ({SNAPSHOT.stat().st_size} bytes), {DATA_DIR} and {OBSERVED}")


if __name__ == "__main__":
    main()
