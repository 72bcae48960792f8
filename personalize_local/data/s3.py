"""Read and write what jobs name in S3, in moto's S3: the store boto3 writes to under the mock and the server."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

# s3://bucket, then optionally /key. Bucket names are made of these characters, legacy ones included.
_S3_PATH = re.compile(r"s3://([A-Za-z0-9._-]+)(?:/(.*))?", re.DOTALL)


class S3ReadError(ValueError):
    """The location cannot be read; the message says why, naming it."""


class S3WriteError(ValueError):
    """The location cannot be written to; the message says why, naming it."""


def split_location(location: str) -> tuple[str, str] | None:
    """The bucket and key (empty for the whole bucket) of an s3:// path; None if ``location`` isn't one."""
    match = _S3_PATH.fullmatch(location)
    return (match.group(1), match.group(2) or "") if match else None


def _bucket_of(account_id: str, partition: str, location: str, error: type[ValueError] = S3ReadError) -> tuple[Any, Any, str]:
    """moto's S3 backend of the account in the partition (aws, aws-cn ...: each has its own buckets), the bucket and
    the key of ``location``; ``error`` says what is wrong with it."""
    parts = split_location(location)
    if parts is None:
        raise error(f"The data location {location} is not an s3:// path.")
    bucket_name, key = parts
    # Looking a backend up takes moto's global lock: only ever from within an API call.
    backend = s3_backends[account_id][partition]
    try:
        return backend, backend.get_bucket(bucket_name), key
    except MissingBucket:
        raise error(f"The bucket {bucket_name} of {location} does not exist.") from None


def _read(backend: Any, bucket: Any, names: list[str]) -> list[tuple[str, bytes]]:
    files = []
    for name in names:
        found = backend.get_object(bucket.name, name)
        if found is None:
            raise S3ReadError(f"The object s3://{bucket.name}/{name} does not exist.")
        files.append((f"s3://{bucket.name}/{name}", found.value))
    return files


def _keys(bucket: Any, prefix: str) -> list[str]:
    return sorted(k for k in list(bucket.keys.keys()) if k.startswith(prefix) and not k.endswith("/"))


def read_objects(account_id: str, partition: str, location: str) -> list[tuple[str, bytes]]:
    """The object at ``location``, or every object under it when it ends in ``/`` (a folder), by key."""
    backend, bucket, key = _bucket_of(account_id, partition, location)
    if key.endswith("/") or not key:
        names = _keys(bucket, key)
        if not names:
            raise S3ReadError(f"The folder {location} holds no files.")
    else:
        names = [key]
    return _read(backend, bucket, names)


def read_prefix(account_id: str, partition: str, location: str, outputs: str | None = None) -> list[tuple[str, bytes]]:
    """Every object whose key starts with ``location``'s, by key: S3 paths are prefixes, as batch jobs read them.

    Keys ending in ``outputs`` (the suffix of a job's output files, which may lie beside its input) are left
    out, unless ``location`` names one of them exactly."""
    backend, bucket, key = _bucket_of(account_id, partition, location)
    found = _keys(bucket, key)
    names = [name for name in found if name == key or not (outputs and name.endswith(outputs))]
    if not names:
        left_out = f"; output files (*{outputs}) are not read as input" if found else ""
        raise S3ReadError(f"No object in s3://{bucket.name} has a key starting with '{key}' ({location}){left_out}.")
    return _read(backend, bucket, names)


@dataclass(frozen=True)
class S3Folder:
    """A folder to write objects into, found during an API call: writing later looks no moto backend up."""

    backend: Any
    bucket: str
    prefix: str  # "" or ending in "/"

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def put(self, name: str, body: bytes) -> None:
        try:
            self.backend.put_object(self.bucket, f"{self.prefix}{name}", body)
        except MissingBucket:
            raise S3WriteError(f"The bucket {self.bucket} of {self.location(name)} does not exist.") from None


def output_folder(account_id: str, partition: str, location: str) -> S3Folder:
    """The folder ``location`` names (a path without a trailing ``/`` is a folder too); its bucket must exist."""
    backend, bucket, key = _bucket_of(account_id, partition, location, S3WriteError)
    return S3Folder(backend, bucket.name, key if not key or key.endswith("/") else f"{key}/")
