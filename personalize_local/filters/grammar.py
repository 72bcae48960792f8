"""The filter expression grammar (filter-expressions.md), read by lark into :mod:`.expression`.

Keywords, dataset names and ItemID/UserID are read in any case; field names are
read as written and matched to the schema's in any case (validation.py); parameter
names are case-sensitive, as the guide says. A syntax error names its line and
column and what could have come there.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args

from .errors import FilterError
from .expression import (
    AllOf,
    AnyOf,
    Condition,
    CurrentItemField,
    Expression,
    FieldRef,
    FilterExpression,
    Literals,
    Parameter,
    Position,
    Wildcard,
)

GRAMMAR = r"""
filter: expression (PIPE expression)*
expression: ACTION TARGET WHERE chain guard?
chain: conjunction (OR conjunction)*
conjunction: condition (AND condition)*
condition: field test
field: DATASET DOT NAME
guard: IF user_condition (AND user_condition)*
user_condition: CURRENT_USER DOT NAME test

test: IN LPAR values RPAR                    -> in_values
    | NOT IN LPAR values RPAR                -> not_in_values
    | IN current_item                        -> in_current_item
    | NOT IN current_item                    -> not_in_current_item
    | COMPARATOR (NUMBER | PARAMETER)        -> compare_value
    | COMPARATOR LPAR (NUMBER | PARAMETER) RPAR -> compare_value_in_parentheses
    | COMPARATOR current_item                -> compare_current_item
values: PARAMETER | literal (COMMA literal)*
literal: STRING | NUMBER | STAR
current_item: CURRENT_ITEM DOT NAME

parameter_values: given (COMMA given)*
given: STRING | NUMBER

ACTION: "INCLUDE"i | "EXCLUDE"i
TARGET: "ItemID"i | "UserID"i | "ActionID"i
WHERE: "WHERE"i
DATASET: "Items"i | "Users"i | "Interactions"i | "Action_Interactions"i | "Actions"i | "Action"i
CURRENT_USER: "CurrentUser"i
CURRENT_ITEM: "CurrentItem"i
IN: "IN"i
NOT: "NOT"i
AND: "AND"i
OR: "OR"i
IF: "IF"i
COMPARATOR: "<=" | ">=" | "<" | ">" | "="
PARAMETER: /\$[A-Za-z0-9_]+/
STRING: /"(?:[^"\\]|\\.)*"/
NUMBER: /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
STAR: "*"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
PIPE: "|"
DOT: "."
COMMA: ","
LPAR: "("
RPAR: ")"

