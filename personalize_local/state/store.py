"""The emulator's state in an SQLite database: a snapshot file (and, in WAL mode, a data directory's store).

Tables: ``meta`` (the format version and the package version that wrote it), ``records`` (one row
per resource of each account and region: its record as JSON, see backends.py), ``blobs`` (each
record's arrays in NumPy's format and other bytes), and ``s3_buckets`` and ``s3_objects`` (moto's S3
as it was). A file of another format is refused, naming both versions; so is a malformed one.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .. import __version__
from .backends import SavedRecord
from .codec import StateError

# A record's place among a backend's: its kind and key.
Place = tuple[str, str]

# The layout of the tables and of the JSON in them. Raise it with any change a reader of the old
# layout would misread; reading an older format is this version's job.
# Format 3 writes an event log in chunks (state/datasets.py), where format 2 wrote it as one blob: both are read.
# Format 1 saved the classes' layout and named classes by module: it is not read (it could name any of them).
FORMAT_VERSION = 3
READABLE_FORMATS = frozenset({2, 3})
RECORDS_SCHEMA = """
CREATE TABLE records (account_id TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
                      PRIMARY KEY (account_id, region, kind, key));
CREATE TABLE blobs (account_id TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, blob TEXT NOT NULL,
                    data BLOB NOT NULL, PRIMARY KEY (account_id, region, kind, key, blob));
"""
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
""" + RECORDS_SCHEMA + """
CREATE TABLE s3_buckets (account_id TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL, PRIMARY KEY (account_id, name));
CREATE TABLE s3_objects (account_id TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
                         PRIMARY KEY (account_id, bucket, key));
"""


@dataclass
class SavedBackend:
    account_id: str
    region: str
    records: list[SavedRecord]


@dataclass
class SavedBucket:
    account_id: str
    name: str
    region: str
    objects: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Saved:
    """Everything a snapshot holds."""

    backends: list[SavedBackend] = field(default_factory=list)
    buckets: list[SavedBucket] = field(default_factory=list)


def write(path: str | os.PathLike[str], saved: Saved) -> None:
    """Write ``saved`` to ``path`` as one SQLite file, replacing what was there only once it is complete."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    try:
        with connection:
            connection.executescript(SCHEMA)
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("format_version", str(FORMAT_VERSION)),
                    ("package_version", __version__),
                    ("written_at", datetime.now(timezone.utc).isoformat()),
                ],
            )
            for backend in saved.backends:
                insert_records(connection, backend.account_id, backend.region, backend.records)
            for bucket in saved.buckets:
                connection.execute("INSERT INTO s3_buckets VALUES (?, ?, ?)", (bucket.account_id, bucket.name, bucket.region))
                connection.executemany(
                    "INSERT INTO s3_objects VALUES (?, ?, ?, ?)",
                    ((bucket.account_id, bucket.name, key, body) for key, body in bucket.objects),
                )
    finally:
        connection.close()
    partial.replace(target)


def read(path: str | os.PathLike[str], label: str | None = None) -> Saved:
    """What the snapshot at ``path`` holds; StateError if it is none, or of a format this version can't read.

    Messages name the file as ``label`` (its path by default).
    """
    label = label or str(path)
    if not Path(path).is_file():
        raise StateError(f"There is no snapshot file at {label}.")
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        check_format(label, connection)
        saved = Saved()
        saved.backends = read_records(connection)
        buckets = {}
        for account_id, name, region in connection.execute("SELECT account_id, name, region FROM s3_buckets ORDER BY rowid"):
            buckets[(account_id, name)] = SavedBucket(_typed(account_id, str, "an account"), _typed(name, str, "a bucket"), _typed(region, str, "a region"))
        for account_id, bucket, key, body in connection.execute("SELECT account_id, bucket, key, body FROM s3_objects ORDER BY rowid"):
            if (account_id, bucket) not in buckets:
                raise StateError(f"{label} holds an object of the bucket {bucket!r}, which it does not hold.")
            buckets[(account_id, bucket)].objects.append((_typed(key, str, "an object key"), _typed(body, bytes, "an object")))
        saved.buckets = list(buckets.values())
        return saved
    except StateError:
        raise
    except sqlite3.DatabaseError as error:
        raise StateError(f"{label} is not a personalize-local snapshot ({error}).") from None
    finally:
        connection.close()


def check_format(
    label: str, connection: sqlite3.Connection, kind: str = "snapshot", readable: frozenset[int] = READABLE_FORMATS
) -> None:
    """StateError unless the database is a personalize-local ``kind`` of a format in ``readable``, naming both versions."""
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as error:
        raise StateError(f"{label} is not a personalize-local {kind} ({error}).") from None
    found, writer = meta.get("format_version"), meta.get("package_version", "an unknown version")
    if not isinstance(found, str) or not found.isdigit() or int(found) not in readable:
        *earlier, last = map(str, sorted(readable))
        formats = f"formats {', '.join(earlier)} and {last}" if earlier else f"format {last}"
        raise StateError(
            f"{label} is a {kind} of format {found} (written by personalize-local {writer}); this is "
            f"personalize-local {__version__}, which reads {formats}. "
            "Open it with the version that wrote it, or build the state again."
        )


def insert_records(
    connection: sqlite3.Connection, account_id: str, region: str, records: list[SavedRecord], stored: Mapping[Place, set[str]] | None = None
) -> dict[Place, set[str]]:
    """Write ``records``, new or replacing those of the same key (which keep their place in the order).

    ``stored``: the blob keys each record has in the database already; only the others are written.
    Returns each record's blob keys, as the database holds them once the transaction commits."""
    connection.executemany(
        "INSERT INTO records VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET state = excluded.state",
        ((account_id, region, r.kind, r.key, r.state) for r in records),
    )
    held: dict[Place, set[str]] = {}
    for r in records:
        had = stored.get((r.kind, r.key), set()) if stored is not None else set()
        connection.executemany(
            "DELETE FROM blobs WHERE account_id = ? AND region = ? AND kind = ? AND key = ? AND blob = ?",
            ((account_id, region, r.kind, r.key, blob) for blob in had - r.blobs.keys()),
        )
        connection.executemany(
            "INSERT INTO blobs VALUES (?, ?, ?, ?, ?, ?)",
            ((account_id, region, r.kind, r.key, blob, data) for blob, data in r.blobs.items() if blob not in had),
        )
        held[(r.kind, r.key)] = set(r.blobs)
    return held


