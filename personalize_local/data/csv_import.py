"""Bulk CSV import: what dataset import jobs read.

Each file is a header row naming schema fields, then one record per row. Rows are counted
as CSV records, with the header as row 1 and the first data row as row 2 (a quoted value
that spans lines still belongs to one row). Every row is checked before anything is
returned, so an import either yields all its rows or fails with the first bad one.

Checks and limits come from data-prep-formatting.md (header, UTF-8), how-it-works-dataset-schema.md
(column order, types, lower-case booleans), items-datasets.md (backslash escapes in quoted text),
limits.md (event types), and data/values.py (lengths, epoch seconds, ranges, allowed words).
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import gc
import io
import re
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from .. import progress
from .schemas import Field, Schema, metadata_fields, normalize_dataset_type
from .values import ALLOWED_WORDS, EPOCH_SECONDS_FIELDS, MAX_EPOCH_SECONDS, VALUE_RANGES, length_limit, not_allowed


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

_INT_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_INT_SYNTAX = re.compile(r"[+-]?[0-9]+")
_FLOAT_SYNTAX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape handler


# ------------------------------------------------------------------------- import


def read_csv_files(files: list[tuple[str, bytes]], schema: Schema, dataset_type: str) -> pd.DataFrame:
    """Read and check ``(display name, content)`` CSV files into one frame typed by ``schema``.

    Columns are the schema's fields in schema order: strings as object (None for null),
    int/long as Int64, float/double as float64, boolean as pandas "boolean".
    """
    canonical = normalize_dataset_type(dataset_type)
    if canonical is None:
        raise ValueError(f"unknown dataset type {dataset_type!r}")
    event_types = _EventTypeBudget.for_schema(schema, canonical)
    frames = []
    for index, (name, content) in enumerate(files):
        with _gc_paused(), progress.part(index, len(files)):
            frame, row_numbers = _read_file(name, content, schema, canonical)
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


def _read_file(name: str, content: bytes, schema: Schema, dataset_type: str) -> tuple[pd.DataFrame, np.ndarray]:
    text, undecodable = _decode(content)
    records = _parse_records(name, text)
    if undecodable:
        _raise_undecodable(name, records)
    if not records:
        raise DataImportError(name, 1, "(none)", "the file is empty; its first row must be a header naming the columns.")
    header = records[0]
    _check_header(name, text, header, schema)
    rows, row_numbers = _data_rows(records)
    _check_widths(name, header, rows, row_numbers)
    raw = {column: np.array(values, dtype=object) for column, values in zip(header, zip(*rows))}
    parsed: dict[str, object] = {}
    # Report the earliest bad row; on a tie, the leftmost column.
    first_issue: tuple[int, str, str] | None = None  # (row index, column, problem)
    for checked, column in enumerate(header, start=1):
        progress.report(checked, len(header) + 1)  # the records are read; each column is checked in turn
        values = raw.get(column, np.empty(0, dtype=object))
        parsed[column], issue = _parse_column(schema.field(column), values, dataset_type)
        if issue is not None and (first_issue is None or issue[0] < first_issue[0]):
            first_issue = (issue[0], column, issue[1])
    if first_issue is not None:
        index, column, problem = first_issue
        raise DataImportError(name, int(row_numbers[index]), column, problem)
    return _build_frame(schema, parsed, len(rows)), row_numbers


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
                column = header[position] if index and position < len(header) else f"#{position + 1}"
                byte = ord(found.group()) - 0xDC00
                raise DataImportError(name, index + 1, column, f"byte 0x{byte:02x} is not valid UTF-8; save the file as UTF-8.")
    raise DataImportError(name, 1, "(unknown)", "the file is not valid UTF-8; save it as UTF-8.")


def _check_header(name: str, text: str, header: list[str], schema: Schema) -> None:
    end = text.find("\n")
    first_line = (text if end < 0 else text[:end]).rstrip("\r")
    if '"' in first_line:
        quoted = next((cell for cell in first_line.split(",") if '"' in cell), first_line)
        raise DataImportError(name, 1, quoted, "header names must not be enclosed in quotation marks.")
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        if column == "":
            raise DataImportError(name, 1, f"#{position}", "the header has a blank column name.")
        if column in seen:
            raise DataImportError(name, 1, column, "the header names this column twice.")
        if schema.field(column) is None:
            raise DataImportError(name, 1, column, f"the schema has no such field (its fields: {', '.join(schema.names)}).")
        seen.add(column)
    for field in schema.fields:
        if field.name not in seen and not field.nullable:
            problem = "the header lacks this field; its type doesn't include null, so every file needs the column."
            raise DataImportError(name, 1, field.name, problem)
    # Columns follow the schema's field order (how-it-works-dataset-schema.md); a nullable
    # field may be left out, but the columns present keep their relative order.
    expected = [f for f in schema.names if f in seen]
    if header != expected:
        misplaced = next(column for column, wanted in zip(header, expected) if column != wanted)
        listed, fields = ", ".join(header), ", ".join(schema.names)
        problem = f"the header's columns ({listed}) must follow the order of the schema's fields ({fields})"
        if len(expected) < len(schema.names):
            problem += f"; without the fields the file leaves out, that is {', '.join(expected)}"
        problem += "."
        raise DataImportError(name, 1, misplaced, problem)


def _data_rows(records: list[list[str]]) -> tuple[list[list[str]], np.ndarray]:
    """Data rows without blank lines, and each one's row number in the file."""
    rows = records[1:]
    if all(rows):
        return rows, np.arange(2, len(rows) + 2)
    kept = [index for index, row in enumerate(rows) if row]
    return [rows[index] for index in kept], np.array(kept, dtype=np.int64) + 2


