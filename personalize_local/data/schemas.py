"""Avro schemas as Amazon Personalize reads them, and the rules each dataset type puts on them.

Where the rules come from (developer guide pages):

- how-it-works-dataset-schema.md: Avro record, flat fields, the supported types, unique
  alphanumeric names, ``categorical`` on strings; the record name names the dataset type
  (also data-prep-creating-datasets.md).
- custom-datasets-and-schemas.md: required fields and reserved keywords per dataset type,
  metadata limits, ``textual`` only in Items schemas.
- ECOMMERCE-datasets-and-schemas.md, VIDEO-ON-DEMAND-datasets-and-schemas.md and the
  per-dataset domain pages: the fields each domain adds.
- limits.md and *-dataset-requirements.md: metadata field counts.
- The current guide's action pages (custom-datasets-and-schemas.md, actions-datasets.md,
  action-interactions-dataset-requirements.md): the Actions and Action interactions
  datasets, which exist only in custom dataset groups.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping


class SchemaError(ValueError):
    """A schema the service refuses; the message names the field at fault."""


PRIMITIVE_TYPES = ("string", "int", "long", "float", "double", "boolean")
NULL = "null"
NUMERIC_TYPES = frozenset({"int", "long", "float", "double"})
DATASET_TYPES = ("INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS")
DOMAINS = ("ECOMMERCE", "VIDEO_ON_DEMAND")

# How each dataset type is spelled in messages and in the schema's record name (the guide's examples).
_LABELS = {
    "INTERACTIONS": "Interactions",
    "ITEMS": "Items",
    "USERS": "Users",
    "ACTIONS": "Actions",
    "ACTION_INTERACTIONS": "ActionInteractions",
}
# A record name names its dataset type in any case, with or without underscores (ActionInteractions,
# Action_Interactions); CreateDataset's datasetType is read more strictly, see normalize_dataset_type.
_BY_RECORD_NAME = {dataset_type.replace("_", ""): dataset_type for dataset_type in DATASET_TYPES}
# datasetType as the model documents its values: the name CreateDataset's messages suggest.
DATASET_TYPE_NAMES = ("Interactions", "Items", "Users", "Actions", "Action_Interactions")
# Next best action resources can't be created in a domain dataset group (actions-datasets.md).
CUSTOM_ONLY_DATASET_TYPES = frozenset({"ACTIONS", "ACTION_INTERACTIONS"})

_AVRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_RULE = "letters, digits and _, not starting with a digit"
_FLAGS = ("categorical", "textual")


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]  # Avro types other than "null"; always exactly one (see _parse_type)
    nullable: bool = False
    categorical: bool = False
    textual: bool = False

    @property
    def type(self) -> str:
        return self.types[0]

    @property
    def is_string(self) -> bool:
        return self.types == ("string",)

    @property
    def is_numeric(self) -> bool:
        return set(self.types) <= NUMERIC_TYPES


@dataclass(frozen=True)
class Schema:
    name: str
    namespace: str | None
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        """The field called exactly ``name`` (names are case-sensitive), or None."""
        return next((f for f in self.fields if f.name == name), None)

    def field_named(self, name: str) -> Field | None:
        """The field an expression names in any case (the guide writes Items.genres for GENRES): the field
        called exactly ``name``, else the one field whose name differs only in case; None if none or several."""
        exact = self.field(name)
        if exact is not None:
            return exact
        folded = [f for f in self.fields if f.name.upper() == name.upper()]
        return folded[0] if len(folded) == 1 else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class FieldRule:
    """What a named field must look like when a dataset type fixes it."""

    types: frozenset[str]
    nullable: bool = False  # may the declared type include "null"
    flag: str | None = None  # "categorical"/"textual" when required; None forbids both
    metadata: bool = False  # counts toward the dataset type's metadata limits

    def describe(self) -> str:
        kind = f"{self.flag} " if self.flag else ""
        types = " or ".join(sorted(self.types))
        return f"{kind}{types}" + (" (null allowed)" if self.nullable else " (not null)")


_STRING = frozenset({"string"})
_LONG = frozenset({"long"})
# The guide names "float" for these; double carries the same values with more precision.
_FLOAT = frozenset({"float", "double"})

_ID = FieldRule(_STRING)
_EPOCH = FieldRule(_LONG)


def _categorical(nullable: bool = True) -> FieldRule:
    return FieldRule(_STRING, nullable, "categorical", metadata=True)


_TEXTUAL = FieldRule(_STRING, True, "textual", metadata=True)
_NUMBER = FieldRule(_FLOAT, True, metadata=True)

# Fields every dataset of the type must have (custom and domain dataset groups alike).
REQUIRED_FIELDS: Mapping[str, Mapping[str, FieldRule]] = {
    "INTERACTIONS": {"USER_ID": _ID, "ITEM_ID": _ID, "TIMESTAMP": _EPOCH},
    "ITEMS": {"ITEM_ID": _ID},
    "USERS": {"USER_ID": _ID},
    "ACTIONS": {"ACTION_ID": _ID},
    "ACTION_INTERACTIONS": {"USER_ID": _ID, "ACTION_ID": _ID, "EVENT_TYPE": FieldRule(_STRING), "TIMESTAMP": _EPOCH},
}

# Optional reserved keywords: when present their declaration is fixed; they aren't metadata.
RESERVED_FIELDS: Mapping[str, Mapping[str, FieldRule]] = {
    "INTERACTIONS": {
        "EVENT_TYPE": FieldRule(_STRING),
        "EVENT_VALUE": FieldRule(_FLOAT, nullable=True),
        "IMPRESSION": FieldRule(_STRING, nullable=True),
        "RECOMMENDATION_ID": FieldRule(_STRING, nullable=True),
        "EVENT_ATTRIBUTION_SOURCE": FieldRule(_STRING, nullable=True),
    },
    # Null allowed: the service fills a missing creation time from interactions (items-datasets.md).
    "ITEMS": {"CREATION_TIMESTAMP": FieldRule(_LONG, nullable=True)},
    "USERS": {},
    # custom-datasets-and-schemas.md's table names the expiration field EXPIRATION_TIMESTAMP and lists
    # TYPE; its text and actions-datasets.md say ACTION_EXPIRATION_TIMESTAMP. Both spellings are reserved.
    "ACTIONS": {
        "CREATION_TIMESTAMP": FieldRule(_LONG, nullable=True),
        "VALUE": FieldRule(_LONG, nullable=True),
        "TYPE": FieldRule(_STRING, nullable=True),
        "ACTION_EXPIRATION_TIMESTAMP": FieldRule(_LONG, nullable=True),
        "EXPIRATION_TIMESTAMP": FieldRule(_LONG, nullable=True),
        "REPEAT_FREQUENCY": FieldRule(_LONG, nullable=True),
    },
    "ACTION_INTERACTIONS": {
        "IMPRESSION": FieldRule(_STRING, nullable=True),
        "RECOMMENDATION_ID": FieldRule(_STRING, nullable=True),
    },
}

# Fields a domain adds as required; they override a reserved rule of the same name.
DOMAIN_REQUIRED_FIELDS: Mapping[tuple[str | None, str], Mapping[str, FieldRule]] = {
    ("ECOMMERCE", "INTERACTIONS"): {"EVENT_TYPE": FieldRule(_STRING)},
    ("VIDEO_ON_DEMAND", "INTERACTIONS"): {"EVENT_TYPE": FieldRule(_STRING)},
    ("ECOMMERCE", "ITEMS"): {"PRICE": FieldRule(_FLOAT, metadata=True), "CATEGORY_L1": _categorical(False)},
    ("VIDEO_ON_DEMAND", "ITEMS"): {"CREATION_TIMESTAMP": FieldRule(_LONG), "GENRES": _categorical(False)},
}

# Optional fields a domain reserves. They describe the item or user, so unlike the
# custom reserved keywords they count as metadata: the Video On Demand default Users
# schema has SUBSCRIPTION_MODEL as its only metadata field.
DOMAIN_RESERVED_FIELDS: Mapping[tuple[str | None, str], Mapping[str, FieldRule]] = {
    ("ECOMMERCE", "ITEMS"): {
        "CATEGORY_L2": _categorical(),
        "CATEGORY_L3": _categorical(),
        "PRODUCT_DESCRIPTION": _TEXTUAL,
        "AGE_GROUP": _categorical(),
        "ADULT": _categorical(),
        "GENDER": _categorical(),
    },
    ("VIDEO_ON_DEMAND", "ITEMS"): {
        "PRICE": _NUMBER,
        "DURATION": _NUMBER,
        "AVERAGE_RATING": _NUMBER,
        "GENRE_L2": _categorical(),
        "GENRE_L3": _categorical(),
        "PRODUCT_DESCRIPTION": _TEXTUAL,
        "CONTENT_OWNER": _categorical(),
        "CONTENT_CLASSIFICATION": _categorical(),
    },
    ("VIDEO_ON_DEMAND", "USERS"): {"SUBSCRIPTION_MODEL": _categorical()},
}

# (minimum, maximum) metadata fields per dataset type (limits.md, custom-datasets-and-schemas.md);
# for Interactions the maximum leaves out reserved keywords. The guide gives no maximum for Action
# interactions: it is taken to be Item interactions' 5.
METADATA_LIMITS: Mapping[str, tuple[int, int]] = {
    "INTERACTIONS": (0, 5),
    "ITEMS": (1, 50),
    "USERS": (1, 5),
    "ACTIONS": (1, 10),
    "ACTION_INTERACTIONS": (0, 5),
}
# Most fields a schema may have, all columns counted (actions-datasets.md: "The maximum number of columns is 10").
MAX_FIELDS: Mapping[str, int] = {"ACTIONS": 10}

# Only Items schemas may carry unstructured text.
TEXTUAL_DATASET_TYPES = frozenset({"ITEMS"})


@dataclass(frozen=True)
class DatasetRules:
    dataset_type: str
    required: Mapping[str, FieldRule]
    reserved: Mapping[str, FieldRule]
    min_metadata: int
    max_metadata: int
    textual_allowed: bool
    max_fields: int | None = None

    @property
    def label(self) -> str:
        return _LABELS[self.dataset_type]

    def rule(self, name: str) -> FieldRule | None:
        return self.required.get(name) or self.reserved.get(name)

    def is_metadata(self, name: str) -> bool:
        rule = self.rule(name)
        return rule is None or rule.metadata


def dataset_rules(dataset_type: str, domain: str | None = None) -> DatasetRules:
    """The rules for one dataset type, with the domain's fields merged in."""
    if dataset_type not in DATASET_TYPES:
        raise SchemaError(f"dataset type {dataset_type!r} is not one of {', '.join(_LABELS.values())}.")
    _check_domain(domain)
    if domain is not None and dataset_type in CUSTOM_ONLY_DATASET_TYPES:
        raise SchemaError(
            f"{_LABELS[dataset_type]} schemas can't be for the {domain} domain: next best action data "
            "lives only in custom dataset groups."
        )
    required = {**REQUIRED_FIELDS[dataset_type], **DOMAIN_REQUIRED_FIELDS.get((domain, dataset_type), {})}
    reserved = {
        name: rule
        for name, rule in {**RESERVED_FIELDS[dataset_type], **DOMAIN_RESERVED_FIELDS.get((domain, dataset_type), {})}.items()
        if name not in required
    }
    low, high = METADATA_LIMITS[dataset_type]
    return DatasetRules(
        dataset_type, required, reserved, low, high, dataset_type in TEXTUAL_DATASET_TYPES, MAX_FIELDS.get(dataset_type)
    )


