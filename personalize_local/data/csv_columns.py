"""One CSV column read into its schema field's type, checked a whole column at a time.

Types and their spelling come from how-it-works-dataset-schema.md, read as a user's pandas
pipeline writes them (``DataFrame.to_csv``): an int column that holds a NaN is written as floats
(``1999.0``), ``time.time()`` gives ``1795510473.6464746``, NaN is an empty cell, booleans are
``True``/``False``, and large or small floats use scientific notation. The service's own samples
import such files, so whole-number fields take a finite decimal, truncated toward zero; and
booleans are read in any case, as pandas writes them, though the guide asks for lower case.

Items and Users rows are kept when a value other than their ID is empty or can't be read as its
field's type, even where the type has no null: the value counts as missing. The service's workshop
imports Items whose ``int`` YEAR is empty for twelve titles and ``2006–2007`` for one, and its import
ends ACTIVE. The IDs, and every field of the other dataset types, keep every check.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .schemas import Field
from .values import ALLOWED_WORDS, EPOCH_SECONDS_FIELDS, MAX_EPOCH_SECONDS, VALUE_RANGES, length_limit, not_allowed

# A typed column: a NumPy array, or pandas' nullable IntegerArray and BooleanArray.
Column = np.ndarray | pd.api.extensions.ExtensionArray

_INT_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_INT_SYNTAX = re.compile(r"[+-]?[0-9]+")
_FLOAT_SYNTAX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS = {"true": True, "false": False}

# Dataset types whose rows keep an empty or unreadable value as missing, and the ID field that keeps every check.
_MISSING_KEEPS_ROW: dict[str, str] = {"ITEMS": "ITEM_ID", "USERS": "USER_ID"}
# What a missing value is in each type's column.
_MISSING = {"string": None, "int": pd.NA, "long": pd.NA, "float": np.nan, "double": np.nan, "boolean": pd.NA}
DTYPES: dict[str, str | type] = {"string": object, "int": "Int64", "long": "Int64", "float": "float64", "double": "float64", "boolean": "boolean"}


@dataclass
class _Issue:
    mask: np.ndarray  # rows with the problem
    describe: Callable[[str], str]  # raw value -> message
    unreadable: bool = False  # the value can't be read as the field's type (rather than breaking a rule of the field)


def parse_column(field: Field, values: np.ndarray, dataset_type: str) -> tuple[Column, tuple[int, str] | None]:
    """Typed column for ``values`` and the first problem as (row index, message), if any."""
    empty = values == ""
    identity = _MISSING_KEEPS_ROW.get(dataset_type)
    keeps_row = identity is not None and field.name != identity
    issues = []
    if not field.nullable and not keeps_row:
        issues.append(_Issue(empty, lambda _: "a value is required: the field's type doesn't include null."))
    typed, type_issues = _PARSERS[field.type](field, values, empty, dataset_type)
    if keeps_row:
        unreadable = [issue for issue in type_issues if issue.unreadable]
        if unreadable:
            typed[np.logical_or.reduce([issue.mask for issue in unreadable])] = _MISSING[field.type]
        type_issues = [issue for issue in type_issues if not issue.unreadable]
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


def null_column(field: Field, size: int) -> Column:
    """A column of nulls for a nullable field the file leaves out."""
    if field.type in ("int", "long"):
        return pd.arrays.IntegerArray(np.zeros(size, dtype=np.int64), np.ones(size, dtype=bool))
    if field.type in ("float", "double"):
        return np.full(size, np.nan)
    if field.type == "boolean":
        return pd.arrays.BooleanArray(np.zeros(size, dtype=bool), np.ones(size, dtype=bool))
    return np.full(size, None, dtype=object)


def show(raw: str) -> str:
    """A value as messages quote it, shortened."""
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


def _syntax_errors(pattern: re.Pattern[str], values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Rows of ``present`` whose value doesn't fully match ``pattern``."""
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


