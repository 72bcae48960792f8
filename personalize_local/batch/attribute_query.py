"""The item attribute queries of Item-Attribute-Affinity batch segment jobs (batch-data-upload.md).

A query is one or more ``ITEMS.<field> = "<value>"`` joined by ``AND``; values are quoted, with
``\\`` escaping quotes and other special characters, or plain numbers. Unlike filter expressions,
only ``=`` compares.
"""
from __future__ import annotations

import re

from .lines import LineError

_FIELD = re.compile(r"\s*ITEMS\.([A-Za-z_][A-Za-z0-9_]*)\s*", re.IGNORECASE)
_EQUALS = re.compile(r"=\s*")
_VALUE = re.compile(r'(?:"((?:[^"\\]|\\.)*)"|([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?))\s*', re.DOTALL)
_AND = re.compile(r"AND\b", re.IGNORECASE)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
# A condition's parts in order, and what the query must hold where one is missing.
_CONDITION = (
    (_FIELD, "ITEMS.<field>"),
    (_EQUALS, "= (item attribute queries compare with = alone)"),
    (_VALUE, 'a "quoted" value or a number'),
)


def parse_attributes(query: str) -> list[tuple[str, str]]:
    """The (field, value) pairs an item must all have; LineError naming the column where the query goes wrong."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while True:
        parts = []
        for pattern, expected in _CONDITION:
            match = pattern.match(query, position)
            if match is None:
                raise LineError(f"itemAttributes: expected {expected} at column {position + 1} of {query!r}.")
            parts.append(match)
            position = match.end()
        field, (quoted, number) = parts[0].group(1), parts[2].groups()
        pairs.append((field, _ESCAPED.sub(r"\1", quoted) if quoted is not None else number))
        if position == len(query):
            return pairs
        joined = _AND.match(query, position)
        if joined is None:
            raise LineError(f"itemAttributes: expected AND or the end at column {position + 1} of {query!r}.")
        position = joined.end()
