"""Snapshots: the whole emulator state in one file, loaded into a fresh mock or server in well under a second.

A snapshot holds Personalize in every account and region (every resource, the data of every
dataset, every trained model, tags) and moto's S3 buckets and objects (their bytes; not versions,
policies or other settings). Loading one replaces all of Personalize's state and puts the buckets
and objects back (creating missing buckets, overwriting objects), leaving the rest of moto alone.

Work can't outlive its process: a resource whose work was running when the snapshot was taken
comes back CREATE FAILED, its failureReason saying the emulator stopped; see Lifecycle.resumable.

    from personalize_local import mock_personalize, snapshot

    with mock_personalize():
        ...                          # build and train
        snapshot.save("trained.db")
    with mock_personalize():
        snapshot.load("trained.db")  # every resource as it was, ACTIVE, the models trained
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from moto.s3.models import FakeKey, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from .backend import PersonalizeBackend, personalize_backends
from .state.backends import encode_backend, restore_backend
from .state.codec import StateError
from .state.store import Saved, SavedBackend, SavedBucket, blob_reader, counts, read, write

# What a snapshot may name: accounts, regions and buckets as AWS writes them.
ACCOUNT = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

__all__ = ["save", "load", "restore", "dumps", "loads", "StateError"]


def save(path: str | os.PathLike[str]) -> dict[str, int]:
    """Write the emulator's whole state to ``path``; how many backends, buckets and objects it holds."""
    saved = Saved()
    for account_id, regions in list(personalize_backends.items()):
        for region, backend in list(regions.items()):
            saved.backends.append(SavedBackend(account_id, region, encode_backend(backend)))
    for account_id, s3 in s3_partitions():
        for bucket in list(s3.buckets.values()):
            objects = [(key, found.value) for key, found in bucket.keys.items() if isinstance(found, FakeKey)]
            saved.buckets.append(SavedBucket(account_id, bucket.name, bucket.region_name, objects))
    write(path, saved)
    return counts(saved)


def load(path: str | os.PathLike[str], label: str | None = None) -> dict[str, int]:
    """Replace the emulator's state with the snapshot at ``path`` (named ``label`` in messages);
    StateError, and nothing changed, if it can't be read."""
    return restore(read(path, label))


def restore(saved: Saved) -> dict[str, int]:
    """Replace the emulator's state with ``saved``; StateError, and nothing changed, if it can't be decoded."""
    # Everything is checked and decoded into fresh backends first: a snapshot refused half-way changes nothing.
    for place in [(b.account_id, b.region) for b in saved.backends] + [(b.account_id, b.region) for b in saved.buckets]:
        if not (ACCOUNT.fullmatch(place[0]) and REGION.fullmatch(place[1])):
            raise StateError(f"The state names the account {place[0]!r} in the region {place[1]!r}, which are not an account and a region.")
    for bucket in saved.buckets:
        if not BUCKET.fullmatch(bucket.name):
            raise StateError(f"The state names the bucket {bucket.name!r}, which is not a bucket's name.")
    fresh = []
    for saved_backend in saved.backends:
        backend = PersonalizeBackend(saved_backend.region, saved_backend.account_id)
        restore_backend(backend, saved_backend.records, blob_reader)
        fresh.append(backend)
    for regions in list(personalize_backends.values()):
        for backend in list(regions.values()):
            backend.reset()  # cancels work still running
    for backend in fresh:
        personalize_backends[backend.account_id][backend.region_name] = backend
    for bucket in saved.buckets:
        s3 = s3_of(bucket.account_id, bucket.region)
        if bucket.name not in s3.buckets:
            s3.create_bucket(bucket.name, bucket.region)
        for key, body in bucket.objects:
            s3.put_object(bucket.name, key, body)
    return counts(saved)


def s3_partitions() -> list[tuple[str, S3Backend]]:
    """moto's S3 of each account in each partition it has used: moto keeps one a partition, named by it."""
    return [(account_id, s3) for account_id in list(s3_backends.keys()) for s3 in list(dict.values(s3_backends[account_id]))]


def s3_of(account_id: str, region: str) -> S3Backend:
    """moto's S3 that holds the account's buckets of ``region``: its partition's."""
    return s3_backends[account_id][get_partition(region)]


def dumps() -> bytes:
    """The snapshot :func:`save` writes, as bytes (what the server's snapshot endpoint answers)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.db"
        save(path)
        return path.read_bytes()


def loads(data: bytes) -> dict[str, int]:
    """:func:`load` from the bytes of a snapshot file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.db"
        path.write_bytes(data)
        return load(path, label="The file given")
