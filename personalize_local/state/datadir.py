"""A data directory's database: the state's records as last written, the journal of calls since, and S3's objects.

``DIR/state.db`` is one SQLite database in WAL mode with ``synchronous=NORMAL``: a committed
transaction survives the process being killed at any moment (SIGKILL), though not the machine
losing power. Tables:

- ``meta``: the format version and the package version that wrote it;
- ``records`` and ``blobs``: one row per resource of each account and region (its record as JSON,
  see backends.py), rewritten when it changes, and its blobs (arrays in NumPy's format, chunks of
  recorded rows), each written once; ``positions``: for each account and region, the last journal
  entry its records already hold;
- ``journal``: data-plane calls written before they are applied (operation, account, region, the
  request's JSON body), until the records hold their effect;
- ``s3_buckets`` and ``s3_objects``: moto's S3 buckets and objects as they are.

``DIR/lock`` is held (``flock``) by the one server using the directory; the kernel lets go of it
when that process ends, however it ends.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from .. import __version__
from .codec import StateError
from .backends import SavedRecord
from .store import RECORDS_SCHEMA, Saved, SavedBucket, check_format, delete_records, insert_records, read_records

# The layout of a data directory. Raise it with any change a reader of the old layout would misread.
FORMAT_VERSION = 3
READABLE_FORMATS = frozenset({2, 3})
KIND = "data directory"
DATABASE = "state.db"
LOCK = "lock"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
""" + RECORDS_SCHEMA + """
CREATE TABLE positions (account_id TEXT NOT NULL, region TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (account_id, region));
CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, region TEXT NOT NULL,
                      service TEXT NOT NULL, operation TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE s3_buckets (account_id TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL, PRIMARY KEY (account_id, name));
CREATE TABLE s3_objects (account_id TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, body BLOB NOT NULL,
                         PRIMARY KEY (account_id, bucket, key));
"""

# An account and region: which backend a record or a journal entry belongs to.
Place = tuple[str, str]
Key = tuple[str, str]  # a record's kind and key
ObjectKey = tuple[str, str, str]  # account, bucket, key


@dataclass(frozen=True)
class Entry:
    """One acknowledged call in the journal."""

    seq: int
    account_id: str
    region: str
    service: str
    operation: str
    body: bytes


@dataclass
class S3Changes:
    """What changed in moto's S3 since the database last heard: every bucket, and the objects written or gone."""

    buckets: dict[tuple[str, str], str]  # (account, name) -> region
    written: list[tuple[ObjectKey, str, bytes]] = field(default_factory=list)  # key, etag, body
    gone: list[ObjectKey] = field(default_factory=list)


