"""A parsed expression checked against the dataset group's datasets and the service's rules.

From filter-expressions.md and the filter quotas in limits.md:

- every dataset an expression reads must be in the group, and every field in its
  schema, named in any case (the guide writes Items.genres for a GENRES field; the
  service's workshop filters on Interactions.event_type); textual and boolean
  fields can't be filtered on;
- Interactions conditions read EVENT_TYPE only, and ``*`` (every event type) goes
  only with it;
- conditions chained by AND/OR read the dataset of the first one (chain Items and
  Interactions conditions as two expressions joined by ``|``);
- IF conditions read the CurrentUser, once, at the end of an ItemID expression;
  CurrentItem is a value for ItemID conditions (related-items recommendations);
- IN / NOT IN match strings (or numbers, on numerical fields); =, <, <=, >, >=
  compare numbers;
- at most 5 distinct dataset fields per filter; at most 25 parameters, as a
  request's filterValues holds no more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..data.schemas import Field, Schema
from .errors import FilterError
from .expression import (
    SPELLING,
    Condition,
    CurrentItemField,
    Expression,
    FieldRef,
    FilterExpression,
    Literals,
    Parameter,
    Wildcard,
    conditions_of,
)

STRING = "string"
NUMBER = "number"
MAX_FIELDS = 5
# The runtime model's FilterValues map holds at most 25 entries: a filter can't use more parameters.
MAX_PARAMETERS = 25
# The fields `*` (every event type) may match.
EVENT_TYPES = {("INTERACTIONS", "EVENT_TYPE"), ("ACTION_INTERACTIONS", "EVENT_TYPE")}


@dataclass(frozen=True)
class TargetRule:
    """What an ItemID or UserID expression filters, and what it may read to do it."""

    label: str
    key: str  # the ID column of what is filtered
    where: frozenset[str]  # dataset types its WHERE conditions may read
    guard: bool  # may end with IF CurrentUser conditions
    current_item: bool  # may compare with CurrentItem fields


TARGETS = {
    "ITEMID": TargetRule("ItemID", "ITEM_ID", frozenset({"ITEMS", "INTERACTIONS"}), guard=True, current_item=True),
    "USERID": TargetRule("UserID", "USER_ID", frozenset({"USERS", "INTERACTIONS"}), guard=False, current_item=False),
    # action-recommendation-filter-examples.md: actions by their data or the user's action interactions, IF CurrentUser too.
    "ACTIONID": TargetRule(
        "ActionID", "ACTION_ID", frozenset({"ACTIONS", "ACTION_INTERACTIONS"}), guard=True, current_item=False
    ),
}
# Fields each dataset's conditions may read (datasets not listed: any field that can be filtered on).
READABLE = {"INTERACTIONS": frozenset({"EVENT_TYPE"}), "ACTION_INTERACTIONS": frozenset({"EVENT_TYPE"})}
# Fields filters refuse, and why.
UNFILTERABLE: tuple[tuple[Callable[[Field], bool], str], ...] = (
    (lambda field: field.textual, "is textual: filters can't use unstructured text"),
    (
        lambda field: field.type == "boolean",
        'is boolean: filters can\'t use boolean fields (use a string field holding "True" and "False", or an int holding 0 and 1)',
    ),
)


@dataclass(frozen=True)
class ParameterUse:
    """What a $PARAMETER stands for: strings or numbers, and whether a comparison wants exactly one."""

    kind: str
    single: bool


@dataclass(frozen=True)
class CheckedFilter:
    """An expression that passed, with the schema fields it reads and the parameters it takes."""

    expression: FilterExpression
    fields: Mapping[tuple[str, str], Field]
    parameters: Mapping[str, ParameterUse]

    @property
    def target(self) -> TargetRule:
        return TARGETS[self.expression.target]

    def field(self, ref: FieldRef) -> Field:
        return self.fields[(ref.dataset, ref.name)]

    def dataset_fields(self) -> set[tuple[str, str]]:
        """(dataset type, schema field) pairs the filter reads, however the expression cases their names:
        what the service's distinct-field quotas count."""
        return {(dataset, field.name) for (dataset, _), field in self.fields.items()}


def _fail(ref: FieldRef, problem: str) -> FilterError:
    return FilterError(f"Invalid filterExpression at {ref.position}: {ref} {problem}.")


def kind_of(field: Field) -> str:
    return NUMBER if field.is_numeric else STRING


