"""``personalize-local server --data-dir DIR``: the state kept across restarts, and across kills.

What a call acknowledged is durable before its answer leaves, and what can't be made durable is not
applied (state/datadir.py holds the database):

- the data plane (personalize-events: PutEvents, PutUsers, PutItems, PutActions,
  PutActionInteractions) is journaled ahead: the request is written before it is applied, under its
  backend's lock, and replayed on start. Its effect follows from the request and the state alone,
  so the replay does what the call did; a call that can't be journaled is refused unapplied;
- a call of the control plane that changed something writes the records that changed before its
  answer leaves: the resources it named or made or removed, the datasets (which events feed), and
  after work landed (an import, a training, a delete ending: ``landing_listeners``) every resource
  whose light encoding (codec.Fingerprint) changed. A write costs what changed: a record's blobs are
  written once, a dataset's recorded rows in chunks, and unchanged records not at all. If the write
  fails (a full disk), the call is undone and refused with a modeled error botocore does not retry;
- a worker in the background folds journaled calls into the records (``FOLD_AFTER`` entries, or a
  moment after the last), and writes work that landed with nobody asking.

Work can't outlive its process: a create whose work was running at the last write comes back
CREATE FAILED, its failureReason saying the emulator stopped (Lifecycle.resumable). moto's S3
objects are kept as they are written: after each S3 write through the server (undone, and refused,
if it can't be kept), and with each write of records, in its transaction (jobs write their output
within calls).
"""
from __future__ import annotations

import json
import logging
from contextlib import nullcontext
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from botocore import xform_name
from moto.s3.models import FakeKey

from . import snapshot
from .backend import PersonalizeBackend, backend_for, personalize_backends
from .backend.core import Resource
from .backend.lifecycle import finish_listeners, landing_listeners
from .errors import ResourceInUseException, ServiceError
from .service_models import service_model
from .state import StateError
from .state.backends import SavedRecord, encode_records, fingerprint, record_places
from .state.datadir import DataDirStore, Entry, Key, ObjectKey, Place, S3Changes
from .state.datasets import TableCache
from .wire.dispatch import Headers, caller, dispatch
from .wire.models import Route
from .wire.serialize import Response, serialize_error
from .wire.validate import validate

log = logging.getLogger(__name__)

# Services whose calls are journaled and replayed rather than written as records.
JOURNALED = frozenset({"personalize-events"})
# Operations that change nothing Personalize keeps: nothing to write after them (unless work landed).
READS = ("Describe", "List", "Get")
# Resource kinds that journaled calls change: checked at every write, so the records hold what the journal did.
FED_BY_EVENTS = ("dataset", "metric-attribution")
# Requests to moto that change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MOTO_API = "/moto-api/"
# Journal entries after which the background worker folds them into the records; and how long after
# the last entry it folds anyway, so the journal (and a start's replay) stays short.
FOLD_AFTER = 1000
FOLD_IDLE_SECONDS = 1.0
ARN = re.compile(r"arn:aws[a-z-]*:personalize:[^\"\s]+")


class NotDurable(Exception):
    """The data directory could not be written: the change is not kept."""


@dataclass
class Before:
    """What a control-plane call may change, as it was before the call: to undo it if it can't be kept."""

    keys: set[Key]
    named: dict[Key, Resource]
    attributes: dict[Key, dict[str, Any]] = field(default_factory=dict)
    lifecycles: dict[Key, dict[str, Any]] = field(default_factory=dict)
    tags: dict[Key, list[dict[str, str]] | None] = field(default_factory=dict)


@dataclass
class Pending:
    """A write worked out under the backend's lock, to make outside it."""

    place: Place
    records: list[SavedRecord]
    prints: dict[Key, str]
    controls: dict[Key, str]
    removed: set[Key]
    position: int
    s3: S3Changes | None
    landed: bool
    gone: bool
    settled: set[str]