def _parse_string(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[Column, list[_Issue]]:
    # Equal values become one object: the CSV reader makes a string per cell, and a dataset holding millions of
    # interactions of far fewer users and items would otherwise keep millions of copies of the same ids.
    codes, uniques = pd.factorize(values)
    typed = uniques.take(codes)
    typed[empty] = None
    allowed = ALLOWED_WORDS.get(dataset_type, {}).get(field.name)
    if allowed is None:
        return typed, []
    read, _ = allowed
    unknown = ~empty & np.fromiter((read(v) is None for v in values), dtype=bool, count=values.size)
    return typed, [_Issue(unknown, lambda raw: not_allowed(dataset_type, field.name, raw) or "")]  # never "": unknown words


def _parse_integer(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[Column, list[_Issue]]:
    low, high = _INT_RANGES[field.type]
    not_whole = _syntax_errors(_INT_SYNTAX, values, ~empty)
    not_number = _syntax_errors(_FLOAT_SYNTAX, values, not_whole)
    whole, decimal = ~empty & ~not_whole, not_whole & ~not_number
    data = np.zeros(values.size, dtype=np.int64)
    out_of_range = np.zeros(values.size, dtype=bool)
    try:
        data[whole] = values[whole].astype(np.int64)
    except OverflowError:  # beyond 64 bits: go value by value
        numbers = [int(v) for v in values[whole]]
        data[whole] = [n if low <= n <= high else 0 for n in numbers]
        out_of_range[whole] = [not low <= n <= high for n in numbers]
    out_of_range |= whole & ((data < low) | (data > high))
    if decimal.any():
        # A decimal is truncated toward zero; one too large for a float (1e999) reads as infinite and is out of range.
        truncated = np.trunc(values[decimal].astype(np.float64))
        fits = (truncated >= low) & (truncated < high + 1.0)
        data[decimal] = np.where(fits, truncated, 0).astype(np.int64)
        out_of_range[decimal] = ~fits
    ok = ~empty & ~not_number & ~out_of_range
    issues = [
        _Issue(not_number, lambda raw: f"{show(raw)} is not a number, as the field's {field.type} type requires.", True),
        _Issue(out_of_range, lambda raw: f"{show(raw)} is out of range for the field's {field.type} type.", True),
    ]
    if field.name in EPOCH_SECONDS_FIELDS.get(dataset_type, ()):
        too_large = ok & (np.abs(data) >= MAX_EPOCH_SECONDS)
        issues.append(
            _Issue(too_large, lambda raw: f"{show(raw)} is too large for Unix epoch seconds; it looks like milliseconds (divide by 1000).")
        )
    bounds = VALUE_RANGES.get(dataset_type, {}).get(field.name)
    if bounds is not None:
        least, most, meaning = bounds
        outside = ok & ((data < least) | (data > most))
        issues.append(_Issue(outside, lambda raw: f"{show(raw)} is out of range for {field.name}: {meaning}."))
    return pd.arrays.IntegerArray(data, empty.copy()), issues


def _parse_float(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[Column, list[_Issue]]:
    syntax_bad = _syntax_errors(_FLOAT_SYNTAX, values, ~empty)
    ok = ~empty & ~syntax_bad
    data = np.full(values.size, np.nan)
    data[ok] = values[ok].astype(np.float64)
    limit = _FLOAT32_MAX if field.type == "float" else np.inf
    with np.errstate(invalid="ignore"):
        out_of_range = ok & ~(np.abs(data) <= limit)
    issues = [
        _Issue(syntax_bad, lambda raw: f"{show(raw)} is not a number, as the field's {field.type} type requires.", True),
        _Issue(out_of_range, lambda raw: f"{show(raw)} is out of range for the field's {field.type} type.", True),
    ]
    return data, issues


def _parse_boolean(field: Field, values: np.ndarray, empty: np.ndarray, dataset_type: str) -> tuple[Column, list[_Issue]]:
    words = [_BOOLEANS.get(v.lower()) for v in values]
    true = np.fromiter((word is True for word in words), dtype=bool, count=values.size)
    bad = ~empty & np.fromiter((word is None for word in words), dtype=bool, count=values.size)
    issue = _Issue(bad, lambda raw: f"{show(raw)} is not a boolean; write true or false.", True)
    return pd.arrays.BooleanArray(true, empty.copy()), [issue]


_PARSERS = {
    "string": _parse_string,
    "int": _parse_integer,
    "long": _parse_integer,
    "float": _parse_float,
    "double": _parse_float,
    "boolean": _parse_boolean,
}
