"""Read what a job names in S3, and write what jobs output, in moto's S3: the store boto3 uses under the mock and the server."""
from __future__ import annotations

import re

from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

# s3://bucket, then optionally /key. Bucket names are made of these characters, legacy ones included.
_S3_PATH = re.compile(r"s3://([A-Za-z0-9._-]+)(?:/(.*))?", re.DOTALL)


class S3ReadError(ValueError):
    """The location cannot be read; the message says why, naming it."""


def split_location(location: str) -> tuple[str, str] | None:
    """The bucket and key (empty for the whole bucket) of an s3:// path; None if ``location`` isn't one."""
    match = _S3_PATH.fullmatch(location)
    return (match.group(1), match.group(2) or "") if match else None


def read_objects(account_id: str, location: str) -> list[tuple[str, bytes]]:
    """The object at ``location``, or every object under it when it ends in ``/`` (a folder), by key."""
    parts = split_location(location)
    if parts is None:
        raise S3ReadError(f"The data location {location} is not an s3:// path.")
    bucket_name, key = parts
    backend = s3_backends[account_id]["aws"]
    try:
        bucket = backend.get_bucket(bucket_name)
    except MissingBucket:
        raise S3ReadError(f"The bucket {bucket_name} of {location} does not exist.") from None
    if key.endswith("/") or not key:
        names = sorted(k for k in list(bucket.keys.keys()) if k.startswith(key) and not k.endswith("/"))
        if not names:
            raise S3ReadError(f"The folder {location} holds no files.")
    else:
        names = [key]
    files = []
    for name in names:
        found = backend.get_object(bucket_name, name)
        if found is None:
            raise S3ReadError(f"The object {location} does not exist.")
        files.append((f"s3://{bucket_name}/{name}", found.value))
    return files


class S3WriteError(ValueError):
    """The location cannot be written to; the message says why, naming it."""


def output_folder(account_id: str, location: str) -> str:
    """``location`` as a folder to write into (``s3://bucket/prefix/``), once its bucket is known to exist."""
    parts = split_location(location)
    if parts is None:
        raise S3WriteError(f"The output path {location} is not an s3:// path.")
    bucket_name, key = parts
    try:
        s3_backends[account_id]["aws"].get_bucket(bucket_name)
    except MissingBucket:
        raise S3WriteError(f"The bucket {bucket_name} of {location} does not exist.") from None
    return f"s3://{bucket_name}/{key if not key or key.endswith('/') else key + '/'}"


def write_object(account_id: str, location: str, body: bytes) -> None:
    """Put ``body`` at ``location`` (``s3://bucket/key``) in moto's S3, where the caller's S3 client reads it."""
    parts = split_location(location)
    if parts is None:
        raise S3WriteError(f"The output path {location} is not an s3:// path.")
    try:
        s3_backends[account_id]["aws"].put_object(*parts, body)
    except MissingBucket:
        raise S3WriteError(f"The bucket {parts[0]} of {location} does not exist.") from None
