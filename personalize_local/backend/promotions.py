"""Promotions (promoting-items.md): a share of the answer given to items that pass the promotion's filter.

Of numResults, percentPromotedItems percent (rounded half up) go to the best items the promotion's
filter lets through; the request's filter applies to the others only, which never repeat a promoted
item. Promoted items carry promotionName and sit at random places among the others ("positioned
randomly relative to other recommended items, but in sorted order relative to other promoted
items"), the same places for the same request every time. With too few items passing, as many are
promoted as pass, and the others fill the answer.
"""
from __future__ import annotations

import hashlib
import math
import random
from typing import Any, Sequence

from ..wire.errors import InvalidInputException

# What a promotion can't go without: its name (promotionName in the answer), its share and its filter.
REQUIRED = ("name", "percentPromotedItems", "filterArn")


def promoted_count(num_results: int, percent: int) -> int:
    return math.floor(num_results * percent / 100 + 0.5)


def check(promotion: dict[str, Any]) -> None:
    for member in REQUIRED:
        if not promotion.get(member):
            raise InvalidInputException(f"Value null at 'promotions.1.member.{member}': a promotion needs its {', '.join(REQUIRED)}.")


# PredictedItem.reason: User-Personalization-v2 answers say why an item is there.
REASONED_RECIPES = {"arn:aws:personalize:::recipe/aws-user-personalization-v2"}
PROMOTED_REASON = "Promoted item"


def interleave(
    regular: Sequence[tuple[str, float | None]],
    promoted: Sequence[tuple[str, float | None]],
    name: str,
    seed_text: str,
    reasons: bool = False,
) -> list[dict[str, Any]]:
    """The answer's entries: ``promoted`` (in order) at seeded random places among ``regular`` (in order);
    with ``reasons`` (a v2 recipe), promoted entries say so in ``reason``."""
    total = len(regular) + len(promoted)
    rng = random.Random(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big"))
    places = set(rng.sample(range(total), len(promoted)))
    regulars, promoteds = iter(regular), iter(promoted)
    entries = []
    for place in range(total):
        if place in places:
            item, score = next(promoteds)
            entries.append({"itemId": item, "score": score, "promotionName": name, **({"reason": [PROMOTED_REASON]} if reasons else {})})
        else:
            item, score = next(regulars)
            entries.append({"itemId": item, "score": score})
    return entries
