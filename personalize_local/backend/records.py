"""Records put one by one (PutEvents, PutItems, PutUsers, PutActions, PutActionInteractions): entries to rows.

An entry carries some fields as members of its own (an event's ``sentAt``, an action's ``actionId``)
and the others in ``properties``, a JSON object whose keys are the schema's field names in camel case
(NUM_RATINGS -> numRatings). A row is typed by the dataset's schema and checked as a bulk import checks
its values (data/values.py); a bad entry is refused with the member at fault named.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

from ..data.schemas import Field, Schema, dataset_label
from ..data.values import ValueCheck, value_check
from ..errors import InvalidInputException

# field -> (entry, user) -> the field's value, for fields an entry carries as members.
Members = Mapping[str, Callable[[dict[str, Any], "str | None"], Any]]


# eq=False: a shape is one of the constants below, and keys the plans worked out for it by its identity.
@dataclass(frozen=True, eq=False)
class RecordShape:
    """How the entries of one Put* operation become rows of one dataset type."""

    dataset_type: str
    from_members: Members
    # Fields that have moved out of ``properties`` over time: the member wins, the legacy property still counts.
    member_or_property: Mapping[str, str] = field(default_factory=dict)
    # Where an entry carries a field, when that isn't the field's name in camel case (messages name it).
    member_paths: Mapping[str, str] = field(default_factory=dict)
    # Property keys an entry may not use, in lower case: they are members of their own.
    reserved_properties: frozenset[str] = frozenset()
    # The most bytes one entry's members may hold together (limits.md), None for no limit of its own.
    max_bytes: int | None = None


def _epoch_seconds(member: str) -> Callable[[dict[str, Any], str | None], int]:
    return lambda entry, user: int(entry[member].timestamp())


def _joined(member: str) -> Callable[[dict[str, Any], str | None], str | None]:
    return lambda entry, user: "|".join(entry[member]) if entry.get(member) else None


# PutEvents: item interactions.
EVENT = RecordShape(
    "INTERACTIONS",
    from_members={
        "EVENT_TYPE": lambda event, user: event["eventType"],
        "TIMESTAMP": _epoch_seconds("sentAt"),
        "USER_ID": lambda event, user: user,
        "RECOMMENDATION_ID": lambda event, user: event.get("recommendationId"),
        "IMPRESSION": _joined("impression"),
        "EVENT_ATTRIBUTION_SOURCE": lambda event, user: (event.get("metricAttribution") or {}).get("eventAttributionSource"),
    },
    member_or_property={"ITEM_ID": "itemId", "EVENT_VALUE": "eventValue"},
    member_paths={"TIMESTAMP": "sentAt", "EVENT_ATTRIBUTION_SOURCE": "metricAttribution.eventAttributionSource"},
    # limits.md: "Maximum size of an event: 10 KB".
    max_bytes=10 * 1024,
)
# PutActions, PutItems, PutUsers: records keyed by their ID member.
ACTION = RecordShape("ACTIONS", from_members={"ACTION_ID": lambda action, user: action["actionId"]})
ITEM = RecordShape("ITEMS", from_members={"ITEM_ID": lambda item, user: item["itemId"]})
USER = RecordShape("USERS", from_members={"USER_ID": lambda entry, user: entry["userId"]})
# PutActionInteractions: action interactions; API_UBS_ActionInteraction.md lists the property keys it refuses.
ACTION_INTERACTION = RecordShape(
    "ACTION_INTERACTIONS",
    from_members={
        "USER_ID": lambda event, user: user,
        "ACTION_ID": lambda event, user: event["actionId"],
        "EVENT_TYPE": lambda event, user: event["eventType"],
        "TIMESTAMP": _epoch_seconds("timestamp"),
        "RECOMMENDATION_ID": lambda event, user: event.get("recommendationId"),
        "IMPRESSION": _joined("impression"),
    },
    reserved_properties=frozenset({"userid", "sessionid", "eventtype", "timestamp", "recommendationid", "impression"}),
)


def camel_case(field_name: str) -> str:
    """NUM_RATINGS -> numRatings: how properties name schema fields."""
    first, *rest = field_name.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return value.lower() == "true"
    return bool(value)


def _no_cast(value: Any) -> Any:
    raise ValueError(value)


_CASTS: dict[str, Callable[[Any], Any]] = {
    "string": str, "int": int, "long": int, "float": float, "double": float, "boolean": _boolean,
}
# Where a field's value comes from: (entry, user) for a member, (entry, properties) for a property.
Read = Callable[[dict[str, Any], Any], Any]


class FieldPlan(NamedTuple):
    """How one schema field's value is read from an entry, typed and checked: worked out once per schema."""

    field: Field
    read: Read
    from_properties: bool  # whether ``read`` takes the entry's properties rather than its user
    cast: Callable[[Any], Any]
    member: str  # where the entry carries it, for messages: "sentAt", "itemId" ...
    check: ValueCheck | None