def metadata_fields(schema: Schema, dataset_type: str, domain: str | None = None) -> tuple[Field, ...]:
    """The schema's metadata fields: those neither required nor a non-metadata reserved keyword."""
    rules = dataset_rules(dataset_type, domain)
    return tuple(f for f in schema.fields if rules.is_metadata(f.name))


def normalize_dataset_type(value: str) -> str | None:
    """Canonical upper-case dataset type of a datasetType; the service reads the name case-insensitively."""
    if not isinstance(value, str):
        return None
    upper = value.upper()
    return upper if upper in DATASET_TYPES else None


def record_dataset_type(name: str) -> str | None:
    """The dataset type a schema's record name names, or None."""
    return _BY_RECORD_NAME.get(name.upper().replace("_", ""))


def dataset_label(dataset_type: str) -> str:
    """How messages name a dataset type: Interactions, ..., ActionInteractions."""
    return _LABELS[dataset_type]


# ------------------------------------------------------------------ CreateDataset


def check_dataset_schema(schema: Schema, dataset_type: str, domain: str | None) -> None:
    """Raise SchemaError unless ``schema`` can back a dataset of ``dataset_type`` in ``domain``."""
    rules = dataset_rules(dataset_type, domain)
    if record_dataset_type(schema.name) != dataset_type:
        raise SchemaError(f"the record name {schema.name!r} must name the dataset type: use {rules.label!r} for this dataset.")
    for name, rule in rules.required.items():
        if schema.field(name) is None:
            where = f" in the {domain} domain" if domain else ""
            raise SchemaError(f"field {name} is missing; {rules.label} schemas{where} must declare it as {rule.describe()}.")
    for field in schema.fields:
        ruled = rules.rule(field.name)
        if ruled is not None:
            _check_rule(field, ruled, rules.label)
        elif field.textual and not rules.textual_allowed:
            raise SchemaError(f"field {field.name} sets \"textual\": true, but only Items schemas may have textual fields.")
    _check_metadata_count(schema, rules)
    if rules.max_fields is not None and len(schema.fields) > rules.max_fields:
        extra = schema.fields[rules.max_fields]
        raise SchemaError(
            f"field {extra.name} is one field too many: {rules.label} schemas have at most {rules.max_fields} "
            f"fields, and this one has {len(schema.fields)}."
        )


