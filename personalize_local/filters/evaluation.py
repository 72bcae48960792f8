"""What a filter lets through for one request (filter-expressions.md, "Combining multiple expressions").

Each expression selects a set of IDs; INCLUDE sets are joined, EXCLUDE sets are
joined, and what passes is in the included set (when an INCLUDE expression
applies) and not in the excluded one. An expression drops out of the filter when
its IF conditions don't hold for the current user, or when it is an EXCLUDE
expression whose $PARAMETER the request leaves out (the guide: "Amazon
Personalize doesn't use that portion of the expression").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Collection, Mapping, cast

from ..data.table import DatasetTable
from .errors import FilterError
from .expression import (
    INCLUDE,
    AllOf,
    AnyOf,
    Clause,
    Condition,
    CurrentItemField,
    Expression,
    FilterExpression,
    Literals,
    Parameter,
    Wildcard,
)
from .records import interactions_of, recent_items_by_type, records_of
from .validation import CheckedFilter
from .values import Values, bind


# The datasets of interactions, whose conditions read the event types of the requesting user's own.
INTERACTION_DATASETS = frozenset({"INTERACTIONS", "ACTION_INTERACTIONS"})


@dataclass(frozen=True)
class Selection:
    """What passes a filter: IDs in ``include`` (None: no INCLUDE expression applied) and not in ``exclude``."""

    include: frozenset[str] | None
    exclude: frozenset[str]

    def refused(self, record_ids: Collection[str]) -> set[str]:
        """Those of ``record_ids`` that don't pass."""
        ids = record_ids if isinstance(record_ids, (set, frozenset)) else set(record_ids)
        refused = ids & self.exclude  # walks the smaller of the two
        if self.include is not None:
            refused |= ids - self.include
        return set(refused)


@dataclass(frozen=True)
class Request:
    """Who and what a recommendation request is for."""

    user_id: str | None = None
    item_id: str | None = None  # the CurrentItem: given for related-items recommendations only
    # Anonymous sessions whose events are now the user's (an event carried the session and the user).
    sessions: tuple[str, ...] = ()


# Sources read for the request's user or item: a filter reading none of them selects the same for every request.
PER_REQUEST_SOURCES = ("INTERACTIONS", "ACTION_INTERACTIONS", "CURRENTUSER", "CURRENTITEM")


def per_request(expression: FilterExpression) -> bool:
    """Whether what ``expression`` selects depends on who asks or about what (beyond the filterValues)."""
    return any(expression.reads(source) for source in PER_REQUEST_SOURCES)


# What an expression reading a source needs from the request, by (target, source): (request attribute, refusal).
NEEDS = {
    ("ITEMID", "INTERACTIONS"): ("user_id", "Value null at 'userId': the filter reads the user's interactions."),
    ("ITEMID", "CURRENTUSER"): ("user_id", "Value null at 'userId': the filter reads the CurrentUser."),
    ("ACTIONID", "ACTION_INTERACTIONS"): ("user_id", "Value null at 'userId': the filter reads the user's action interactions."),
    ("ACTIONID", "CURRENTUSER"): ("user_id", "Value null at 'userId': the filter reads the CurrentUser."),
    ("ITEMID", "CURRENTITEM"): (
        "item_id",
        "Value at 'filterArn': the filter reads the CurrentItem, which only related-items recommendations have "
        "(from a campaign of a RELATED_ITEMS recipe, asked with an itemId).",
    ),
}


class _Evaluation:
    def __init__(
        self,
        checked: CheckedFilter,
        values: Mapping[str, Values],
        request: Request,
        datasets: Mapping[str, DatasetTable],
        interactions_per_type: int,
    ) -> None:
        self.checked = checked
        self.values = values
        self.request = request
        self.datasets = datasets
        self.interactions_per_type = interactions_per_type
        self.target = checked.target

    def expression(self, expression: Expression) -> set[str] | None:
        """The IDs ``expression`` selects, or None when it drops out."""
        if any(p.name not in self.values for p in expression.parameters()):
            return None
        user = self.request.user_id
        if expression.guard and not all(user in self.matching(c) for c in expression.guard):
            return None
        return self.clause(expression.where)

    def clause(self, clause: Clause) -> set[str]:
        if isinstance(clause, AllOf):
            return reduce(set.intersection, (self.clause(part) for part in clause.parts))
        if isinstance(clause, AnyOf):
            return set().union(*(self.clause(part) for part in clause.parts))
        return self.matching(clause)

    def operand(self, condition: Condition) -> tuple[str | float | Wildcard, ...]:
        operand = condition.operand
        if isinstance(operand, Literals):
            return operand.values
        if isinstance(operand, Parameter):
            return self.values[operand.name]
        return self.current_item(operand)

    def current_item(self, operand: CurrentItemField) -> tuple[str | float, ...]:
        items, item_id = self.datasets.get("ITEMS"), self.request.item_id
        if items is None or item_id is None:
            return ()
        return records_of(items).values_of(item_id, self.checked.field(operand.field))

    def matching(self, condition: Condition) -> set[str]:
        """IDs of the condition's dataset (users, for CurrentUser) that meet the condition."""
        values = self.operand(condition)
        if condition.field.dataset in INTERACTION_DATASETS:
            return self.interacted(condition.field.dataset, condition.operator, values)
        table = self.datasets.get(condition.field.dataset)
        if table is None:
            return set()
        records = records_of(table)
        field = self.checked.field(condition.field)
        values = cast("tuple[str | float, ...]", values)  # a wildcard names event types only (validation.py)
        if condition.compares:
            return records.comparing(field, condition.operator, float(values[0])) if values else set()
        holding = records.holding(field, values)
        return holding if condition.operator == "IN" else set(records.all) - holding

    def interacted(self, dataset: str, operator: str, values: tuple[str | float | Wildcard, ...]) -> set[str]:
        """The IDs with interactions of the event types IN (or NOT IN) ``values``, in any case."""
        table = self.datasets.get(dataset)
        if table is None:
            return set()
        by_type: Mapping[str, Collection[str]]
        if self.target.key != "USER_ID":  # the requesting user's own items or actions
            if self.request.user_id is None:
                return set()  # no one's
            owners = (self.request.user_id, *self.request.sessions)
            by_type = recent_items_by_type(table, owners, self.interactions_per_type, self.target.key)
        else:
            by_type = interactions_of(table).users_by_type
        every = any(isinstance(v, Wildcard) or v == "*" for v in values)
        named = {str(v).lower() for v in values}
        wanted = operator == "IN"
        return set().union(*(ids for event_type, ids in by_type.items() if (every or event_type in named) == wanted))


def select(
    checked: CheckedFilter,
    filter_values: Mapping[str, str] | None,
    request: Request,
    datasets: Mapping[str, DatasetTable],
    interactions_per_type: int,
) -> Selection:
    """What ``checked`` lets through for ``request``, on the group's current data (``datasets`` by type)."""
    expression = checked.expression
    for (target, source), (attribute, refusal) in NEEDS.items():
        if getattr(request, attribute) is None and expression.target == target and expression.reads(source):
            raise FilterError(refusal)
    evaluation = _Evaluation(checked, bind(checked, filter_values), request, datasets, interactions_per_type)
    included: list[set[str]] = []
    excluded: list[set[str]] = []
    for part in expression.expressions:
        selected = evaluation.expression(part)
        if selected is not None:
            (included if part.action == INCLUDE else excluded).append(selected)
    return Selection(
        frozenset().union(*included) if included else None,
        frozenset().union(*excluded),
    )
