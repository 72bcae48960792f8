"""A dataset's data in saved state: written in parts and as plain JSON, so a write costs what changed.

The bulk rows (a frame, replaced whole by each import) are one part, kept encoded until the frame is
replaced. Rows recorded one by one (events, PutItems ...) only grow, so they are written in chunks
of :data:`CHUNK` rows: a full chunk never changes (until a deletion blanks some of its rows), and a
write encodes the last, partial chunk and any new ones. The event log's event IDs and sessions only
grow too (until a deletion), and are written the same way, in chunks of plain JSON, which the standard
library writes at C speed; what users were shown is one part, written again when it changes. What the table
and the log derive from these (positions by user, the users' sessions, events' fingerprints: see
Dataset.restored) is rebuilt when they are read. The answers a recommendationId may cite (the
latest 20,000 of them) are not saved: they would cost every write, and they are a cache of the
calls, not data; an event citing an answer from before a restart has no implicit impressions.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from collections import Counter
from itertools import islice
from typing import Any, Callable, Collection

import pandas as pd

from ..data.events import EventLog
from ..data.impressions import Impressions
from ..data.table import DatasetTable
from .arrays import DataFrames
from .codec import Decoder, Encoder, Extension, StateError, plain

CHUNK = 1024


@dataclass
class Encoded:
    """What a table's last encoding made, to reuse: its bulk frame's payload, and its full chunks."""

    bulk: pd.DataFrame | None = None
    bulk_key: str = ""  # the blob of the frame's payload (JSON), beside the blobs of its arrays
    bulk_blobs: dict[str, bytes] = field(default_factory=dict)
    deleted: int = -1
    chunks: list[tuple[str, bytes]] = field(default_factory=list)  # the full chunks, in order: (blob key, blob)


@dataclass
class EncodedLog:
    """What an event log's last encoding made, to reuse while nothing left it (EventLog.forgotten)."""

    forgotten: int
    chunks: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)  # each part's full chunks, in order
    shown: tuple[int, str, bytes] | None = None  # the impressions' revision when encoded, their blob key and blob


class TableCache:
    """Encoded parts of tables, and event logs encoded, for as long as each lives."""

    def __init__(self) -> None:
        self.tables: weakref.WeakKeyDictionary[DatasetTable, Encoded] = weakref.WeakKeyDictionary()
        self.logs: weakref.WeakKeyDictionary[EventLog, EncodedLog] = weakref.WeakKeyDictionary()


# The parts of an event log that only grow: each one's members in the order they came.
LOG_PARTS: dict[str, Callable[[EventLog], Collection[Any]]] = {
    "event_ids": lambda log: log._event_ids.keys(),
    "anonymous_sessions": lambda log: log._anonymous_sessions.keys(),
    "session_users": lambda log: log._session_users.items(),
}


