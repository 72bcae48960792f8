"""Crafted snapshots and data directories: nothing in a file runs code, and a refused file changes nothing.

Each crafted file is tried through the three ways in: ``snapshot.load`` in-process, ``personalize-local
restore FILE`` against a running server, and a server started on a data directory holding it. Each
attack's payload would create a marker file if it ran: the marker must never appear.
"""
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from personalize_local import mock_personalize, snapshot
from personalize_local.state import StateError
from personalize_local.state.datadir import DataDirStore

from .conftest import Clients, make_clients
from .helpers import loaded_group, popularity_campaign
from .servers import start_command, stop

Edit = Callable[[sqlite3.Connection, Path], None]


def _record(db: sqlite3.Connection, kind: str) -> tuple[str, dict[str, Any]]:
    key, state = db.execute("SELECT key, state FROM records WHERE kind = ? ORDER BY rowid LIMIT 1", (kind,)).fetchone()
    return key, json.loads(state)


def _put(db: sqlite3.Connection, kind: str, key: str, tree: Any) -> None:
    db.execute("UPDATE records SET state = ? WHERE kind = ? AND key = ?", (json.dumps(tree), kind, key))


def _edit(db: sqlite3.Connection, kind: str, edit: Callable[[list[Any]], None]) -> None:
    """Edit the root object node (``["o", node, tag, fields]``) of the first record of ``kind``."""
    key, tree = _record(db, kind)
    edit(tree["value"])
    _put(db, kind, key, tree)


def _shell(marker: Path) -> str:
    return f"touch {marker}"


def constant_reaching_os(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node[3].update(role_arn=["c", "personalize_local.backend.core", "os"]))


def constant_of_an_unknown_table(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node[3].update(role_arn=["c", "__builtins__", "eval"]))


def class_outside_the_registry(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node[3].update(role_arn=["o", 999, "os._wrap_close", {}]))


def module_path_as_a_class(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node.__setitem__(2, "personalize_local.backend.dataset_groups.DatasetGroup"))


def _extension_of(tree: Any, tag: str) -> dict[str, Any]:
    """The payload of the first ``["x", tag, node, payload]`` node in ``tree``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if len(node) == 4 and node[0] == "x" and node[1] == tag:
                return node[3]
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    raise AssertionError(f"no {tag} in the record")


def attribute_shadowing_a_method(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset", lambda node: node[3].update(restored=["c", "os", "system"]))


def _edit_event_log(db: sqlite3.Connection, edit: Callable[[dict[str, Any]], None]) -> None:
    """Edit the first dataset's event log (its parts: chunk keys, and the impressions' blob)."""
    key, tree = _record(db, "dataset")
    edit(_extension_of(tree, "eventlog"))
    _put(db, "dataset", key, tree)


def event_log_shadowing_a_method(db: sqlite3.Connection, marker: Path) -> None:
    # The attack of the old format: an EventLog whose sessions_of is os.system runs the next user ID.
    _edit_event_log(db, lambda log: log.update(sessions_of=["c", "os", "system"]))


def dunder_attribute(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node[3].update(__class__=["o", 998, "EventLog", {}]))


def value_of_another_type(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node[3].update(role_arn=42))


def event_log_of_another_shape(db: sqlite3.Connection, marker: Path) -> None:
    """A chunk of sessions whose user is a constant reference, not a user ID."""
    chunk = json.dumps([["s", ["c", "os", "system"]]]).encode()
    account_id, region, key = db.execute("SELECT account_id, region, key FROM records WHERE kind = 'dataset' ORDER BY rowid LIMIT 1").fetchone()
    db.execute("INSERT INTO blobs VALUES (?, ?, 'dataset', ?, 'crafted', ?)", (account_id, region, key, chunk))
    _edit_event_log(db, lambda log: log.update(session_users=["crafted"]))


def unknown_record_kind(db: sqlite3.Connection, marker: Path) -> None:
    db.execute("UPDATE records SET kind = 'lock' WHERE kind = 'dataset-group'")


def record_of_another_class(db: sqlite3.Connection, marker: Path) -> None:
    _edit(db, "dataset-group", lambda node: node.__setitem__(2, "Filter"))


def deeply_nested_json(db: sqlite3.Connection, marker: Path) -> None:
    key, _ = _record(db, "dataset-group")
    db.execute("UPDATE records SET state = ? WHERE key = ?", ("[" * 100_000 + "]" * 100_000, key))


def deeply_nested_nodes(db: sqlite3.Connection, marker: Path) -> None:
    # Shallow enough for JSON (800 levels), too deep to decode node by node.
    key, tree = _record(db, "dataset-group")
    tree["value"][3]["role_arn"] = "NESTED"
    nested = '["t",[' * 400 + '"x"' + "]]" * 400
    db.execute("UPDATE records SET state = ? WHERE key = ?", (json.dumps(tree).replace('"NESTED"', nested), key))


def not_json(db: sqlite3.Connection, marker: Path) -> None:
    db.execute("UPDATE records SET state = 'import os; os.system(\"x\")' WHERE kind = 'dataset-group'")


def wrong_format_version(db: sqlite3.Connection, marker: Path) -> None:
    db.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


class Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (_shell(self.marker),))


def npy_object_array(db: sqlite3.Connection, marker: Path) -> None:
    data = _npy(np.array([Payload(marker)], dtype=object), allow_pickle=True)
    db.execute("UPDATE blobs SET data = ? WHERE rowid = (SELECT min(rowid) FROM blobs)", (data,))


def npy_claiming_a_trillion_elements(db: sqlite3.Connection, marker: Path) -> None:
    header = _npy(np.zeros(2)).replace(b"(2,)", b"(1000000000000,)")
    db.execute("UPDATE blobs SET data = ? WHERE rowid = (SELECT min(rowid) FROM blobs)", (header,))


def missing_table(db: sqlite3.Connection, marker: Path) -> None:
    db.execute("DROP TABLE blobs")


ATTACKS: list[Edit] = [
    constant_reaching_os,
    constant_of_an_unknown_table,
    class_outside_the_registry,
    module_path_as_a_class,
    attribute_shadowing_a_method,
    event_log_shadowing_a_method,
    dunder_attribute,
    value_of_another_type,
    event_log_of_another_shape,
    unknown_record_kind,
    record_of_another_class,
    deeply_nested_json,
    deeply_nested_nodes,
    not_json,
    wrong_format_version,
    npy_object_array,
    npy_claiming_a_trillion_elements,
    missing_table,
]
IDS = [attack.__name__ for attack in ATTACKS]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A snapshot of a trained group with recorded events: every kind of record the attacks edit."""
    path = tmp_path_factory.mktemp("saved") / "good.db"
    with mock_personalize():
        c = make_clients()
        group = loaded_group(c)
        popularity_campaign(c, group.dataset_group_arn)
        tracker = c.personalize.create_event_tracker(name="t", datasetGroupArn=group.dataset_group_arn)
        c.events.put_events(
            trackingId=tracker["trackingId"], userId="u", sessionId="s",
            eventList=[{"eventType": "watch", "itemId": "item-1", "sentAt": 1_700_000_000}],
        )
        snapshot.save(path)
    yield path