class DataDir:
    """The server's state in a data directory: restored by :meth:`open`, kept by every call, folded by :meth:`close`."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.store = DataDirStore(directory)
        self.directory = self.store.directory
        self._positions: dict[Place, int] = {}  # the last journal entry applied to each backend
        self._folded: dict[Place, int] = {}  # the last journal entry each backend's records hold
        self._prints: dict[Place, dict[Key, str]] = {}  # each record's light encoding, as written
        self._controls: dict[Place, dict[Key, str]] = {}  # the same, blind to events, of the records events feed
        self._blobs: dict[Place, dict[Key, set[str]]] = {}  # each record's blobs, as written
        self._landed: set[Place] = set()  # backends where work landed since their last write
        self._gone: set[Place] = set()  # backends where a delete ended since: their removal is all it changed
        self._settled: dict[Place, set[str]] = {}  # resources whose status alone changed since (a create with no work)
        self._finished: set[Place] = set()  # backends where work a call watched finished: it lands at their clock
        self._cache = TableCache()
        self._etags: dict[ObjectKey, str] = {}  # S3 objects as the database holds them, and its buckets
        self._buckets: dict[tuple[str, str], str] = {}
        # Writes commit one at a time, in the order they were worked out; S3's own writes too.
        self._ordered = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._saver: threading.Thread | None = None

    def open(self) -> dict[str, int]:
        """Restore the records and replay the journal after them; then keep everything from here on."""
        saved, positions, self._etags = self.store.read()
        self._buckets = {(bucket.account_id, bucket.name): bucket.region for bucket in saved.buckets}
        held = snapshot.restore(saved)
        self._positions, self._folded = dict(positions), dict(positions)
        for kept in saved.backends:
            self._blobs[(kept.account_id, kept.region)] = {(r.kind, r.key): set(r.blobs) for r in kept.records}
        for place, backend in _backends():  # what is written: the state as restored, before the journal changes it
            external = record_places(backend)
            self._prints[place] = {key: fingerprint(backend, *key, external) for key in external.values()}
            self._controls[place] = {
                key: fingerprint(backend, *key, external, events=False) for key in external.values() if key[0] in FED_BY_EVENTS
            }
        replayed = 0
        for entry in self.store.journal():
            self._replay(entry)
            self._positions[(entry.account_id, entry.region)] = entry.seq
            replayed += 1
        landing_listeners.append(self._note_landing)
        finish_listeners.append(self._note_finish)
        self._saver = threading.Thread(target=self._save_in_background, name="personalize-data-dir", daemon=True)
        self._saver.start()
        return {**held, "journalEntries": replayed}

    def close(self) -> None:
        """Fold the journal into the records and let go of the directory."""
        self._closing = True
        self._wake.set()
        if self._saver is not None:
            self._saver.join()
        for _, backend in _backends():  # work done that nobody looked at yet lands, rather than coming back interrupted
            with backend.lock:
                backend.land_all(wait=False)
        if self._note_landing in landing_listeners:
            landing_listeners.remove(self._note_landing)
        if self._note_finish in finish_listeners:
            finish_listeners.remove(self._note_finish)
        try:
            self.checkpoint()
        finally:
            self.store.close()

    # Calls ------------------------------------------------------------------------------------
    def dispatch(self, found: Route, headers: Headers, body: bytes, host: str) -> Response:
        """:func:`dispatch`, the call made durable before its answer is returned, or refused unapplied.

        What keeps a call is worked out with the call, under its backend's lock, and written after it, outside:
        other calls of the backend go on while the database writes."""
        who = caller(headers, host)
        place = (who.account_id, who.region)
        backend = backend_for(*place)
        before: Before | None = None
        pending: Pending | NotDurable | None = None
        with backend.lock:
            if found.service in JOURNALED:
                answer = self._journaled(found, headers, body, host, place)
            elif found.operation.name.startswith(READS):
                made = backend.made
                answer = dispatch(found, headers, body, host)
                if backend.made != made:  # the read started work (an automatic training): written as work that landed
                    self._landed.add(place)
            else:
                before = self._before(backend, body)
                answer = dispatch(found, headers, body, host)
                if answer[0] >= 300:
                    before = None  # refused: nothing changed
            if before is not None or place in self._landed or place in self._gone or place in self._settled:  # a change, or landed work it may show
                named = set(before.named) | _named(backend, answer[2]) if before is not None else set()
                try:
                    pending = self._prepare(place, named)
                except NotDurable as error:
                    pending = error
        try:
            if isinstance(pending, NotDurable):
                raise pending
            if pending is not None:
                self._commit(pending)
        except NotDurable as error:
            if before is None:  # a read showing landed work: the next call that shows it tries again
                log.warning("the records of %s/%s could not be written to %s: %s", *place, self.directory, error)
                return answer
            with backend.lock:
                _undo(backend, before)
            return self._refused(found, error)
        return answer

    def _journaled(self, found: Route, headers: Headers, body: bytes, host: str, place: Place) -> Response:
        try:
            seq = self.store.append(*place, found.service, found.operation.name, body)
        except sqlite3.Error as error:
            return self._refused(found, NotDurable(str(error)))
        answer = dispatch(found, headers, body, host)
        if answer[0] < 300:
            self._positions[place] = seq
            if seq - self._folded.get(place, 0) >= FOLD_AFTER:
                self._wake.set()
        else:
            try:
                self.store.discard(seq)
            except sqlite3.Error:  # kept: its replay is refused again, changing nothing
                log.warning("a refused call stays in the journal of %s", self.directory)
        return answer

    def _refused(self, found: Route, error: Exception) -> Response:
        return serialize_error(found.operation.service_model, ResourceInUseException(
            f"{found.operation.name} was not applied: the data directory {self.directory} could not keep it ({error}). "
            "Free space (or make the directory writable) and call again."
        ))

    @staticmethod
    def _before(backend: PersonalizeBackend, body: bytes) -> Before:
        """The resources the request names, as they are: their attributes (and their containers' contents),
        their lifecycles' and their tags; and which resources there are."""
        by_arn = {arn: (kind, arn) for kind, table in backend.resources.items() for arn in table}
        named = {by_arn[arn]: backend.resources[by_arn[arn][0]][arn] for arn in _arns(body) if arn in by_arn}
        before = Before(set(by_arn.values()), named)
        for key, resource in named.items():
            before.attributes[key] = {name: _copied(value) for name, value in vars(resource).items()}
            if resource.lifecycle is not None:
                before.lifecycles[key] = dict(vars(resource.lifecycle))
            tags = backend.tags.get(key[1])
            before.tags[key] = list(tags) if tags is not None else None
        return before

    def after_moto(self, method: str, path: str) -> bool:
        """After moto answered a request: keep what it changed (S3's objects; anything, for its own API).
        False if S3's change could not be kept: it is then undone."""
        if method in SAFE_METHODS:
            return True
        if path.startswith(MOTO_API):  # a reset, a state manager setting ...
            self.checkpoint()
            return True
        with self._ordered:
            changes = self._s3_changes()
            if not (changes.written or changes.gone or changes.buckets != self._buckets):
                return True
            try:
                self.store.write_s3(changes)
            except sqlite3.Error:
                log.exception("S3's change could not be kept in %s; undoing it", self.directory)
                self._undo_s3(changes)
                return False
            self._noted_s3(changes)
            return True

    # Writing records --------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Write every backend's records that changed, looking at every resource, and fold the journal."""
        places = set(self._prints) | {place for place, _ in _backends()}
        for place in places:
            self._landed.add(place)
            self._write(place, set(), fold=True)

    def _write(self, place: Place, named: set[Key], fold: bool = False) -> None:
        """:meth:`_prepare` and :meth:`_commit`: NotDurable if the database can't be written (nothing is then noted)."""
        pending = self._prepare(place, named, fold)
        if pending is not None:
            self._commit(pending)

    def _prepare(self, place: Place, named: set[Key], fold: bool = False) -> Pending | None:
        """Under the backend's lock, what to write of it: the records that changed among ``named``, the new and the
        removed ones; among all of them after work landed. Those events feed are written together, only to ``fold``
        the journal or when something besides events changed one of them, so the records hold the journal up to a
        position. None if nothing changed; else the write holds the order of writes (``_ordered``) until committed."""
        backend = _backend_at(place)
        with backend.lock if backend is not None else nullcontext():
            self._ordered.acquire()
            try:
                return self._changes(place, backend, named, fold)
            except BaseException:
                self._ordered.release()
                raise

    def _changes(self, place: Place, backend: PersonalizeBackend | None, named: set[Key], fold: bool) -> Pending | None:
        external = record_places(backend) if backend is not None else {}
        present = set(external.values())

        def printed(key: Key, events: bool = True) -> str:
            assert backend is not None, "the keys present are of the backend's records"
            return fingerprint(backend, *key, external, events=events)

        prints = self._prints.setdefault(place, {})
        controls = self._controls.setdefault(place, {})
        fed = {key for key in present if key[0] in FED_BY_EVENTS}
        # Taken now, under the lock landings happen under: a landing after this is the next write's to see.
        landed, gone, settled = place in self._landed, place in self._gone, self._settled.pop(place, set())
        self._landed.discard(place)
        self._gone.discard(place)
        looked = present if landed else (named & present) | (present - prints.keys()) | {key for key in present if key[1] in settled}
        folding = fold or any(
            key not in controls or printed(key, events=False) != controls[key] for key in looked & fed
        )
        looked = looked | fed if folding else looked - fed
        changed = {key: printed(key) for key in looked}
        changed = {key: value for key, value in changed.items() if prints.get(key) != value}
        removed = prints.keys() - present
        position = self._positions.get(place, 0) if folding else self._folded.get(place, 0)
        s3 = self._s3_changes()
        s3_changed = bool(s3.written or s3.gone or s3.buckets != self._buckets)
        if not (changed or removed or s3_changed or position != self._folded.get(place, 0)):
            self._ordered.release()
            return None
        try:
            records = encode_records(backend, changed, external, self._cache) if changed and backend is not None else []
        except StateError as error:  # a bug: what can't be encoded is refused like what can't be written
            log.exception("the state of %s/%s could not be encoded", *place)
            self._relook(place, landed, gone, settled)
            raise NotDurable(f"its state could not be encoded: {error}") from None
        controls_now = {key: printed(key, events=False) for key in changed.keys() & fed}
        return Pending(place, records, changed, controls_now, removed, position, s3 if s3_changed else None, landed, gone, settled)

    def _relook(self, place: Place, landed: bool, gone: bool, settled: set[str]) -> None:
        """A write that was not made: what it was to look at, the next one looks at."""
        if landed:
            self._landed.add(place)
        if gone:
            self._gone.add(place)
        if settled:
            self._settled.setdefault(place, set()).update(settled)

    def _commit(self, pending: Pending) -> None:
        """Write what :meth:`_prepare` worked out (it holds ``_ordered``), and note it once committed."""
        place = pending.place
        try:
            stored = self._blobs.setdefault(place, {})
            try:
                held = self.store.write(place, pending.records, pending.removed, pending.position, stored, pending.s3)
            except sqlite3.Error as error:
                self._relook(place, pending.landed, pending.gone, pending.settled)
                raise NotDurable(str(error)) from None
            if pending.s3 is not None:
                self._noted_s3(pending.s3)
            self._prints[place].update(pending.prints)
            self._controls[place].update(pending.controls)
            stored.update(held)
            for key in pending.removed:
                self._prints[place].pop(key, None)
                self._controls[place].pop(key, None)
                stored.pop(key, None)
            self._folded[place] = pending.position
        finally:
            self._ordered.release()

    def _write_quietly(self, place: Place, fold: bool = False) -> None:
        try:
            self._write(place, set(), fold)
        except NotDurable as error:  # the next call that shows the work tries again
            log.warning("the records of %s/%s could not be written to %s: %s", *place, self.directory, error)

    def _note_landing(self, owner: Resource, alone: bool) -> None:
        """Work landed: look at every resource of its backend at the next write, as its result may change any; a
        delete that ended removed its resource, and a create with no work changed its own status: the next write
        finds either without looking at the others."""
        place = _place_of(owner.arn)
        backend = _backend_at(place) if place is not None else None
        if place is None or backend is None:
            return
        if alone:
            self._settled.setdefault(place, set()).add(owner.arn)
        elif not any(owner.arn in table for table in backend.resources.values()):
            self._gone.add(place)
        else:
            self._landed.add(place)
        self._wake.set()

    def _note_finish(self, owner: Resource) -> None:
        """Work a call watched finished: the background writer runs its backend's clock, where it lands, and keeps it."""
        place = _place_of(owner.arn)
        if place is not None:
            self._finished.add(place)
            self._wake.set()

    def _save_in_background(self) -> None:
        """Work that lands with nobody asking (a worker finishing) is kept soon after; the journal is folded into
        the records at once past FOLD_AFTER entries, else at most once every FOLD_IDLE_SECONDS."""
        folded_at: dict[Place, float] = {}
        while not self._closing:
            self._wake.wait(FOLD_IDLE_SECONDS)
            self._wake.clear()
            if self._closing:
                return
            for place in list(self._finished):
                self._finished.discard(place)
                backend = _backend_at(place)
                if backend is not None:
                    with backend.lock:  # its clock: what finished lands (and _note_landing takes note)
                        backend.clock()
            for place in list(self._landed | self._gone | self._settled.keys()):
                self._write_quietly(place)
            now = time.monotonic()
            for place, seq in list(self._positions.items()):
                behind = seq - self._folded.get(place, 0)
                if behind >= FOLD_AFTER or (behind > 0 and now - folded_at.get(place, 0.0) >= FOLD_IDLE_SECONDS):
                    folded_at[place] = now
                    self._write_quietly(place, fold=True)

    # S3 ---------------------------------------------------------------------------------------
    def _s3_changes(self) -> S3Changes:
        changes = S3Changes(buckets={})
        current: dict[ObjectKey, FakeKey] = {}
        for account_id, s3 in snapshot.s3_partitions():
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

    def _undo_s3(self, changes: S3Changes) -> None:
        """Put moto's S3 back as the database holds it: objects written since are taken back or restored, objects
        gone are restored, buckets made since are removed."""
        for (account_id, bucket, key), _, _ in changes.written:
            s3 = snapshot.s3_of(account_id, changes.buckets[(account_id, bucket)])
            kept = self.store.s3_object(account_id, bucket, key) if (account_id, bucket, key) in self._etags else None
            if kept is None:
                s3.delete_object(bucket, key)
            else:
                s3.put_object(bucket, key, kept)
        for account_id, bucket, key in changes.gone:
            kept = self.store.s3_object(account_id, bucket, key)
            if kept is not None:
                snapshot.s3_of(account_id, self._buckets[(account_id, bucket)]).put_object(bucket, key, kept)
        for account_id, name in changes.buckets.keys() - self._buckets.keys():
            s3 = snapshot.s3_of(account_id, changes.buckets[(account_id, name)])
            if not s3.buckets[name].keys:
                s3.delete_bucket(name)

    # Replay -----------------------------------------------------------------------------------
    def _replay(self, entry: Entry) -> None:
        """Make the journaled call again, as dispatch made it; StateError for an entry no call of this version made."""
        if entry.service not in JOURNALED:
            raise StateError(f"{self.directory}: journal entry {entry.seq} is a call of {entry.service!r}, which is never journaled.")
        model = service_model(entry.service)
        if entry.operation not in model.operation_names:
            raise StateError(f"{self.directory}: journal entry {entry.seq} names {entry.operation!r}, no operation of {entry.service}.")
        operation = model.operation_model(entry.operation)
        backend = backend_for(entry.account_id, entry.region)
        try:
            body = json.loads(entry.body) if entry.body else {}
        except (ValueError, RecursionError):
            raise StateError(f"{self.directory}: journal entry {entry.seq} is not a request.") from None
        try:
            params: dict[str, Any] = validate(operation.input_shape, body)
            handler = backend.handler(xform_name(entry.operation))
            if handler is None:
                raise StateError(f"{self.directory}: journal entry {entry.seq} is of {entry.operation}, which no service answers.")
            with backend.serving(entry.operation, params):
                handler(**{xform_name(name): value for name, value in params.items()})
        except ServiceError as error:  # refused once when it was made, or no longer possible: it changes nothing
            log.warning("journal entry %d (%s) could not be replayed: %s", entry.seq, entry.operation, error)


def _backends() -> Iterator[tuple[Place, PersonalizeBackend]]:
    for account_id, regions in list(personalize_backends.items()):
        for region, backend in list(regions.items()):
            yield (account_id, region), backend


def _backend_at(place: Place) -> PersonalizeBackend | None:
    regions = dict.get(personalize_backends, place[0])
    return None if regions is None else dict.get(regions, place[1])


def _place_of(arn: str) -> Place | None:
    parts = arn.split(":", 5)
    return (parts[4], parts[3]) if len(parts) == 6 else None


def _arns(body: bytes | str) -> set[str]:
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    return set(ARN.findall(text))


def _named(backend: PersonalizeBackend, body: bytes) -> set[Key]:
    """The resources an answer names (the ARN a create answers)."""
    arns = _arns(body)
    return {(kind, arn) for kind, table in backend.resources.items() for arn in arns if arn in table}


def _copied(value: Any) -> Any:
    """A value as it is now, whatever is done to it in place: containers are copied (one level)."""
    return type(value)(value) if type(value) in (dict, list, set) else value


def _undo(backend: PersonalizeBackend, before: Before) -> None:
    """Put the resources a refused call changed back as they were: the ones it made are dropped (their work
    cancelled), the ones it named get their attributes, lifecycles and tags back."""
    for kind, table in backend.resources.items():
        for arn in [arn for arn in table if (kind, arn) not in before.keys]:
            made = table[arn]
            if made.lifecycle is not None:
                made.lifecycle.abandon()
            table.pop(arn, None)
            backend.tags.pop(arn, None)
    for key, resource in before.named.items():
        vars(resource).clear()
        vars(resource).update(before.attributes[key])
        if key in before.lifecycles and resource.lifecycle is not None:
            vars(resource.lifecycle).clear()
            vars(resource.lifecycle).update(before.lifecycles[key])
        backend.table(key[0])[key[1]] = resource
        tags = before.tags[key]
        if tags is None:
            backend.tags.pop(key[1], None)
        else:
            backend.tags[key[1]] = tags


def _objects(bucket: Any) -> list[tuple[str, FakeKey]]:
    """A bucket's latest objects (not delete markers). moto's key store reads a copy of its keys, but a key
    deleted meanwhile by another call fails the read: read again."""
    while True:
        try:
            return [(key, found) for key, found in bucket.keys.items() if isinstance(found, FakeKey)]
        except (KeyError, RuntimeError):
            continue