def _read(shape: RecordShape, name: str) -> tuple[Read, bool]:
    if name in shape.from_members:
        return shape.from_members[name], False
    if name in shape.member_or_property:
        member = shape.member_or_property[name]
        return (lambda entry, properties: entry.get(member, properties.get(member))), True
    key = camel_case(name)
    return (lambda entry, properties: properties.get(key)), True


def _plan(shape: RecordShape, schema: Schema) -> tuple[FieldPlan, ...]:
    return tuple(
        FieldPlan(
            field,
            *_read(shape, field.name),
            _CASTS.get(field.types[0], _no_cast),
            shape.member_paths.get(field.name, camel_case(field.name)),
            value_check(shape.dataset_type, field.name, field.types[0], field.categorical),
        )
        for field in schema.fields
    )


# (shape, schema) -> their plan, by identity: schemas are immutable, and few are in use at a time.
_plans: dict[tuple[int, int], tuple[RecordShape, Schema, tuple[FieldPlan, ...]]] = {}
MAX_PLANS = 256


def record_plan(shape: RecordShape, schema: Schema) -> tuple[FieldPlan, ...]:
    """The plan of ``shape``'s rows under ``schema``; the plans are kept for MAX_PLANS pairs at most."""
    key = (id(shape), id(schema))
    kept = _plans.get(key)
    if kept is None:  # the pair is kept with its plan, so its ids are not reused while the key stands
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        kept = _plans[key] = (shape, schema, _plan(shape, schema))
    return kept[2]


def entry_bytes(value: Any) -> int:
    """What an entry's members weigh: the UTF-8 bytes of its strings, names included, and 8 for any other value.

    Loops rather than generators, strings and plain values weighed in place: every event of a PutEvents call is
    weighed. (An ASCII string's bytes are its characters: counted without encoding it.)"""
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode())
    total = 0
    if isinstance(value, dict):
        for key, member in value.items():
            if type(member) is str:
                total += len(key) + (len(member) if member.isascii() else len(member.encode()))
            elif isinstance(member, (dict, list, str)):
                total += len(key) + (entry_bytes(member) if member else 0)
            else:
                total += len(key) + 8
        return total
    if isinstance(value, list):
        for member in value:
            total += len(member.encode()) if type(member) is str else entry_bytes(member)
        return total
    return 8


def _properties(shape: RecordShape, entry: dict[str, Any], path: str) -> dict[str, Any]:
    text = entry.get("properties")
    if not text:
        return {}
    try:
        properties = json.loads(text)
    except ValueError:
        raise InvalidInputException(f"Value at '{path}.properties' is not a JSON object.") from None
    if not isinstance(properties, dict):
        raise InvalidInputException(f"Value at '{path}.properties' is not a JSON object.")
    reserved = next((key for key in properties if key.lower() in shape.reserved_properties), None)
    if reserved is not None:
        raise InvalidInputException(f"Value at '{path}.properties' holds the key '{reserved}', which is a member of its own.")
    return properties


def build_record(shape: RecordShape, schema: Schema, entry: dict[str, Any], user: str | None, path: str) -> dict[str, Any]:
    """The row ``entry`` becomes, typed and checked by the dataset's schema."""
    if shape.max_bytes is not None and (size := entry_bytes(entry)) > shape.max_bytes:
        raise InvalidInputException(
            f"Value at '{path}' is {size} bytes: an event can hold at most {shape.max_bytes} bytes ({shape.max_bytes // 1024} KB)."
        )
    properties = _properties(shape, entry, path)
    record: dict[str, Any] = {}
    for column, read, from_properties, cast, member, check in record_plan(shape, schema):
        value = read(entry, properties if from_properties else user)
        if value is None or value == "":
            if not column.nullable:
                label = dataset_label(shape.dataset_type)
                raise InvalidInputException(f"Value null at '{path}.{member}': field {column.name} of the {label} schema is required.")
            record[column.name] = None
            continue
        try:
            value = cast(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite number for a whole-number field
            raise InvalidInputException(
                f"Value '{value}' at '{path}.{member}' is not a valid {column.types[0]} for field {column.name}."
            ) from None
        problem = None if check is None else check(value)
        if problem is not None:
            raise InvalidInputException(f"Value at '{path}.{member}': {problem}")
        record[column.name] = value
    return record