def _check_widths(name: str, header: list[str], rows: list[list[str]], row_numbers: np.ndarray) -> None:
    width = len(header)
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    bad = np.flatnonzero(lengths != width)
    if bad.size:
        index = bad[0]
        found = int(lengths[index])
        column = header[found] if found < width else f"#{width + 1}"
        problem = f"the row has {found} values, but the header has {width} columns."
        raise DataImportError(name, int(row_numbers[index]), column, problem)


# ------------------------------------------------------------------ column checks


@dataclass
class _Issue:
    mask: np.ndarray  # rows with the problem
    describe: Callable[[str], str]  # raw value -> message


def _parse_column(field: Field | None, values: np.ndarray, dataset_type: str) -> tuple[object, tuple[int, str] | None]:
    """Typed column for ``values`` and the first problem as (row index, message), if any."""
    assert field is not None  # the header check guarantees it
    empty = values == ""
    issues = []
    if not field.nullable:
        issues.append(_Issue(empty, lambda _: "a value is required: the field's type doesn't include null."))
    parser = _PARSERS[field.type]
    typed, type_issues = parser(field, values, empty, dataset_type)
    issues.extend(type_issues)
    limit = length_limit(dataset_type, field.name, field.categorical)
    if limit is not None and values.size:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=values.size)
        issues.append(_Issue(lengths > limit, lambda raw: f"the value has {len(raw)} characters; at most {limit} are allowed."))
    first: tuple[int, str] | None = None
    for issue in issues:
        hits = np.flatnonzero(issue.mask)
        if hits.size and (first is None or hits[0] < first[0]):
            first = (int(hits[0]), issue.describe(values[hits[0]]))
    return typed, first


