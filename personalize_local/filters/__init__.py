"""Filters (filter.md): the expression grammar, its checks against a dataset group, and what passes a request."""
from __future__ import annotations

from .errors import FilterError
from .evaluation import Request, Selection, select
from .expression import FilterExpression
from .grammar import parse
from .validation import CheckedFilter, check

__all__ = ["CheckedFilter", "FilterError", "FilterExpression", "Request", "Selection", "check", "parse", "select"]