class Tables(Extension):
    tag, types = "table", (DatasetTable,)

    def encode(self, obj: DatasetTable, encoder: Encoder) -> Any:
        cache: TableCache | None = getattr(encoder, "cache", None)
        done = cache.tables.get(obj) if cache is not None else None
        fresh = Encoded()
        # The bulk frame: its payload again while it is the same frame.
        if done is not None and done.bulk is obj._bulk:
            fresh.bulk, fresh.bulk_key, fresh.bulk_blobs = done.bulk, done.bulk_key, done.bulk_blobs
        else:
            part = encoder.sub()
            part.blobs = fresh.bulk_blobs
            payload = json.dumps(DataFrames().encode(obj._bulk, part), separators=(",", ":")).encode()
            fresh.bulk, fresh.bulk_key = obj._bulk, part.blob(payload)
        encoder.blobs.update(fresh.bulk_blobs)
        # Recorded rows: full chunks again while no deletion has blanked rows.
        rows = obj._recorded
        if done is not None and done.deleted == obj._deleted:
            fresh.chunks = done.chunks[: len(rows) // CHUNK]
        fresh.deleted = obj._deleted
        encoder.blobs.update(fresh.chunks)
        chunks = [key for key, _ in fresh.chunks]
        for start in range(len(chunks) * CHUNK, len(rows), CHUNK):
            key, data = self._chunk(rows[start : start + CHUNK], encoder)
            chunks.append(key)
            if start + CHUNK <= len(rows):
                fresh.chunks.append((key, data))
        if cache is not None:
            cache.tables[obj] = fresh
        return {
            "columns": list(obj.columns),
            "key": obj.key,
            "bulk": fresh.bulk_key,
            "bulk_revision": obj._bulk_revision,
            "recorded": chunks,
            "count": len(rows),
            "deleted": obj._deleted,
        }

    @staticmethod
    def _chunk(rows: list[Any], encoder: Encoder) -> tuple[str, bytes]:
        """Rows of text, numbers and nulls (as records are) as JSON itself; others node by node."""
        if all(row is None or plain(row.values()) for row in rows):
            tree: list[Any] = ["rows", rows]
        else:
            tree = ["tree", encoder.sub().encode(rows)]
        data = json.dumps(tree, separators=(",", ":")).encode()
        return encoder.blob(data), data

    def create(self, payload: Any, decoder: Decoder) -> Any:
        if not isinstance(payload, dict) or set(payload) != {"columns", "key", "bulk", "bulk_revision", "recorded", "count", "deleted"}:
            raise StateError("The state holds a dataset table this version does not read.")
        columns, key = payload["columns"], payload["key"]
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns) and isinstance(key, (str, type(None)))):
            raise StateError("The state holds a dataset table whose columns are not names.")
        rows: list[Any] = []
        for chunk in payload["recorded"]:
            kind, found = json.loads(decoder.blob(chunk))
            if kind == "tree":
                found = decoder.sub().decode(found)
            elif kind != "rows":
                raise StateError(f"The state holds a chunk of rows of kind {kind!r}, which this version does not read.")
            if not isinstance(found, list) or not all(row is None or isinstance(row, dict) for row in found):
                raise StateError("The state holds a chunk of recorded rows that is not rows.")
            rows.extend(found)
        counts = (payload["count"], payload["deleted"], payload["bulk_revision"])
        if not all(isinstance(n, int) for n in counts) or len(rows) != payload["count"]:
            raise StateError(f"The state holds a dataset table of {payload['count']!r} recorded rows, with {len(rows)} in its chunks.")
        bulk = DataFrames().create(json.loads(decoder.blob(payload["bulk"])), decoder.sub())
        table = DatasetTable.__new__(DatasetTable)
        table.columns, table.key, table._bulk = columns, key, bulk
        table._recorded, table._deleted, table._bulk_revision = rows, payload["deleted"], payload["bulk_revision"]
        table._recorded_frame = None
        table._by_user = {}
        for position, row in enumerate(rows):
            if row is not None and "USER_ID" in row:
                table._by_user.setdefault(row["USER_ID"], []).append(position)
        return table