def _syntax_errors(pattern: re.Pattern[str], values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Rows whose non-empty value doesn't fully match ``pattern``."""
    candidates = values[present]
    if not candidates.size:
        return np.zeros(values.size, dtype=bool)
    # Fast path: one regex scan over all values joined by a separator none of them holds,
    # looking for a line that doesn't match; only if one exists, test value by value.
    joined = "\n".join(candidates)
    if joined.count("\n") == candidates.size - 1 and not _mismatched_line(pattern).search(joined):
        return np.zeros(values.size, dtype=bool)
    matched = np.fromiter((pattern.fullmatch(v) is not None for v in values), dtype=bool, count=values.size)
    return present & ~matched


@functools.cache
def _mismatched_line(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(f"^(?!(?:{pattern.pattern})$)", re.MULTILINE)


def _show(raw: str) -> str:
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


def _parse_string(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[object, list[_Issue]]:
    typed = values.copy()
    typed[empty] = None
    allowed = ALLOWED_WORDS.get(dataset_type, {}).get(field.name)
    if allowed is None:
        return typed, []
    read, _ = allowed
    unknown = ~empty & np.fromiter((read(v) is None for v in values), dtype=bool, count=values.size)
    return typed, [_Issue(unknown, lambda raw: not_allowed(dataset_type, field.name, raw))]


def _parse_integer(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[object, list[_Issue]]:
    low, high = _INT_RANGES[field.type]
    syntax_bad = _syntax_errors(_INT_SYNTAX, values, ~empty)
    ok = ~empty & ~syntax_bad
    data = np.zeros(values.size, dtype=np.int64)
    out_of_range = np.zeros(values.size, dtype=bool)
    try:
        data[ok] = values[ok].astype(np.int64)
    except OverflowError:  # beyond 64 bits: go value by value
        numbers = [int(v) for v in values[ok]]
        data[ok] = [n if low <= n <= high else 0 for n in numbers]
        out_of_range[ok] = [not low <= n <= high for n in numbers]
    out_of_range |= ok & ((data < low) | (data > high))
    issues = [
        _Issue(syntax_bad, lambda raw: f"{_show(raw)} is not a whole number, as the field's {field.type} type requires."),
        _Issue(out_of_range, lambda raw: f"{_show(raw)} is out of range for the field's {field.type} type."),
    ]
    if field.name in EPOCH_SECONDS_FIELDS.get(dataset_type, ()):
        too_large = ok & ~out_of_range & (np.abs(data) >= MAX_EPOCH_SECONDS)
        issues.append(
            _Issue(too_large, lambda raw: f"{_show(raw)} is too large for Unix epoch seconds; it looks like milliseconds (divide by 1000).")
        )
    bounds = VALUE_RANGES.get(dataset_type, {}).get(field.name)
    if bounds is not None:
        least, most, meaning = bounds
        outside = ok & ~out_of_range & ((data < least) | (data > most))
        issues.append(_Issue(outside, lambda raw: f"{_show(raw)} is out of range for {field.name}: {meaning}."))
    return pd.arrays.IntegerArray(data, empty.copy()), issues


def _parse_float(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[object, list[_Issue]]:
    syntax_bad = _syntax_errors(_FLOAT_SYNTAX, values, ~empty)
    ok = ~empty & ~syntax_bad
    data = np.full(values.size, np.nan)
    data[ok] = values[ok].astype(np.float64)
    limit = _FLOAT32_MAX if field.type == "float" else np.inf
    with np.errstate(invalid="ignore"):
        out_of_range = ok & ~(np.abs(data) <= limit)
    issues = [
        _Issue(syntax_bad, lambda raw: f"{_show(raw)} is not a number, as the field's {field.type} type requires."),
        _Issue(out_of_range, lambda raw: f"{_show(raw)} is out of range for the field's {field.type} type."),
    ]
    return data, issues


def _parse_boolean(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[object, list[_Issue]]:
    # how-it-works-dataset-schema.md: boolean values are written in lower case.
    true, false = values == "true", values == "false"
    bad = ~empty & ~true & ~false
    issue = _Issue(bad, lambda raw: f"{_show(raw)} is not a boolean; write true or false, in lower case.")
    return pd.arrays.BooleanArray(true, empty.copy()), [issue]


_PARSERS = {
    "string": _parse_string,
    "int": _parse_integer,
    "long": _parse_integer,
    "float": _parse_float,
    "double": _parse_float,
    "boolean": _parse_boolean,
}


_DTYPES = {"string": object, "int": "Int64", "long": "Int64", "float": "float64", "double": "float64", "boolean": "boolean"}


def _null_column(field: Field, size: int) -> object:
    """A column of nulls for a nullable field the file leaves out."""
    if field.type in ("int", "long"):
        return pd.arrays.IntegerArray(np.zeros(size, dtype=np.int64), np.ones(size, dtype=bool))
    if field.type in ("float", "double"):
        return np.full(size, np.nan)
    if field.type == "boolean":
        return pd.arrays.BooleanArray(np.zeros(size, dtype=bool), np.ones(size, dtype=bool))
    return np.full(size, None, dtype=object)


def _build_frame(schema: Schema, parsed: dict[str, object], size: int) -> pd.DataFrame:
    index = pd.RangeIndex(size)
    columns = {}
    for f in schema.fields:
        values = parsed[f.name] if f.name in parsed else _null_column(f, size)
        # The dtype is explicit so that strings stay object: pandas would infer its own string dtype.
        columns[f.name] = pd.Series(values, index=index, dtype=_DTYPES[f.type], copy=False)
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
                    name, int(row_numbers[index]), "EVENT_TYPE",
                    f"{_show(value)} is distinct event type number {len(self.seen)}; with {self.optional_columns} optional "
                    f"columns in the schema the data may hold at most {self.limit} "
                    f"({MAX_EVENT_TYPES_AND_OPTIONAL_COLUMNS} event types and optional columns together).",
                )
