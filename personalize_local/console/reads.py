"""What the console shows that no AWS API answers: a dataset's rows, item records and a job's output in S3, read as they are."""
from __future__ import annotations

import json
from typing import Any

from ..backend import PersonalizeBackend
from ..data.s3 import S3ReadError, read_objects, read_prefix, split_location
from ..errors import InvalidInputException, ResourceNotFoundException
from ..filters.records import records_of


def dataset_rows(backend: PersonalizeBackend, dataset_arn: str, offset: int, limit: int) -> dict[str, Any]:
    """How many rows the dataset holds (imported, then recorded) and the ``limit`` of them from ``offset``."""
    table = backend.datasets.datasets.get(dataset_arn).table
    page = table.frame().iloc[offset : offset + limit]
    # pandas writes numpy numbers and missing values (NaN, None) as JSON numbers and null.
    return {
        "rowCount": len(table),
        "offset": offset,
        "columns": list(table.columns),
        "rows": json.loads(page.to_json(orient="values")) if len(page) else [],
    }


def item_records(backend: PersonalizeBackend, dataset_group_arn: str, item_ids: list[str]) -> dict[str, Any]:
    """The group's Items columns and each item's current record ("" where a value or the record is missing)."""
    backend.dataset_groups.groups.get(dataset_group_arn)
    dataset = backend.datasets.dataset_of(dataset_group_arn, "ITEMS")
    if dataset is None:
        return {"columns": [], "items": {}}
    records = records_of(dataset.table)
    columns = [c for c in dataset.table.columns if c != dataset.table.key]
    return {"columns": columns, "items": {i: {c: records.raw_value(i, c) for c in columns} for i in item_ids}}


def s3_objects(backend: PersonalizeBackend, location: str) -> dict[str, Any]:
    """The objects whose key starts with ``location``'s (a job's output path), with their sizes."""
    try:
        files = read_prefix(backend.account_id, backend.partition, location)
    except S3ReadError as error:
        raise ResourceNotFoundException(str(error)) from None
    return {"objects": [{"location": name, "size": len(body)} for name, body in files]}


def s3_object(backend: PersonalizeBackend, location: str) -> bytes:
    """The body of the one object at ``location``."""
    parts = split_location(location)
    if parts is None or not parts[1] or parts[1].endswith("/"):
        raise InvalidInputException(f"Value '{location}' at 'location' must name an object: s3://bucket-name/key.")
    try:
        [(_, body)] = read_objects(backend.account_id, backend.partition, location)
    except S3ReadError as error:
        raise ResourceNotFoundException(str(error)) from None
    return body
