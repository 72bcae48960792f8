"""CSV files of a dataset's rows, as dataset export jobs write them: what an import job reads back.

The header names the schema's fields in the schema's order; each value is written as the
import reads it (export-data.md, data-prep-formatting.md): numbers as numbers (an int field
never as 3.0), booleans in lower case, nulls empty, and text quoted and escaped where needed.
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Callable

import numpy as np
import pandas as pd

from .csv_import import CsvDialect
from .schemas import Schema


def _boolean(value: Any) -> str:
    return "true" if value else "false"


# How a non-null value of each Avro type is written.
_WRITE: dict[str, Callable[[Any], str]] = {
    "string": str,
    "int": lambda value: str(int(value)),
    "long": lambda value: str(int(value)),
    "float": lambda value: repr(float(value)),
    "double": lambda value: repr(float(value)),
    "boolean": _boolean,
}


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def to_csv(frame: pd.DataFrame, schema: Schema) -> bytes:
    """``frame``'s rows under a header of ``schema``'s fields, in UTF-8."""
    columns = [
        ["" if _missing(value) else _WRITE[field.type](value) for value in frame[field.name]] for field in schema.fields
    ]
    text = io.StringIO(newline="")
    writer = csv.writer(text, CsvDialect)
    writer.writerow(schema.names)
    writer.writerows(zip(*columns))
    return text.getvalue().encode("utf-8")
