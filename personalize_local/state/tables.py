"""A dataset's rows in saved state: written in parts, so a write costs what changed since the last one.

The bulk rows (a frame, replaced whole by each import) are one part, kept encoded until the frame is
replaced. Rows recorded one by one (events, PutItems ...) only grow, so they are written in chunks
of :data:`CHUNK` rows: a full chunk never changes (until a deletion blanks some of its rows), and a
write encodes the last, partial chunk and any new ones. What the table derives from its rows
(positions by user) is rebuilt when it is read.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..data.table import DatasetTable
from .arrays import DataFrames
from .codec import Decoder, Encoder, Extension, StateError

CHUNK = 4096


@dataclass
class Encoded:
    """What a table's last encoding made, to reuse: its bulk frame's payload, and its full chunks."""

    bulk: pd.DataFrame | None = None
    bulk_payload: Any = None
    bulk_blobs: dict[str, bytes] = field(default_factory=dict)
    deleted: int = -1
    chunks: list[tuple[str, bytes]] = field(default_factory=list)  # the full chunks, in order: (blob key, blob)


class TableCache:
    """Encoded parts of tables, for as long as each table lives."""

    def __init__(self) -> None:
        self.tables: weakref.WeakKeyDictionary[DatasetTable, Encoded] = weakref.WeakKeyDictionary()


class Tables(Extension):
    tag, types = "table", (DatasetTable,)

    def encode(self, obj: DatasetTable, encoder: Encoder) -> Any:
        cache: TableCache | None = getattr(encoder, "cache", None)
        done = cache.tables.get(obj) if cache is not None else None
        fresh = Encoded()
        # The bulk frame: its payload again while it is the same frame.
        if done is not None and done.bulk is obj._bulk:
            fresh.bulk, fresh.bulk_payload, fresh.bulk_blobs = done.bulk, done.bulk_payload, done.bulk_blobs
        else:
            part = encoder.sub()
            part.blobs = fresh.bulk_blobs
            fresh.bulk, fresh.bulk_payload = obj._bulk, DataFrames().encode(obj._bulk, part)
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
            "bulk": fresh.bulk_payload,
            "bulk_revision": obj._bulk_revision,
            "recorded": chunks,
            "count": len(rows),
            "deleted": obj._deleted,
        }

    @staticmethod
    def _chunk(rows: list[Any], encoder: Encoder) -> tuple[str, bytes]:
        data = json.dumps(encoder.sub().encode(rows), separators=(",", ":")).encode()
        return encoder.blob(data), data

    def create(self, payload: Any, decoder: Decoder) -> Any:
        if not isinstance(payload, dict) or set(payload) != {"columns", "key", "bulk", "bulk_revision", "recorded", "count", "deleted"}:
            raise StateError("The state holds a dataset table this version does not read.")
        columns, key = payload["columns"], payload["key"]
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns) and isinstance(key, (str, type(None)))):
            raise StateError("The state holds a dataset table whose columns are not names.")
        rows: list[Any] = []
        for chunk in payload["recorded"]:
            found = decoder.sub().decode(json.loads(decoder.blob(chunk)))
            if not isinstance(found, list) or not all(row is None or isinstance(row, dict) for row in found):
                raise StateError("The state holds a chunk of recorded rows that is not rows.")
            rows.extend(found)
        counts = (payload["count"], payload["deleted"], payload["bulk_revision"])
        if not all(isinstance(n, int) for n in counts) or len(rows) != payload["count"]:
            raise StateError(f"The state holds a dataset table of {payload['count']!r} recorded rows, with {len(rows)} in its chunks.")
        bulk = DataFrames().create(payload["bulk"], decoder.sub())
        table = DatasetTable.__new__(DatasetTable)
        table.columns, table.key, table._bulk = columns, key, bulk
        table._recorded, table._deleted, table._bulk_revision = rows, payload["deleted"], payload["bulk_revision"]
        table._recorded_frame = None
        table._by_user = {}
        for position, row in enumerate(rows):
            if row is not None and "USER_ID" in row:
                table._by_user.setdefault(row["USER_ID"], []).append(position)
        return table