class _Checker:
    def __init__(self, schemas: Mapping[str, Schema]) -> None:
        self.schemas = schemas
        self.fields: dict[tuple[str, str], Field] = {}
        self.parameters: dict[str, ParameterUse] = {}

    def resolve(self, ref: FieldRef) -> Field:
        schema = self.schemas.get(ref.dataset)
        label = SPELLING[ref.dataset]
        if schema is None:
            raise _fail(ref, f"reads the {label} dataset, which the dataset group doesn't have")
        field = schema.field_named(ref.name)
        if field is None:
            raise _fail(ref, f"is not a field of the {label} dataset's schema ({', '.join(schema.names)})")
        readable = READABLE.get(ref.dataset)
        if readable is not None and field.name not in readable:
            raise _fail(ref, f"can't be filtered on: {label} filters read only {', '.join(sorted(readable))}")
        for flawed, problem in UNFILTERABLE:
            if flawed(field):
                raise _fail(ref, problem)
        self.fields[(ref.dataset, ref.name)] = field
        return field

    def expression(self, expression: Expression) -> None:
        rule = TARGETS[expression.target]
        chained = list(conditions_of(expression.where))
        first = chained[0].field
        if first.dataset not in rule.where:
            readable = " or ".join(SPELLING[d] for d in sorted(rule.where))
            raise _fail(first, f"can't select {rule.label}s: their conditions read {readable}")
        for condition in chained[1:]:
            if condition.field.dataset != first.dataset:
                raise _fail(
                    condition.field,
                    f"is chained by AND/OR to {first}: a chain reads one dataset, so join "
                    "conditions on another dataset as a second expression, after |",
                )
        if expression.guard and not rule.guard:
            raise _fail(expression.guard[0].field, "is an IF condition, which only ItemID expressions take")
        for condition in chained:
            self.condition(condition, rule, guarded=False)
        for condition in expression.guard:
            self.condition(condition, rule, guarded=True)

    def condition(self, condition: Condition, rule: TargetRule, guarded: bool) -> None:
        ref = condition.field
        field = self.resolve(ref)
        kind = kind_of(field)
        if condition.compares and kind != NUMBER:
            raise _fail(ref, f"is a string field: match it with IN or NOT IN ({condition.operator} compares numbers)")
        operand = condition.operand
        if isinstance(operand, Literals):
            self.literals(ref, field, operand)
        elif isinstance(operand, Parameter):
            self.parameter(operand, ParameterUse(kind, single=condition.compares))
        elif isinstance(operand, CurrentItemField):
            if guarded or not rule.current_item:
                raise _fail(operand.field, "is a value only WHERE conditions of ItemID expressions take (related-items recommendations)")
            if kind_of(self.resolve(operand.field)) != kind:
                raise _fail(operand.field, f"is not a {kind} field like {ref}, so the two can't be compared")

    def literals(self, ref: FieldRef, field: Field, literals: Literals) -> None:
        kind = kind_of(field)
        for value in literals.values:
            if isinstance(value, Wildcard):
                if (ref.dataset, field.name) not in EVENT_TYPES:
                    raise _fail(ref, "is matched with *, which stands for every event type: use it only with an EVENT_TYPE of interactions")
            elif (kind == NUMBER) != isinstance(value, float):
                wanted = "numbers" if kind == NUMBER else 'strings in double quotes ("value")'
                raise _fail(ref, f"is a {kind} field: match it with {wanted}")

    def parameter(self, parameter: Parameter, use: ParameterUse) -> None:
        known = self.parameters.setdefault(parameter.name, use)
        if known.kind != use.kind:
            raise FilterError(
                f"Invalid filterExpression at {parameter.position}: {parameter} stands for both strings and numbers."
            )
        self.parameters[parameter.name] = ParameterUse(use.kind, known.single or use.single)


def check(expression: FilterExpression, schemas: Mapping[str, Schema]) -> CheckedFilter:
    """``expression`` checked against the group's datasets (``schemas`` by dataset type); FilterError if it fails."""
    targets = {e.target for e in expression.expressions}
    if len(targets) > 1:
        raise FilterError("Invalid filterExpression: its expressions filter different IDs (ItemID, UserID, ActionID); a filter filters one of them.")
    checker = _Checker(schemas)
    for part in expression.expressions:
        checker.expression(part)
    checked = CheckedFilter(expression, checker.fields, checker.parameters)
    fields = checked.dataset_fields()
    if len(fields) > MAX_FIELDS:
        names = ", ".join(f"{SPELLING[d]}.{n}" for d, n in sorted(fields))
        raise FilterError(f"Invalid filterExpression: it reads {len(fields)} distinct dataset fields ({names}); a filter reads at most {MAX_FIELDS}.")
    if len(checker.parameters) > MAX_PARAMETERS:
        raise FilterError(f"Invalid filterExpression: it has {len(checker.parameters)} parameters; a filter has at most {MAX_PARAMETERS}.")
    return checked