def crafted(saved: Path, attack: Edit, target: Path, marker: Path) -> Path:
    target.write_bytes(saved.read_bytes())
    with sqlite3.connect(target) as db:
        attack(db, marker)
    db.close()
    return target


def _groups(c: Clients) -> list[str]:
    return [g["name"] for g in c.personalize.list_dataset_groups()["datasetGroups"]]


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_a_crafted_snapshot_is_refused_in_process_and_changes_nothing(saved: Path, attack: Edit, tmp_path: Path, aws: Clients) -> None:
    marker = tmp_path / "ran"
    file = crafted(saved, attack, tmp_path / "crafted.db", marker)
    aws.personalize.create_dataset_group(name="before")
    with pytest.raises(StateError) as refused:
        snapshot.load(file)
    assert "\n" not in str(refused.value)
    assert not marker.exists()
    assert _groups(aws) == ["before"]


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_a_crafted_snapshot_is_refused_by_the_server_and_the_cli(
    saved: Path, attack: Edit, tmp_path: Path, served: tuple[str, Clients]
) -> None:
    endpoint, c = served
    marker = tmp_path / "ran"
    file = crafted(saved, attack, tmp_path / "crafted.db", marker)
    command = [sys.executable, "-m", "personalize_local", "restore", str(file), "--endpoint", endpoint]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("personalize-local: "), done.stderr
    assert not marker.exists()
    # Over HTTP, the same file is a JSON 400 saying what was refused.
    request = urllib.request.Request(f"{endpoint}/personalize-local/restore", data=file.read_bytes(), method="POST",
                                     headers={"Content-Type": "application/vnd.sqlite3"})
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(request)
    assert answered.value.code == 400 and answered.value.headers.get_content_type() == "application/json"
    assert json.loads(answered.value.read())["message"] == lines[0].removeprefix("personalize-local: ")
    assert not marker.exists()
    assert _groups(c) == ["kept"]


def _data_dir(saved: Path, attack: Edit, directory: Path, marker: Path) -> Path:
    """A data directory whose checkpoint holds the saved records, then crafted the same way."""
    store = DataDirStore(directory)
    store.close()
    with sqlite3.connect(directory / "state.db") as db:
        db.execute("ATTACH DATABASE ? AS saved", (str(saved),))
        db.execute("INSERT INTO records SELECT * FROM saved.records")
        db.execute("INSERT INTO blobs SELECT * FROM saved.blobs")
        db.commit()
        db.execute("DETACH DATABASE saved")
        attack(db, marker)
    db.close()
    return directory


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_a_crafted_data_directory_is_refused_at_start_and_left_as_it_was(saved: Path, attack: Edit, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    directory = _data_dir(saved, attack, tmp_path / "data", marker)
    before = (directory / "state.db").read_bytes()
    command = [sys.executable, "-m", "personalize_local", "server", "--port", "0", "--data-dir", str(directory)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("personalize-local: "), done.stderr
    assert not marker.exists()
    assert (directory / "state.db").read_bytes() == before


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Clients]]:
    server, endpoint = start_command()
    c = make_clients(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    c.personalize.create_dataset_group(name="kept")
    try:
        yield endpoint, c
    finally:
        stop(server)


def test_the_good_snapshot_loads(saved: Path, aws: Clients) -> None:
    """The file every attack starts from is itself fine: the refusals are the edits'."""
    snapshot.load(saved)
    assert _groups(aws) == ["demo"]
