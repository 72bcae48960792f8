"""A snapshot and a data directory written by this version of the format (tests/state_fixtures.py) still load,
and the world in them lists, describes and answers as it did when they were written."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from personalize_local import snapshot
from personalize_local.state.codec import blob_key
from personalize_local.state.datasets import LOG_PARTS

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


def _event_logs(tree: Any) -> list[dict[str, Any]]:
    """The payloads of the ``["x", "eventlog", node, payload]`` nodes in ``tree``."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if len(node) == 4 and node[:2] == ["x", "eventlog"]:
                found.append(node[3])
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return found


def _as_format_2(path: Path) -> int:
    """Rewrite the snapshot at ``path`` as format 2 wrote it: each event log one blob of JSON. How many members
    (event IDs, sessions, users shown items) the logs hold."""
    members = 0
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT account_id, region, key, state FROM records WHERE kind = 'dataset'").fetchall()
        for account_id, region, key, state in rows:
            place = (account_id, region, "dataset", key)
            blobs = dict(db.execute("SELECT blob, data FROM blobs WHERE account_id = ? AND region = ? AND kind = ? AND key = ?", place))
            tree = json.loads(state)
            for log in _event_logs(tree):
                parts = {part: [m for chunk in log[part] for m in json.loads(blobs[chunk])] for part in LOG_PARTS}
                shown = json.loads(blobs[log["shown"]])
                members += sum(map(len, parts.values())) + len(shown)
                data = json.dumps({**parts, "session_users": dict(parts["session_users"]), "remembered": log["remembered"], "shown": shown}).encode()
                db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?, ?, ?)", (*place, blob_key(data), data))
                log.clear()
                log["log"] = blob_key(data)
            db.execute("UPDATE records SET state = ? WHERE account_id = ? AND region = ? AND kind = 'dataset' AND key = ?",
                       (json.dumps(tree), account_id, region, key))
        db.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    return members


def test_a_snapshot_of_format_2_whose_event_logs_are_one_blob_loads_as_it_was(aws: Clients, tmp_path: Path) -> None:
    older = tmp_path / "format-2.db"
    shutil.copy(SNAPSHOT, older)
    assert _as_format_2(older) > 0
    snapshot.load(older)
    check(aws)