class EventLogs(Extension):
    """An event log: event IDs and sessions in chunks, what users were shown, as plain JSON."""

    tag, types = "eventlog", (EventLog,)

    def encode(self, obj: EventLog, encoder: Encoder) -> Any:
        """Only the parts that changed are encoded again: new chunks, and the impressions once they changed."""
        cache: TableCache | None = getattr(encoder, "cache", None)
        done = cache.logs.get(obj) if cache is not None else None
        if done is None or done.forgotten != obj.forgotten:
            done = EncodedLog(obj.forgotten)
        tree: dict[str, Any] = {"remembered": obj.impressions._remembered}
        for part, members in LOG_PARTS.items():
            tree[part] = _chunked(members(obj), done.chunks.setdefault(part, []), encoder)
        shown = obj.impressions
        if done.shown is None or done.shown[0] != shown.revision:
            data = json.dumps(shown._by_user, separators=(",", ":")).encode()
            done.shown = (shown.revision, encoder.blob(data), data)
        encoder.blobs[done.shown[1]] = done.shown[2]
        tree["shown"] = done.shown[1]
        if cache is not None:
            cache.logs[obj] = done
        return tree

    def create(self, tree: Any, decoder: Decoder) -> Any:
        if isinstance(tree, dict) and set(tree) == {"log"}:
            return self._one_blob(json.loads(decoder.blob(tree["log"])))
        if not isinstance(tree, dict) or set(tree) != {"remembered", "shown", *LOG_PARTS}:
            raise StateError("The state holds an event log this version does not read.")
        parts = {part: _unchunked(tree[part], decoder) for part in LOG_PARTS}
        return _event_log(parts, tree["remembered"], json.loads(decoder.blob(tree["shown"])))

    @staticmethod
    def _one_blob(payload: Any) -> EventLog:
        """Format 2's event log: one blob of JSON, its sessions a mapping."""
        if not isinstance(payload, dict) or set(payload) != {"event_ids", "anonymous_sessions", "session_users", "remembered", "shown"}:
            raise StateError("The state holds an event log this version does not read.")
        sessions = payload["session_users"]
        if not isinstance(sessions, dict):
            raise StateError("The state holds an event log whose sessions are not user IDs.")
        parts = {"event_ids": payload["event_ids"], "anonymous_sessions": payload["anonymous_sessions"], "session_users": [[s, u] for s, u in sessions.items()]}
        return _event_log(parts, payload["remembered"], payload["shown"])


def _event_log(parts: dict[str, list[Any]], remembered: Any, shown: Any) -> EventLog:
    """An event log of its parts as read (LOG_PARTS, each a list) and what users were shown; StateError naming what
    is not what a log holds."""
    log = EventLog()
    log._event_ids = dict.fromkeys(_strings(parts["event_ids"]))
    log._anonymous_sessions = dict.fromkeys(_strings(parts["anonymous_sessions"]))
    for pair in parts["session_users"]:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)):
            raise StateError("The state holds an event log whose sessions are not user IDs.")
        session, user = pair
        log._session_users[session] = user
        log._user_sessions.setdefault(user, []).append(session)
    if not isinstance(remembered, int) or not isinstance(shown, dict):
        raise StateError("The state holds impressions this version does not read.")
    log.impressions = Impressions(remembered)
    for user, counts in shown.items():
        if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
            raise StateError("The state holds impressions whose counts are not counts.")
        log.impressions._by_user[user] = Counter(counts)
        log.impressions._recorded.update(counts)
    return log


def _chunked(members: Collection[Any], full: list[tuple[str, bytes]], encoder: Encoder) -> list[str]:
    """The blob keys of ``members`` in chunks of CHUNK: the full chunks of ``full`` again, the rest encoded
    (and the chunks that are full now kept in ``full``)."""
    keys = []
    for key, data in full:
        encoder.blobs[key] = data
        keys.append(key)
    for start in range(len(full) * CHUNK, len(members), CHUNK):
        data = json.dumps(list(islice(members, start, start + CHUNK)), separators=(",", ":")).encode()
        keys.append(encoder.blob(data))
        if start + CHUNK <= len(members):
            full.append((keys[-1], data))
    return keys


def _unchunked(keys: Any, decoder: Decoder) -> list[Any]:
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise StateError("The state holds an event log whose parts are not chunks.")
    members: list[Any] = []
    for key in keys:
        chunk = json.loads(decoder.blob(key))
        if not isinstance(chunk, list):
            raise StateError("The state holds a chunk of an event log that is not a list.")
        members.extend(chunk)
    return members


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise StateError(f"The state holds a {type(value).__name__} where an ID belongs.")
    return value


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list):
        raise StateError(f"The state holds a {type(values).__name__} where a list of IDs belongs.")
    return [_string(value) for value in values]