def _check_rule(field: Field, rule: FieldRule, label: str) -> None:
    if not set(field.types) <= rule.types or (field.nullable and not rule.nullable):
        raise SchemaError(
            f"field {field.name} must be declared as {rule.describe()} in {label} schemas, "
            f"but it is declared as {_describe_field(field)}."
        )
    for flag in _FLAGS:
        if flag == rule.flag and not getattr(field, flag):
            raise SchemaError(f"field {field.name} must set \"{flag}\": true in {label} schemas.")
        if flag != rule.flag and getattr(field, flag):
            raise SchemaError(f"field {field.name} is reserved in {label} schemas and can't set \"{flag}\": true.")


def _check_metadata_count(schema: Schema, rules: DatasetRules) -> None:
    metadata = [f for f in schema.fields if rules.is_metadata(f.name)]
    if len(metadata) > rules.max_metadata:
        extra = metadata[rules.max_metadata]
        raise SchemaError(
            f"field {extra.name} is one metadata field too many: {rules.label} schemas allow at most "
            f"{rules.max_metadata}, and this one has {len(metadata)} ({', '.join(f.name for f in metadata)})."
        )
    usable = [f for f in metadata if f.is_numeric or f.categorical or (f.textual and rules.textual_allowed)]
    if len(usable) < rules.min_metadata:
        kinds = "a categorical or textual string, or a number" if rules.textual_allowed else "a categorical string or a number"
        ids = ", ".join(rules.required)
        unflagged = [f.name for f in metadata if f.is_string]
        hint = f"; string fields without \"categorical\" don't count: {', '.join(unflagged)}" if unflagged else ""
        raise SchemaError(f"{rules.label} schemas need a metadata field besides {ids} ({kinds}), and this one has none{hint}.")


