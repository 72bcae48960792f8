"""filterValues: a request's values for a filter's $PARAMETERS (filter-real-time.md).

Each value is a comma-separated list: strings in double quotes (``"\\"comedy\\",\\"drama\\""``),
numbers without. An INCLUDE expression needs every parameter it uses; an EXCLUDE
expression whose parameter is missing is left out of the filter (evaluation does that).
"""
from __future__ import annotations

from typing import Mapping

from .errors import FilterError
from .expression import INCLUDE
from .grammar import parse_parameter_values
from .validation import NUMBER, CheckedFilter

Values = tuple["str | float", ...]
MEMBER = "filterValues"


def bind(checked: CheckedFilter, given: Mapping[str, str] | None) -> dict[str, Values]:
    """The given values by parameter name, checked against what each parameter stands for."""
    given = given or {}
    uses = checked.parameters
    for name in given:
        if name not in uses:
            known = ", ".join(f"${p}" for p in sorted(uses)) or "none"
            raise FilterError(f"Value at '{MEMBER}.{name}': the filter has no parameter ${name} (its parameters: {known}).")
    for expression in checked.expression.expressions:
        missing = sorted({p.name for p in expression.parameters()} - set(given))
        if expression.action == INCLUDE and missing:
            raise FilterError(
                f"Value null at '{MEMBER}.{missing[0]}': an INCLUDE expression uses ${missing[0]}, so it needs a value."
            )
    bound: dict[str, Values] = {}
    for name, text in given.items():
        member = f"{MEMBER}.{name}"
        values = parse_parameter_values(text, member)
        use = uses[name]
        wanted = float if use.kind == NUMBER else str
        if not all(isinstance(value, wanted) for value in values):
            form = "numbers, without quotes" if use.kind == NUMBER else 'strings in double quotes ("value")'
            raise FilterError(f"Value at '{member}': ${name} stands for {use.kind} values; give {form}.")
        if use.single and len(values) != 1:
            raise FilterError(f"Value at '{member}': ${name} is compared with =, <, <=, > or >=, so it takes one number, not {len(values)}.")
        bound[name] = values
    return bound
