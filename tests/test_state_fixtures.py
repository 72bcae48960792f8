"""A snapshot and a data directory written by this version of the format (tests/state_fixtures.py) still load,
and the world in them lists, describes and answers as it did when they were written."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from personalize_local import snapshot

from .conftest import Clients, make_clients
from .servers import start_command, stop
from .state_fixtures import DATA_DIR, OBSERVED, SNAPSHOT, as_json, world_of
from .worlds import observe

SAVED = json.loads(OBSERVED.read_text())


def check(c: Clients) -> None:
    seen = as_json(observe(c, world_of(SAVED["world"])))
    for aspect, before in SAVED["seen"].items():
        assert seen[aspect] == before, aspect


def test_the_snapshot_written_by_this_format_loads_as_it_was(aws: Clients) -> None:
    snapshot.load(SNAPSHOT)
    check(aws)


def test_the_data_directory_written_by_this_format_serves_as_it_was(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    shutil.copytree(DATA_DIR, directory)
    server, endpoint = start_command("--data-dir", str(directory))
    try:
        check(make_clients(endpoint_url=endpoint))
    finally:
        assert stop(server)[0] == 0