def _describe_field(field: Field) -> str:
    flags = "".join(f"{flag} " for flag in _FLAGS if getattr(field, flag))
    return f"{flags}{' or '.join(field.types)}" + (" (null allowed)" if field.nullable else " (not null)")


# ------------------------------------------------------------------- CreateSchema


def parse_schema(text: str, domain: str | None) -> Schema:
    """Parse and check a CreateSchema ``schema`` string.

    The record name tells which dataset type the schema is for (the guide asks that it
    match), so the dataset type's field rules are checked here as well as at CreateDataset.
    """
    _check_domain(domain)
    document = _load_json(text)
    schema = Schema(
        name=_record_name(document),
        namespace=_namespace(document),
        fields=_parse_fields(document),
    )
    dataset_type = record_dataset_type(schema.name)
    if dataset_type is None:
        raise SchemaError(
            f"the record name {schema.name!r} must be the dataset type the schema is for: "
            f"{', '.join(_LABELS.values())}."
        )
    check_dataset_schema(schema, dataset_type, domain)
    return schema


def _check_domain(domain: str | None) -> None:
    if domain is not None and domain not in DOMAINS:
        raise SchemaError(f"domain {domain!r} is not one of {', '.join(DOMAINS)}.")


def _load_json(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as error:
        raise SchemaError(f"the schema is not valid JSON ({error}).") from None
    if not isinstance(document, dict):
        raise SchemaError("the schema must be a JSON object describing an Avro record.")
    if document.get("type") != "record":
        raise SchemaError(f"the schema's \"type\" must be \"record\", not {document.get('type')!r}.")
    return document


def _record_name(document: dict[str, Any]) -> str:
    name = document.get("name")
    if not isinstance(name, str) or not _AVRO_NAME.fullmatch(name):
        raise SchemaError(f"the record \"name\" {name!r} is not a valid Avro name ({_NAME_RULE}).")
    return name


def _namespace(document: dict[str, Any]) -> str | None:
    namespace = document.get("namespace")
    if namespace is None or namespace == "":
        return None
    if not isinstance(namespace, str) or not all(_AVRO_NAME.fullmatch(part) for part in namespace.split(".")):
        raise SchemaError(f"the record \"namespace\" {namespace!r} is not a dot-separated list of Avro names.")
    return namespace


def _parse_fields(document: dict[str, Any]) -> tuple[Field, ...]:
    raw_fields = document.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise SchemaError("the record needs a non-empty \"fields\" list.")
    fields: list[Field] = []
    seen: dict[str, str] = {}  # alphanumeric key -> field name
    for position, spec in enumerate(raw_fields, start=1):
        field = _parse_field(position, spec)
        # Names must stay distinct once reduced to letters and digits: A_B clashes with AB.
        key = re.sub(r"[^A-Za-z0-9]", "", field.name)
        if key in seen:
            other = seen[key]
            problem = (
                "is declared more than once"
                if other == field.name
                else f"clashes with field {other} (names must differ in more than underscores)"
            )
            raise SchemaError(f"field {field.name} {problem}.")
        seen[key] = field.name
        fields.append(field)
    return tuple(fields)


def _parse_field(position: int, spec: Any) -> Field:
    if not isinstance(spec, dict):
        raise SchemaError(f"field #{position} must be a JSON object with \"name\" and \"type\".")
    name = spec.get("name")
    if not isinstance(name, str) or not _AVRO_NAME.fullmatch(name):
        raise SchemaError(f"field #{position} has name {name!r}, which is not a valid Avro name ({_NAME_RULE}).")
    if "type" not in spec:
        raise SchemaError(f"field {name} has no \"type\".")
    types, nullable = _parse_type(name, spec["type"])
    flags = {flag: _parse_flag(name, spec, flag) for flag in _FLAGS}
    if any(flags.values()) and types != ("string",):
        flag = next(f for f in _FLAGS if flags[f])
        raise SchemaError(f"field {name} sets \"{flag}\": true, which only a string field can do (its type is {types[0]}).")
    if all(flags.values()):
        raise SchemaError(f"field {name} can't be both categorical and textual.")
    return Field(name, types, nullable, **flags)


def _parse_flag(name: str, spec: dict[str, Any], flag: str) -> bool:
    value = spec.get(flag, False)
    if not isinstance(value, bool):
        raise SchemaError(f"field {name} has \"{flag}\": {json.dumps(value)}; it must be true or false.")
    return value


def _parse_type(name: str, raw: Any) -> tuple[tuple[str, ...], bool]:
    """(non-null types, nullable) for a field's Avro type: a primitive or a union with "null"."""
    branches = raw if isinstance(raw, list) else [raw]
    if not branches:
        raise SchemaError(f"field {name} has an empty type union.")
    names = [_primitive_name(name, branch) for branch in branches]
    if len(set(names)) != len(names):
        raise SchemaError(f"field {name} lists the same type twice in its union {json.dumps(raw)}.")
    types = tuple(t for t in names if t != NULL)
    if not types:
        raise SchemaError(f"field {name} needs a data type besides \"null\".")
    # CSV values carry no type tag, so a union can only add null to a single data type.
    if len(types) > 1:
        raise SchemaError(f"field {name} combines {', '.join(types)}; a field may have one data type, optionally with \"null\".")
    return types, NULL in names


def _primitive_name(name: str, branch: Any) -> str:
    # Avro also spells a primitive as {"type": "string"}.
    if isinstance(branch, dict) and isinstance(branch.get("type"), str) and branch["type"] in (*PRIMITIVE_TYPES, NULL):
        branch = branch["type"]
    if isinstance(branch, str) and branch in (*PRIMITIVE_TYPES, NULL):
        return branch
    if isinstance(branch, (dict, list)):
        raise SchemaError(
            f"field {name} uses a nested or complex type ({json.dumps(branch)}); schemas must be flat, with primitive types only."
        )
    supported = ", ".join((*PRIMITIVE_TYPES, NULL))
    raise SchemaError(f"field {name} has type {json.dumps(branch)}, which is not supported (use {supported}).")
