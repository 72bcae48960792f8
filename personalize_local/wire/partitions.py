"""Recipes, algorithms and feature transformations in every partition.

Their ARNs name no region or account (``arn:aws:personalize:::recipe/aws-sims``). The catalog, and every table
keyed by them, holds the commercial partition's form; a caller in another partition (``aws-cn``, ``aws-us-gov``)
names and sees them in its own. So, there, the members of the model's ``Arn`` shape and the backend's error
messages trade the two forms on the way in and out. Trading places both ways also keeps the commercial form from
naming anything in another partition, as a region's ARN names nothing in another region: it comes in as that
partition's form, which the catalog does not hold, and its not-found message goes out naming it as it was given.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable, Iterator

from botocore.model import Shape

from ..errors import ServiceError

CATALOG_PARTITION = "aws"
ARN_SHAPE = "Arn"
# An ARN without region and account, in any partition (the model's Arn pattern names partitions so).
_GLOBAL_ARN = re.compile(r"arn:[a-z\d-]+:personalize:::")


class GlobalArns:
    """The trade for one partition; in the catalog's own, nothing is traded."""

    def __init__(self, partition: str) -> None:
        theirs, ours = f"arn:{partition}:personalize:::", f"arn:{CATALOG_PARTITION}:personalize:::"
        self._trade = {theirs: ours, ours: theirs} if partition != CATALOG_PARTITION else {}
        # Whether there is anything to trade: in the catalog's partition, a call needs none of this.
        self.trades = bool(self._trade)

    def swap(self, text: str) -> str:
        return _GLOBAL_ARN.sub(lambda m: self._trade.get(m.group(0), m.group(0)), text)

    def members(self, shape: Shape | None, value: Any) -> Any:
        """``value`` (params, or a result) of ``shape``, with its ``Arn`` members traded."""
        return _traded(shape, value, self.swap) if self._trade else value

    @contextmanager
    def messages(self) -> Iterator[None]:
        """Around the backend's call: the ARNs its errors name, traded."""
        try:
            yield
        except ServiceError as error:
            if self._trade:
                error.message = self.swap(error.message)
            raise


@lru_cache(maxsize=None)
def global_arns(partition: str) -> GlobalArns:
    return GlobalArns(partition)


def _traded(shape: Shape | None, value: Any, swap: Callable[[str], str]) -> Any:
    if shape is None or value is None:
        return value
    if shape.name == ARN_SHAPE and isinstance(value, str):
        return swap(value)
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {name: _traded(members.get(name), item, swap) for name, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_traded(shape.member, item, swap) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: _traded(shape.value, item, swap) for key, item in value.items()}
    return value
