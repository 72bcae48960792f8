"""Bulk CSV import: what dataset import jobs read.

Each file is a header row naming columns, then one record per row. Rows are counted as CSV
records, with the header as row 1 and the first data row as row 2 (a quoted value that spans
lines still belongs to one row). Every row is checked before anything is returned, so an import
either yields all its rows or fails with the first bad one.

Columns map to the schema's fields by name, in any order (data-prep-formatting.md: the headers
"need to map to the schema"; the service's own workshop imports USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE
against a schema ordered USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP, and the guide's impressions example
lists its columns alphabetically). A column the schema doesn't name is ignored, as the service's
Trending-Now sample shows with the blank-named index column pandas' ``to_csv`` writes.

Checks and limits come from data-prep-formatting.md (header, UTF-8), items-datasets.md (backslash
escapes in quoted text), limits.md (event types), data/csv_columns.py (types) and data/values.py
(lengths, epoch seconds, ranges, allowed words).
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import re
from dataclasses import dataclass
from typing import Iterator, cast

import numpy as np
import pandas as pd

from .. import progress
from .csv_columns import DTYPES, Column, null_column, parse_column, show
from .schemas import Schema, metadata_fields, normalize_dataset_type


class DataImportError(ValueError):
    """Bad input data; the message (the job's failureReason) names the file, row and column."""

    def __init__(self, file: str, row: int, column: str, problem: str) -> None:
        self.file, self.row, self.column, self.problem = file, row, column, problem
        super().__init__(f"{file}, row {row} (the header is row 1), column {column}: {problem}")


class CsvDialect(csv.Dialect):
    delimiter = ","
    quotechar = '"'
    doublequote = True
    escapechar = "\\"  # the guide asks for \" and \\ inside quoted text
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


# Distinct event types plus optional interactions columns (EVENT_TYPE, EVENT_VALUE, metadata).
MAX_EVENT_TYPES_AND_OPTIONAL_COLUMNS = 10

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape handler


# ------------------------------------------------------------------------- import


def read_csv_files(
    files: list[tuple[str, bytes]], schema: Schema, dataset_type: str, only_schema_columns: bool = False
) -> pd.DataFrame:
    """Read and check ``(display name, content)`` CSV files into one frame typed by ``schema``.

    Columns are the schema's fields in schema order: strings as object (None for null),
    int/long as Int64, float/double as float64, boolean as pandas "boolean". Other columns
    are ignored, or refused with ``only_schema_columns`` (a data deletion job's user list).
    """
    canonical = normalize_dataset_type(dataset_type)
    if canonical is None:
        raise ValueError(f"unknown dataset type {dataset_type!r}")
    event_types = _EventTypeBudget.for_schema(schema, canonical)
    frames = []
    for index, (name, content) in enumerate(files):
        with _gc_paused(), progress.part(index, len(files)):
            frame, row_numbers = _read_file(name, content, schema, canonical, only_schema_columns)
        event_types.check(name, frame, row_numbers)
        frames.append(frame)
    if not frames:
        return _build_frame(schema, {}, 0)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing creates a great many small acyclic objects; collector passes over them only cost time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_file(
    name: str, content: bytes, schema: Schema, dataset_type: str, only_schema_columns: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    text, undecodable = _decode(content)
    records = _parse_records(name, text)
    if undecodable:
        _raise_undecodable(name, records)
    if not records:
        raise DataImportError(name, 1, "(none)", "the file is empty; its first row must be a header naming the columns.")
    header = records[0]
    _check_header(name, text, header, schema, only_schema_columns)
    rows, row_numbers = _data_rows(records)
    # Rows up to the first of the wrong width are read column by column; the earliest problem is reported.
    misfit = _first_misfit(header, rows)
    checked = rows if misfit is None else rows[:misfit]
    parsed, first_issue = _parse_columns(header, checked, schema, dataset_type)
    if first_issue is not None:
        index, column, problem = first_issue
        raise DataImportError(name, int(row_numbers[index]), column, problem)
    if misfit is not None:
        _raise_misfit(name, header, rows[misfit], int(row_numbers[misfit]))
    return _build_frame(schema, parsed, len(rows)), row_numbers


def _parse_columns(
    header: list[str], rows: list[list[str]], schema: Schema, dataset_type: str
) -> tuple[dict[str, Column], tuple[int, str, str] | None]:
    """The schema's columns typed, and the earliest problem as (row index, column, problem); on a tie, the leftmost column's."""
    by_position = list(zip(*rows)) or [()] * len(header)
    columns = [(position, field) for position, column in enumerate(header) if (field := schema.field(column)) is not None]
    parsed: dict[str, Column] = {}
    first_issue: tuple[int, str, str] | None = None
    for done, (position, field) in enumerate(columns, start=1):
        progress.report(done, len(columns) + 1)  # the records are read; each column is checked in turn
        parsed[field.name], issue = parse_column(field, np.array(by_position[position], dtype=object), dataset_type)
        if issue is not None and (first_issue is None or issue[0] < first_issue[0]):
            first_issue = (issue[0], field.name, issue[1])
    return parsed, first_issue


def _decode(content: bytes) -> tuple[str, bool]:
    """Text of a UTF-8 file (a byte-order mark is dropped); True if some bytes weren't UTF-8."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return content.decode("utf-8"), False
    except UnicodeDecodeError:
        # Keep the bad bytes as lone surrogates so the parsed rows can point at them.
        return content.decode("utf-8", "surrogateescape"), True


def _parse_records(name: str, text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), CsvDialect))
    except csv.Error:
        pass
    # Slow path, only to say where the quoting broke.
    reader = csv.reader(io.StringIO(text, newline=""), CsvDialect)
    count = 0
    try:
        for count, _ in enumerate(reader, start=1):
            pass
    except csv.Error as error:
        problem = (
            f"the row is not valid CSV ({error}); quote values holding commas, quotes or line breaks, "
            "and escape quotes inside them."
        )
        raise DataImportError(name, count + 1, "(unknown)", problem) from None
    raise AssertionError("csv reader failed only once")  # pragma: no cover


def _raise_undecodable(name: str, records: list[list[str]]) -> None:
    header = records[0] if records else []
    for index, record in enumerate(records):
        for position, value in enumerate(record):
            found = _UNDECODABLE.search(value)
            if found:
                column = _label(header, position) if index else f"#{position + 1}"
                byte = ord(found.group()) - 0xDC00
                raise DataImportError(name, index + 1, column, f"byte 0x{byte:02x} is not valid UTF-8; save the file as UTF-8.")
    raise DataImportError(name, 1, "(unknown)", "the file is not valid UTF-8; save it as UTF-8.")


def _label(header: list[str], position: int) -> str:
    """How messages name the column at ``position`` (from 0): its name, or its number when it has none."""
    return header[position] if position < len(header) and header[position] else f"#{position + 1}"


def _check_header(name: str, text: str, header: list[str], schema: Schema, only_schema_columns: bool) -> None:
    end = text.find("\n")
    first_line = (text if end < 0 else text[:end]).rstrip("\r")
    seen: set[str] = set()
    for position, column in enumerate(header):
        if schema.field(column) is None:
            if only_schema_columns:
                others = f"the file may have no column but {', '.join(schema.names)}."
                problem = "the header has a blank column name." if column == "" else others
                raise DataImportError(name, 1, _label(header, position), problem)
            continue
        # data-prep-formatting.md: "Don't enclose headers in quotation marks."
        if re.search(f'(?:^|,)"{re.escape(column)}"(?:,|$)', first_line):
            raise DataImportError(name, 1, f'"{column}"', "header names must not be enclosed in quotation marks.")
        if column in seen:
            raise DataImportError(name, 1, column, "the header names this column twice.")
        seen.add(column)
    for field in schema.fields:
        if field.name not in seen and not field.nullable:
            problem = "the header lacks this field; its type doesn't include null, so every file needs the column."
            near = [column for column in header if column.strip().casefold() == field.name.casefold() and column != field.name]
            if near:
                problem += f" (The header's {near[0]!r} is another column: names must match the schema's exactly.)"
            raise DataImportError(name, 1, field.name, problem)


def _data_rows(records: list[list[str]]) -> tuple[list[list[str]], np.ndarray]:
    """Data rows without blank lines, and each one's row number in the file."""
    rows = records[1:]
    if all(rows):
        return rows, np.arange(2, len(rows) + 2)
    kept = [index for index, row in enumerate(rows) if row]
    return [rows[index] for index in kept], np.array(kept, dtype=np.int64) + 2


def _first_misfit(header: list[str], rows: list[list[str]]) -> int | None:
    """Index of the first row without one value per header column, or None."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    bad = np.flatnonzero(lengths != len(header))
    return int(bad[0]) if bad.size else None


def _raise_misfit(name: str, header: list[str], row: list[str], row_number: int) -> None:
    found, width = len(row), len(header)
    column = _label(header, found) if found < width else f"#{width + 1}"
    raise DataImportError(name, row_number, column, f"the row has {found} values, but the header has {width} columns.")


def _build_frame(schema: Schema, parsed: dict[str, Column], size: int) -> pd.DataFrame:
    index = pd.RangeIndex(size)
    columns = {}
    for f in schema.fields:
        values = parsed[f.name] if f.name in parsed else null_column(f, size)
        # The dtype is explicit so that strings stay object: pandas would infer its own string dtype.
        columns[f.name] = pd.Series(values, index=index, dtype=DTYPES[f.type], copy=False)
    return pd.DataFrame(columns, index=index, copy=False)


@dataclass
class _EventTypeBudget:
    """How many distinct EVENT_TYPE values the import may hold (limits.md), counted across files."""

    limit: int | None  # None: no EVENT_TYPE column to count
    optional_columns: int
    seen: set[str]

    @classmethod
    def for_schema(cls, schema: Schema, dataset_type: str) -> _EventTypeBudget:
        if dataset_type != "INTERACTIONS" or schema.field("EVENT_TYPE") is None:
            return cls(None, 0, set())
        optional = len(metadata_fields(schema, dataset_type)) + sum(
            schema.field(name) is not None for name in ("EVENT_TYPE", "EVENT_VALUE")
        )
        return cls(MAX_EVENT_TYPES_AND_OPTIONAL_COLUMNS - optional, optional, set())

    def check(self, name: str, frame: pd.DataFrame, row_numbers: np.ndarray) -> None:
        if self.limit is None:
            return
        firsts = frame["EVENT_TYPE"].dropna().drop_duplicates()
        for index, value in firsts.items():
            if value in self.seen:
                continue
            self.seen.add(value)
            if len(self.seen) > self.limit:
                raise DataImportError(
                    name, int(row_numbers[cast(int, index)]), "EVENT_TYPE",  # the frame's index: row positions
                    f"{show(value)} is distinct event type number {len(self.seen)}; with {self.optional_columns} optional "
                    f"columns in the schema the data may hold at most {self.limit} "
                    f"({MAX_EVENT_TYPES_AND_OPTIONAL_COLUMNS} event types and optional columns together).",
                )
