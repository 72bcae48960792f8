"""One region-account backend's state as records: one per resource, each with its tags and its blobs.

A record is its resource encoded on its own (records.py says what it may hold); a resource of
another record met inside it is written as a reference to that record, so records are written and
read one by one (a data directory writes only those that changed) and still share what they shared.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..backend.core import BackendCore, Resource
from .arrays import EXTENSIONS
from .codec import Decoder, Encoder, External, Fingerprint, StateError
from .lifecycles import Lifecycles
from .records import CONTROL_SUMMARIES, KINDS, REGISTRY, SUMMARIES
from .datasets import EventLogs, TableCache, Tables

# The errors a malformed record can raise on its way in, besides StateError: each is refused as one StateError.
MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError, MemoryError, OverflowError)


@dataclass
class SavedRecord:
    """One resource: its kind, its key (the ARN), its JSON (``{"value": ..., "tags": [...]}``) and its blobs by key."""

    kind: str
    key: str
    state: str
    blobs: dict[str, bytes]


def record_places(backend: BackendCore) -> dict[int, External]:
    """Every resource of the backend by id: what records refer to one another by."""
    return {id(resource): (kind, arn) for kind, table in backend.resources.items() for arn, resource in table.items()}


def encode_backend(backend: BackendCore, land: bool = True) -> list[SavedRecord]:
    """The backend's state, a record per resource.

    ``land``: first read every status as a describe would (and wait for work as a call does); a data
    directory's checkpoints don't, as they must neither wait nor count as describes."""
    with backend.lock:
        if land:
            backend.land_all(wait=True)
        backend._send_outbox()  # writes to S3 a finished job still owes land before S3 is saved
        return encode_records(backend, [(kind, arn) for kind, table in backend.resources.items() for arn in table])


def _extensions(backend: BackendCore | None = None) -> tuple[Any, ...]:
    return EXTENSIONS + (Tables(), EventLogs(), Lifecycles(backend.condition if backend is not None else None))


def encode_records(
    backend: BackendCore, places: Iterable[External], external: dict[int, External] | None = None, cache: TableCache | None = None
) -> list[SavedRecord]:
    """The records of the resources at ``places`` (under the backend's lock); ``cache`` keeps tables' parts between calls."""
    external = record_places(backend) if external is None else external
    saved = []
    for kind, arn in places:
        if kind not in KINDS:
            raise StateError(f"The state holds resources of kind {kind!r}, which a snapshot may not hold.")
        resource = backend.resources[kind][arn]
        encoder = Encoder(REGISTRY, _extensions(), external, cache)
        encoder._path.append(f"resources[{kind!r}][{arn!r}]")
        tree = {"value": encoder.root(resource), "tags": backend.tags.get(arn, [])}
        saved.append(SavedRecord(kind, arn, json.dumps(tree, separators=(",", ":")), encoder.blobs))
    return saved


def fingerprint(backend: BackendCore, kind: str, arn: str, external: dict[int, External], events: bool = True) -> str:
    """The record's light encoding (codec.Fingerprint): equal while the record would be written the same.
    Without ``events``, blind to what journaled calls change."""
    resource = backend.resources[kind][arn]
    encoder = Fingerprint(REGISTRY, _extensions(), external, SUMMARIES if events else CONTROL_SUMMARIES)
    return json.dumps([encoder.root(resource), backend.tags.get(arn, [])], separators=(",", ":"))


def restore_backend(backend: BackendCore, records: list[SavedRecord], blob_of: Callable[[dict[str, bytes]], Callable[[Any], bytes]]) -> None:
    """Replace the (fresh) backend's state with the saved records; every resource settled, no work running.

    StateError, naming what was refused, for anything this version does not write; the backend is then unchanged."""
    where = f"{backend.account_id}/{backend.region_name}"
    try:
        resources, tags = _decode(backend, records, blob_of)
    except StateError as error:
        raise StateError(f"{where}: {error}") from None
    except MALFORMED as error:
        raise StateError(f"{where}: a record is malformed ({type(error).__name__}: {str(error)[:200]}).") from None
    with backend.lock:
        backend.resources, backend.tags = resources, tags


def _decode(
    backend: BackendCore, records: list[SavedRecord], blob_of: Callable[[dict[str, bytes]], Callable[[Any], bytes]]
) -> tuple[dict[str, dict[str, Resource]], dict[str, list[dict[str, str]]]]:
    saved: dict[External, tuple[Any, dict[str, bytes]]] = {}
    tags: dict[str, list[dict[str, str]]] = {}
    for record in records:
        if record.kind not in KINDS or not isinstance(record.key, str):
            raise StateError(f"the state holds a record of kind {record.kind!r}, which a snapshot may not hold: refused.")
        try:
            tree = json.loads(record.state)
        except (ValueError, RecursionError):
            raise StateError(f"the record of {record.key} is not JSON this version reads.") from None
        if not isinstance(tree, dict) or set(tree) != {"value", "tags"}:
            raise StateError(f"the record of {record.key} is not a record this version reads.")
        saved[(record.kind, record.key)] = (tree["value"], record.blobs)
        if tree["tags"]:
            tags[record.key] = _tags(record.key, tree["tags"])
    made: dict[External, Resource] = {}

    def external(place: External) -> Resource:
        found = made.get(place)
        if found is None:
            if place not in saved:
                raise StateError(f"a record refers to {place[0]} {place[1]!r}, which the state does not hold.")
            found = decode(place)
        return found

    def decode(place: External) -> Resource:
        kind, key = place
        value, blobs = saved[place]

        def register(obj: Resource) -> None:
            if type(obj) is not KINDS[kind]:
                raise StateError(f"the record of {key} holds a {type(obj).__name__}, not a {kind}: refused.")
            made[place] = obj

        decoder = Decoder(REGISTRY, blob_of(blobs), _extensions(backend), external)
        resource = decoder.root(value, register)
        if resource.arn != key:
            raise StateError(f"the record of {key} holds the resource {resource.arn!r}: refused.")
        return resource

    resources: dict[str, dict[str, Resource]] = {}
    for place in saved:
        resources.setdefault(place[0], {})[place[1]] = external(place)
    return resources, tags


def _tags(arn: str, tags: Any) -> list[dict[str, str]]:
    if not isinstance(tags, list) or not all(
        isinstance(tag, dict) and set(tag) == {"tagKey", "tagValue"} and all(isinstance(v, str) for v in tag.values()) for tag in tags
    ):
        raise StateError(f"the tags of {arn} are not tags: refused.")
    return tags