class DataDirStore:
    """The database of one data directory, held by this process alone until :meth:`close`."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateError(f"Can't use {self.directory} as a data directory: {error.strerror}.") from None
        self._lock_file: int | None = self._take_lock()  # None once closed
        self._db = sqlite3.connect(self.directory / DATABASE, isolation_level=None, check_same_thread=False)
        self._guard = threading.Lock()  # one connection, shared by the calls' threads
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # Empty: new, or its first transaction never committed.
            if self._db.execute("SELECT 1 FROM sqlite_master").fetchone() is None:
                self._create()
            else:
                check_format(str(self.directory), self._db, KIND, READABLE_FORMATS)
        except (StateError, sqlite3.DatabaseError) as error:
            self.close()
            if isinstance(error, StateError):
                raise
            raise StateError(f"{self.directory} is not a personalize-local {KIND} ({error}).") from None

    def _take_lock(self) -> int:
        descriptor = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise StateError(
                f"The data directory {self.directory} is in use by another personalize-local server (pid {holder}); "
                "a data directory has one server at a time."
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
        return descriptor

    def _create(self) -> None:
        with self._transaction():
            for statement in SCHEMA.strip().split(";\n"):
                self._db.execute(statement)
            self._db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("format_version", str(FORMAT_VERSION)),
                    ("package_version", __version__),
                    ("created_at", datetime.now(timezone.utc).isoformat()),
                ],
            )

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db, self._guard)

    # Reading, once at start ------------------------------------------------------------------
    def read(self) -> tuple[Saved, dict[Place, int], dict[ObjectKey, str]]:
        """The latest checkpoint, the journal position each backend's state holds, and each S3 object's etag."""
        db = self._db
        saved = Saved()
        try:
            saved.backends = read_records(db)
            positions = {(str(a), str(r)): int(p) for a, r, p in db.execute("SELECT account_id, region, position FROM positions")}
            buckets = {
                (account_id, name): SavedBucket(account_id, name, region)
                for account_id, name, region in db.execute("SELECT account_id, name, region FROM s3_buckets ORDER BY rowid")
            }
            etags: dict[ObjectKey, str] = {}
            for account_id, bucket, key, etag, body in db.execute("SELECT account_id, bucket, key, etag, body FROM s3_objects ORDER BY rowid"):
                if (account_id, bucket) not in buckets or not isinstance(body, bytes):
                    raise StateError(f"it holds an object of the bucket {bucket!r} that is not one")
                buckets[(account_id, bucket)].objects.append((key, body))
                etags[(account_id, bucket, key)] = etag
        except (StateError, sqlite3.DatabaseError, ValueError, TypeError) as error:
            raise StateError(f"{self.directory} is not a personalize-local {KIND} this version reads ({error}).") from None
        saved.buckets = list(buckets.values())
        return saved, positions, etags

    def journal(self) -> Iterator[Entry]:
        """The acknowledged calls the checkpoint does not hold yet, in the order they were made."""
        rows = self._db.execute(
            "SELECT j.seq, j.account_id, j.region, j.service, j.operation, j.body FROM journal j "
            "LEFT JOIN positions b ON b.account_id = j.account_id AND b.region = j.region "
            "WHERE b.position IS NULL OR j.seq > b.position ORDER BY j.seq"
        )
        for row in rows.fetchall():
            yield Entry(*row)

    # Writing ---------------------------------------------------------------------------------
    def append(self, account_id: str, region: str, service: str, operation: str, body: bytes) -> int:
        """Journal one call; its position once committed."""
        with self._guard:
            cursor = self._db.execute(
                "INSERT INTO journal (account_id, region, service, operation, body) VALUES (?, ?, ?, ?, ?)",
                (account_id, region, service, operation, body),
            )
            return int(cursor.lastrowid or 0)

    def discard(self, seq: int) -> None:
        """Take back a journaled call that was refused: replaying it would only be refused again."""
        with self._guard:
            self._db.execute("DELETE FROM journal WHERE seq = ?", (seq,))

    def write(
        self,
        place: Place,
        records: list[SavedRecord],
        removed: Iterable[Key],
        position: int,
        stored: Mapping[Key, set[str]],
        s3: S3Changes | None = None,
    ) -> dict[Key, set[str]]:
        """One transaction: ``records`` written (blobs ``stored`` already are not written again), ``removed`` deleted,
        the backend's journal entries up to ``position`` dropped, as its records now hold them, and ``s3``'s changes.
        The blob keys each written record has once committed."""
        account_id, region = place
        with self._transaction() as db:
            held = insert_records(db, account_id, region, records, stored)
            delete_records(db, account_id, region, removed)
            db.execute(
                "INSERT INTO positions VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET position = excluded.position",
                (account_id, region, position),
            )
            db.execute("DELETE FROM journal WHERE account_id = ? AND region = ? AND seq <= ?", (account_id, region, position))
            if s3 is not None:
                _write_s3(db, s3)
        return held

    def s3_object(self, account_id: str, bucket: str, key: str) -> bytes | None:
        """An S3 object's body as the database holds it."""
        with self._guard:
            row = self._db.execute(
                "SELECT body FROM s3_objects WHERE account_id = ? AND bucket = ? AND key = ?", (account_id, bucket, key)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def write_s3(self, s3: S3Changes) -> None:
        with self._transaction() as db:
            _write_s3(db, s3)

    def close(self) -> None:
        with self._guard:
            self._db.close()
        if self._lock_file is not None:
            os.close(self._lock_file)  # lets go of the lock
            self._lock_file = None


def _write_s3(db: sqlite3.Connection, s3: S3Changes) -> None:
    db.execute("DELETE FROM s3_buckets")
    db.executemany("INSERT INTO s3_buckets VALUES (?, ?, ?)", ((a, name, region) for (a, name), region in s3.buckets.items()))
    db.executemany("DELETE FROM s3_objects WHERE account_id = ? AND bucket = ? AND key = ?", s3.gone)
    db.executemany("INSERT OR REPLACE INTO s3_objects VALUES (?, ?, ?, ?, ?)", ((*key, etag, body) for key, etag, body in s3.written))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT on the shared connection, under its guard; ROLLBACK if anything fails."""

    def __init__(self, db: sqlite3.Connection, guard: threading.Lock) -> None:
        self._db, self._guard = db, guard

    def __enter__(self) -> sqlite3.Connection:
        self._guard.acquire()
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            self._db.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self._guard.release()
