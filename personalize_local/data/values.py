"""What a dataset's values may hold beyond their Avro type, for bulk imports and records put one by one.

Limits come from limits.md and the *-dataset-requirements.md pages (value lengths),
data-prep-formatting.md (epoch seconds) and the current guide's action pages (actions-datasets.md:
value 1 to 10, repeat frequency at most 30 days; recording-action-interaction-events.md: the three
action event types). CSV imports check whole columns at once (data/csv_columns.py); Put* operations
check one value at a time, with the field's check from :func:`value_check`.
"""
from __future__ import annotations

from typing import Any, Callable

from .actions import ACTION_EVENT_NAMES, REPEAT_FREQUENCY, VALUE, action_event_kind

# Longest value, by dataset type and field (limits.md, interactions-datasets.md).
VALUE_LENGTH_LIMITS: dict[str, dict[str, int]] = {
    "INTERACTIONS": {"USER_ID": 256, "ITEM_ID": 256, "IMPRESSION": 1000},
    "ITEMS": {"ITEM_ID": 256},
    "USERS": {"USER_ID": 256},
    "ACTIONS": {"ACTION_ID": 256},
    "ACTION_INTERACTIONS": {"USER_ID": 256, "ACTION_ID": 256, "IMPRESSION": 1000},
}
# Longest value of any categorical field, counting its '|' separators (limits.md).
CATEGORICAL_MAX_LENGTH = 1000
# Fields holding Unix epoch seconds, by dataset type (data-prep-formatting.md).
EPOCH_SECONDS_FIELDS: dict[str, tuple[str, ...]] = {
    "INTERACTIONS": ("TIMESTAMP",),
    "ITEMS": ("CREATION_TIMESTAMP",),
    "ACTIONS": ("CREATION_TIMESTAMP", "ACTION_EXPIRATION_TIMESTAMP", "EXPIRATION_TIMESTAMP"),
    "ACTION_INTERACTIONS": ("TIMESTAMP",),
}
# Seconds reach 10**11 only in the year 5138: larger values are milliseconds or finer.
MAX_EPOCH_SECONDS = 10**11
# Inclusive ranges of whole-number fields, by dataset type: (low, high, what the number is).
VALUE_RANGES: dict[str, dict[str, tuple[int, int, str]]] = {
    "ACTIONS": {
        VALUE: (1, 10, "an action's value runs from 1 to 10, 10 the most valuable"),
        # No value means no wait; 0 waits no day either.
        REPEAT_FREQUENCY: (0, 30, "the days to wait before recommending the action again, at most 30"),
    },
}
# String fields that take only some words, by dataset type: (reads a value to its word or None, the words).
ALLOWED_WORDS: dict[str, dict[str, tuple[Callable[[object], str | None], str]]] = {
    "ACTION_INTERACTIONS": {"EVENT_TYPE": (action_event_kind, ACTION_EVENT_NAMES)},
}


def length_limit(dataset_type: str, name: str, categorical: bool) -> int | None:
    limit = VALUE_LENGTH_LIMITS[dataset_type].get(name)
    if limit is None and categorical:
        return CATEGORICAL_MAX_LENGTH
    return limit


def not_allowed(dataset_type: str, name: str, value: str) -> str | None:
    """Why the word ``value`` can't be the field's value, or None."""
    allowed = ALLOWED_WORDS.get(dataset_type, {}).get(name)
    if allowed is not None and allowed[0](value) is None:
        return f"{value!r} is not one of the {name} values this dataset takes: {allowed[1]}."
    return None


# Why a typed, non-null value can't be stored in its field, or None.
ValueCheck = Callable[[Any], "str | None"]


def _string_check(dataset_type: str, name: str, categorical: bool) -> ValueCheck | None:
    limit = length_limit(dataset_type, name, categorical)
    words = ALLOWED_WORDS.get(dataset_type, {}).get(name)
    if limit is None and words is None:
        return None

    def check(value: str) -> str | None:
        if limit is not None and len(value) > limit:
            return f"the value has {len(value)} characters; at most {limit} are allowed."
        return None if words is None else not_allowed(dataset_type, name, value)

    return check


def _whole_number_check(dataset_type: str, name: str, categorical: bool) -> ValueCheck | None:
    epoch_seconds = name in EPOCH_SECONDS_FIELDS.get(dataset_type, ())
    bounds = VALUE_RANGES.get(dataset_type, {}).get(name)
    if not epoch_seconds and bounds is None:
        return None

    def check(number: int) -> str | None:
        if epoch_seconds and abs(number) >= MAX_EPOCH_SECONDS:
            return f"{number} is too large for Unix epoch seconds; it looks like milliseconds (divide by 1000)."
        if bounds is not None and not bounds[0] <= number <= bounds[1]:
            return f"{number} is out of range for {name}: {bounds[2]}."
        return None

    return check


# Avro type -> the field's check, or None when no value of the type can be wrong for the field.
_CHECKS: dict[str, Callable[[str, str, bool], ValueCheck | None]] = {
    "string": _string_check,
    "int": _whole_number_check,
    "long": _whole_number_check,
}


def value_check(dataset_type: str, name: str, kind: str, categorical: bool) -> ValueCheck | None:
    """The check of the field's typed, non-null values (of the Avro type ``kind``), or None if any will do.

    Worked out once per schema: every value put is checked with it."""
    make = _CHECKS.get(kind)
    return make(dataset_type, name, categorical) if make is not None else None
