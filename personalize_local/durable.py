"""``personalize-local server --data-dir DIR``: the state kept across restarts, and across kills.

What a call acknowledged is durable before its answer leaves, two ways (state/datadir.py holds both):

- the data plane (personalize-events: PutEvents, PutUsers, PutItems, PutActions,
  PutActionInteractions) is journaled: each call that succeeded is appended, its request as it
  came, under its backend's lock, and replayed on start. Its effect follows from the request and
  the state alone, so the replay does what the call did;
- every other change is checkpointed: a call of the control plane that succeeded and is not a read
  (Create*, Delete*, Update*, Tag*, Stop*, Start* ...), and work landing (an import, a training, a
  job reaching its final status: see ``landing_listeners``), write the whole state of Personalize
  before the answer that shows it leaves. A checkpoint also holds, for each backend, the last journal
  entry its state includes: the replay starts after it, and the entries it holds are dropped.

Work can't outlive its process: a create whose work was running at the last checkpoint comes back
CREATE FAILED, its failureReason saying the emulator stopped (Lifecycle.resumable). moto's S3
objects are kept as they are written: after each S3 write through the server, and with each
checkpoint (jobs write their output within calls), what changed in S3 is written too.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Mapping

from botocore import xform_name
from moto.s3.models import FakeKey, s3_backends

from . import snapshot
from .backend import backend_for, personalize_backends
from .backend.lifecycle import landing_listeners
from .state.backends import encode_backend
from .state.datadir import DataDirStore, Entry, ObjectKey, S3Changes
from .state.store import SavedBackend
from .wire.dispatch import caller, dispatch
from .wire.errors import InternalFailure, ServiceError
from .wire.models import Route, service_model
from .wire.serialize import Response, serialize_error
from .wire.validate import validate

log = logging.getLogger(__name__)

# Services whose calls are journaled and replayed rather than checkpointed.
JOURNALED = frozenset({"personalize-events"})
# Operations that change nothing Personalize keeps: no checkpoint after them.
READS = ("Describe", "List", "Get")
# Requests to moto that change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MOTO_API = "/moto-api/"
# Journal entries after which the state is written whole, off the calls' path: replaying one takes
# about 0.15 ms, so a start after a kill replays at most about a second of them.
JOURNAL_LIMIT = 5000


class DataDir:
    """The server's state in a data directory: restored by :meth:`open`, kept by every call, folded by :meth:`close`."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.store = DataDirStore(directory)
        self.directory = self.store.directory
        self._positions: dict[tuple[str, str], int] = {}  # the last journal entry each backend's state holds
        self._etags: dict[ObjectKey, str] = {}  # S3 objects as the database holds them, and its buckets
        self._buckets: dict[tuple[str, str], str] = {}
        self._saving = threading.Lock()  # one checkpoint or S3 write at a time
        self._noting = threading.Lock()
        # Work landed so far (counted by the lifecycles' listener), and how much of it the last checkpoint holds.
        self._landed = 0
        self._saved = 0
        self._entries = 0  # journal entries since the last checkpoint began
        self._wake = threading.Event()
        self._closing = False
        self._saver: threading.Thread | None = None

    def open(self) -> dict[str, int]:
        """Restore the checkpoint and replay the journal after it; then keep everything from here on."""
        saved, self._positions, self._etags = self.store.read()
        self._buckets = {(bucket.account_id, bucket.name): bucket.region for bucket in saved.buckets}
        held = snapshot.restore(saved)
        replayed = 0
        for entry in self.store.journal():
            self._replay(entry)
            self._positions[(entry.account_id, entry.region)] = entry.seq
            replayed += 1
        self._entries = replayed
        landing_listeners.append(self._note_landing)
        self._saver = threading.Thread(target=self._save_landings, name="personalize-checkpoints", daemon=True)
        self._saver.start()
        return {**held, "journalEntries": replayed}

    def close(self) -> None:
        """Fold the journal into one last checkpoint and let go of the directory."""
        self._closing = True
        self._wake.set()
        if self._saver is not None:
            self._saver.join()
        if self._note_landing in landing_listeners:
            landing_listeners.remove(self._note_landing)
        try:
            self.checkpoint()
        finally:
            self.store.close()

    # Calls ------------------------------------------------------------------------------------
    def dispatch(self, found: Route, headers: Mapping[str, str], body: bytes, host: str) -> Response:
        """:func:`dispatch`, the call made durable before its answer is returned."""
        if found.service in JOURNALED:
            who = caller(headers, host)
            backend = backend_for(who.account_id, who.region)
            with backend.lock:  # the call and its entry together: a checkpoint holds both or neither
                answer = dispatch(found, headers, body, host)
                if answer[0] < 300:
                    self._positions[(who.account_id, who.region)] = self.store.append(
                        who.account_id, who.region, found.service, found.operation.name, body
                    )
                    self._entries += 1
            if self._entries >= JOURNAL_LIMIT:
                self._wake.set()
            changed = False
        else:
            answer = dispatch(found, headers, body, host)
            changed = answer[0] < 300 and not found.operation.name.startswith(READS)
        if changed or self._landed != self._saved:  # a change, or work landed this answer may show: kept first
            try:
                self.checkpoint()
            except Exception as error:  # a bug: the call is done, but would not survive a restart; say so
                log.exception("checkpoint of %s failed", self.directory)
                return serialize_error(found.operation.service_model, InternalFailure(
                    f"{found.operation.name} was done but could not be written to the data directory: {error!r}"
                ))
        return answer

    def after_moto(self, method: str, path: str) -> None:
        """After moto answered a request: keep what it changed (S3's objects; anything, for its own API)."""
        if method in SAFE_METHODS:
            return
        if path.startswith(MOTO_API):  # a reset, a state manager setting ...
            self.checkpoint()
        else:
            with self._saving:
                changes = self._s3_changes()
                if changes.written or changes.gone or changes.buckets != self._buckets:
                    self.store.write_s3(changes)
                    self._noted_s3(changes)

    # Checkpoints ------------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Write the whole state of Personalize, and what changed in S3, in one transaction."""
        with self._saving:
            landed, self._entries = self._landed, 0
            backends = []
            for account_id, regions in list(personalize_backends.items()):
                for region, backend in list(regions.items()):
                    with backend.lock:  # the state and the journal position it holds, read together
                        records = encode_backend(backend, land=False)
                        position = self._positions.get((account_id, region), 0)
                    backends.append((SavedBackend(account_id, region, records), position))
            changes = self._s3_changes()  # after encoding: it sends the output finished jobs owe S3
            self.store.write_checkpoint(backends, dict(self._positions), changes)
            self._noted_s3(changes)
            self._saved = landed

    def _note_landing(self) -> None:
        with self._noting:
            self._landed += 1
        self._wake.set()

    def _save_landings(self) -> None:
        """Work that lands with nobody asking (a worker finishing) is kept soon after, not only on the next call;
        a long journal is folded into the state."""
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            if self._landed != self._saved or self._entries >= JOURNAL_LIMIT:
                try:
                    self.checkpoint()
                except Exception:  # the next call that shows the work tries again, and says so
                    log.exception("checkpoint of %s failed", self.directory)

    # S3 ---------------------------------------------------------------------------------------
    def _s3_changes(self) -> S3Changes:
        changes = S3Changes(buckets={})
        current: dict[ObjectKey, FakeKey] = {}
        for account_id in list(s3_backends.keys()):
            s3 = s3_backends[account_id][snapshot.S3_PARTITION]
            for bucket in list(s3.buckets.values()):
                changes.buckets[(account_id, bucket.name)] = bucket.region_name
                for key, found in _objects(bucket):
                    current[(account_id, bucket.name, key)] = found
        for place, found in current.items():
            if self._etags.get(place) != found.etag:
                changes.written.append((place, found.etag, found.value))
        changes.gone = [place for place in self._etags if place not in current]
        return changes

    def _noted_s3(self, changes: S3Changes) -> None:
        self._buckets = changes.buckets
        for place, etag, _ in changes.written:
            self._etags[place] = etag
        for place in changes.gone:
            del self._etags[place]

    # Replay -----------------------------------------------------------------------------------
    @staticmethod
    def _replay(entry: Entry) -> None:
        """Make the journaled call again, as dispatch made it."""
        operation = service_model(entry.service).operation_model(entry.operation)
        backend = backend_for(entry.account_id, entry.region)
        try:
            params: dict[str, Any] = validate(operation.input_shape, json.loads(entry.body) if entry.body else {})
            with backend.serving():
                getattr(backend, xform_name(entry.operation))(**{xform_name(name): value for name, value in params.items()})
        except ServiceError as error:  # it succeeded on this state once; say so if it no longer does
            log.warning("journal entry %d (%s) could not be replayed: %s", entry.seq, entry.operation, error)


def _objects(bucket: Any) -> list[tuple[str, FakeKey]]:
    """A bucket's latest objects (not delete markers). moto's key store reads a copy of its keys, but a key
    deleted meanwhile by another call fails the read: read again."""
    while True:
        try:
            return [(key, found) for key, found in bucket.keys.items() if isinstance(found, FakeKey)]
        except (KeyError, RuntimeError):
            continue