def delete_records(connection: sqlite3.Connection, account_id: str, region: str, places: Iterable[Place]) -> None:
    for statement in ("DELETE FROM records WHERE account_id = ? AND region = ? AND kind = ? AND key = ?",
                      "DELETE FROM blobs WHERE account_id = ? AND region = ? AND kind = ? AND key = ?"):
        connection.executemany(statement, ((account_id, region, kind, key) for kind, key in places))


def read_records(connection: sqlite3.Connection) -> list[SavedBackend]:
    """Every account and region's records, in the order they were first written."""
    backends: dict[tuple[str, str], SavedBackend] = {}
    blobs: dict[tuple[str, str, str, str], dict[str, bytes]] = {}
    for account_id, region, kind, key, blob, data in connection.execute("SELECT account_id, region, kind, key, blob, data FROM blobs"):
        blobs.setdefault((account_id, region, kind, key), {})[_typed(blob, str, "a blob key")] = _typed(data, bytes, "a blob")
    for account_id, region, kind, key, state in connection.execute("SELECT account_id, region, kind, key, state FROM records ORDER BY rowid"):
        for value in (account_id, region, kind, key, state):
            _typed(value, str, "a record")
        backend = backends.setdefault((account_id, region), SavedBackend(account_id, region, []))
        backend.records.append(SavedRecord(kind, key, state, blobs.get((account_id, region, kind, key), {})))
    return list(backends.values())


def _typed(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise StateError(f"The file holds {what} of type {type(value).__name__}, not {kind.__name__}.")
    return value


def blob_reader(blobs: Mapping[str, bytes]) -> Callable[[Any], bytes]:
    def blob(key: Any) -> bytes:
        found = blobs.get(key) if isinstance(key, str) else None
        if found is None:
            raise StateError(f"The state refers to the blob {key!r}, which it does not hold.")
        return found

    return blob


def counts(saved: Saved) -> dict[str, int]:
    """How much a snapshot holds, for messages."""
    return {
        "backends": len(saved.backends),
        "resources": sum(len(backend.records) for backend in saved.backends),
        "s3Buckets": len(saved.buckets),
        "s3Objects": sum(len(bucket.objects) for bucket in saved.buckets),
    }