%import common.WS
%ignore WS
"""

# What each terminal stands for, in a message saying what was expected.
EXPECTED = {
    "ACTION": "INCLUDE or EXCLUDE",
    "TARGET": "ItemID, UserID or ActionID",
    "WHERE": "WHERE",
    "DATASET": "a dataset (Items, Users, Interactions, Actions or Action_Interactions)",
    "CURRENT_USER": "CurrentUser",
    "CURRENT_ITEM": "CurrentItem",
    "IN": "IN",
    "NOT": "NOT",
    "AND": "AND",
    "OR": "OR",
    "IF": "IF",
    "COMPARATOR": "a comparison operator (=, <, <=, >, >=)",
    "PARAMETER": "a $parameter",
    "STRING": 'a "quoted" value',
    "NUMBER": "a number",
    "STAR": "'*'",
    "NAME": "a field name",
    "PIPE": "'|'",
    "DOT": "'.'",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "$END": "the end",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, start=["filter", "parameter_values"], parser="lalr", maybe_placeholders=False)


def _position(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1)


def _number(token: Token) -> float:
    return float(token)


def _string(token: Token) -> str:
    # Inside quotes a backslash escapes the next character.
    body = token[1:-1]
    out, escaped = [], False
    for char in body:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


@v_args(inline=True)
class _ToExpression(Transformer):
    """The parse tree as :mod:`.expression` objects."""

    def filter(self, *parts: Any) -> FilterExpression:
        return FilterExpression(tuple(p for p in parts if isinstance(p, Expression)))

    def expression(self, action: Token, target: Token, _where: Token, chain: Any, guard: Any = ()) -> Expression:
        return Expression(action.upper(), target.upper(), chain, tuple(guard))

    def chain(self, *parts: Any) -> Any:
        clauses = tuple(p for p in parts if not isinstance(p, Token))
        return clauses[0] if len(clauses) == 1 else AnyOf(clauses)

    def conjunction(self, *parts: Any) -> Any:
        clauses = tuple(p for p in parts if not isinstance(p, Token))
        return clauses[0] if len(clauses) == 1 else AllOf(clauses)

    def condition(self, field: FieldRef, test: tuple[str, Any]) -> Condition:
        return Condition(field, *test)

    def field(self, dataset: Token, _dot: Token, name: Token) -> FieldRef:
        return FieldRef(dataset.upper(), str(name), _position(dataset))

    def guard(self, _if: Token, *parts: Any) -> tuple[Condition, ...]:
        return tuple(p for p in parts if isinstance(p, Condition))

    def user_condition(self, user: Token, _dot: Token, name: Token, test: tuple[str, Any]) -> Condition:
        return Condition(FieldRef("CURRENTUSER", str(name), _position(user)), *test)

    def in_values(self, _in: Token, _l: Token, values: Any, _r: Token) -> tuple[str, Any]:
        return "IN", values

    def not_in_values(self, _not: Token, _in: Token, _l: Token, values: Any, _r: Token) -> tuple[str, Any]:
        return "NOT IN", values

    def in_current_item(self, _in: Token, item: CurrentItemField) -> tuple[str, Any]:
        return "IN", item

    def not_in_current_item(self, _not: Token, _in: Token, item: CurrentItemField) -> tuple[str, Any]:
        return "NOT IN", item

    def compare_value(self, operator: Token, value: Token) -> tuple[str, Any]:
        if value.type == "PARAMETER":
            return str(operator), Parameter(value[1:], _position(value))
        return str(operator), Literals((_number(value),))

    def compare_value_in_parentheses(self, operator: Token, _l: Token, value: Token, _r: Token) -> tuple[str, Any]:
        # The guide writes both Actions.VALUE > $VALUE and Actions.VALUE > ($VALUE).
        return self.compare_value(operator, value)

    def compare_current_item(self, operator: Token, item: CurrentItemField) -> tuple[str, Any]:
        return str(operator), item

    def values(self, *parts: Any) -> Any:
        if len(parts) == 1 and isinstance(parts[0], Token) and parts[0].type == "PARAMETER":
            return Parameter(parts[0][1:], _position(parts[0]))
        return Literals(tuple(p for p in parts if not isinstance(p, Token)))

    def literal(self, token: Token) -> Any:
        if token.type == "NUMBER":
            return _number(token)
        if token.type == "STAR":
            return Wildcard()
        text = _string(token)
        return Wildcard() if text == "*" else text

    def current_item(self, item: Token, _dot: Token, name: Token) -> CurrentItemField:
        return CurrentItemField(FieldRef("CURRENTITEM", str(name), _position(item)))

    def parameter_values(self, *parts: Any) -> tuple[str | float, ...]:
        return tuple(p for p in parts if not isinstance(p, Token))

    def given(self, token: Token) -> str | float:
        return _number(token) if token.type == "NUMBER" else _string(token)


def _expected(names: set[str]) -> str:
    described = sorted({EXPECTED.get(name, name) for name in names})
    return described[0] if len(described) == 1 else ", ".join(described[:-1]) + " or " + described[-1]


def _syntax_error(error: UnexpectedInput, text: str) -> str:
    """Where ``text`` goes wrong, what was found there and what was expected."""
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        lines = text.split("\n")
        return f"at line {len(lines)}, column {len(lines[-1]) + 1}: found the end, expected {_expected(error.expected)}"
    where = f"at line {error.line}, column {error.column}"
    if isinstance(error, UnexpectedToken):
        return f"{where}: found '{error.token}', expected {_expected(error.expected)}"
    if isinstance(error, UnexpectedCharacters):
        return f"{where}: found '{text[error.pos_in_stream or 0]}', expected {_expected(set(error.allowed))}"
    return f"{where}: {error}"


def parse(text: str) -> FilterExpression:
    """The expression ``text`` reads as; FilterError naming the position and what was expected if it doesn't."""
    try:
        tree = _parser().parse(text, start="filter")
    except UnexpectedInput as error:
        raise FilterError(f"Invalid filterExpression {_syntax_error(error, text)}.") from None
    return _ToExpression().transform(tree)


@lru_cache(maxsize=4096)
def _read_values(text: str) -> tuple[str | float, ...] | str:
    """The values ``text`` holds, or where and why it doesn't read; remembered, as requests repeat their values."""
    try:
        tree = _parser().parse(text, start="parameter_values")
    except UnexpectedInput as error:
        return _syntax_error(error, text)
    return _ToExpression().transform(tree)


def parse_parameter_values(text: str, member: str) -> tuple[str | float, ...]:
    """A request's value for a $parameter: comma-separated "quoted" strings or plain numbers."""
    values = _read_values(text)
    if isinstance(values, str):
        raise FilterError(
            f"Value at '{member}' is not a list of values ({values}): separate values "
            'by commas, with strings in double quotes ("comedy","drama") and numbers without.'
        )
    return values
