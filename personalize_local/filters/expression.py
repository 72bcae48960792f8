"""A parsed filter expression (filter-expressions.md): what the grammar reads, typed.

A filter is one or more expressions joined by ``|``. Each expression INCLUDEs or
EXCLUDEs the ItemIDs (or UserIDs) that its WHERE clause selects, optionally only
IF conditions on the CurrentUser hold. A WHERE clause chains conditions with AND
(binding tighter) and OR; each condition compares a ``dataset.field`` with
literal values, a ``$PARAMETER`` given at request time, or a field of the
CurrentItem (the item related-items recommendations are asked for).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

INCLUDE = "INCLUDE"
COMPARISONS = ("=", "<", "<=", ">", ">=")

# How an expression names where a field is read from, and the dataset type that holds it.
SOURCES = {
    "ITEMS": "ITEMS",
    "USERS": "USERS",
    "INTERACTIONS": "INTERACTIONS",
    "CURRENTUSER": "USERS",
    "CURRENTITEM": "ITEMS",
    "ACTIONS": "ACTIONS",
    "ACTION": "ACTIONS",  # action-recommendation-filter-examples.md writes Action.MEMBERSHIP_LEVEL too
    "ACTION_INTERACTIONS": "ACTION_INTERACTIONS",
}
# How messages spell each source, as the guide writes them.
SPELLING = {
    "ITEMS": "Items",
    "USERS": "Users",
    "INTERACTIONS": "Interactions",
    "CURRENTUSER": "CurrentUser",
    "CURRENTITEM": "CurrentItem",
    "ACTIONS": "Actions",
    "ACTION": "Actions",
    "ACTION_INTERACTIONS": "Action_Interactions",
}


@dataclass(frozen=True)
class Position:
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True)
class FieldRef:
    """``source.name`` as written: Items.GENRE, CurrentUser.AGE, CurrentItem.PRICE ..."""

    source: str  # a key of SOURCES
    name: str
    position: Position

    @property
    def dataset(self) -> str:
        """The dataset type the field is read from."""
        return SOURCES[self.source]

    def __str__(self) -> str:
        return f"{SPELLING[self.source]}.{self.name}"


@dataclass(frozen=True)
class Wildcard:
    """``*``: interactions of every event type."""

    def __str__(self) -> str:
        return "*"


Literal = Union[str, float, Wildcard]


@dataclass(frozen=True)
class Literals:
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Parameter:
    name: str
    position: Position

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True)
class CurrentItemField:
    field: FieldRef


Operand = Union[Literals, Parameter, CurrentItemField]


@dataclass(frozen=True)
class Condition:
    field: FieldRef
    operator: str  # IN, NOT IN or one of COMPARISONS
    operand: Operand

    @property
    def compares(self) -> bool:
        return self.operator in COMPARISONS


@dataclass(frozen=True)
class AllOf:
    """Conditions joined by AND."""

    parts: tuple["Clause", ...]


@dataclass(frozen=True)
class AnyOf:
    """Conditions joined by OR."""

    parts: tuple["Clause", ...]


Clause = Union[Condition, AllOf, AnyOf]


def conditions_of(clause: Clause) -> Iterator[Condition]:
    if isinstance(clause, Condition):
        yield clause
    else:
        for part in clause.parts:
            yield from conditions_of(part)


@dataclass(frozen=True)
class Expression:
    action: str  # INCLUDE or EXCLUDE
    target: str  # ITEMID, USERID or ACTIONID
    where: Clause
    guard: tuple[Condition, ...] = ()  # IF CurrentUser conditions, joined by AND

    def conditions(self) -> Iterator[Condition]:
        yield from conditions_of(self.where)
        yield from self.guard

    def parameters(self) -> Iterator[Parameter]:
        for condition in self.conditions():
            if isinstance(condition.operand, Parameter):
                yield condition.operand

    def fields(self) -> Iterator[FieldRef]:
        for condition in self.conditions():
            yield condition.field
            if isinstance(condition.operand, CurrentItemField):
                yield condition.operand.field


@dataclass(frozen=True)
class FilterExpression:
    """Expressions joined by ``|``."""

    expressions: tuple[Expression, ...]

    @property
    def target(self) -> str:
        return self.expressions[0].target

    def reads(self, source: str) -> bool:
        """Whether any condition reads the given source (e.g. CURRENTUSER, INTERACTIONS)."""
        return any(f.source == source for e in self.expressions for f in e.fields())
