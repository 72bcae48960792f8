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
from functools import lru_cache
from typing import Any, Callable, Sequence

from ..errors import InvalidInputException
from ..recipes.base import Ranking

# How a campaign or recommender ranks for one request: (numResults, filterArn, filterValues, items kept out)
# -> (itemId, score), best first.
Rank = Callable[[int, "str | None", "dict[str, str] | None", "set[str] | frozenset[str]"], Ranking]

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
EXPLORATION_REASON = "Exploration"
PLACEHOLDER_REASON = "Popular item"


def interleave(
    regular: Sequence[tuple[str, float | None]],
    promoted: Sequence[tuple[str, float | None]],
    name: str,
    seed_text: str,
    reasons: bool = False,
) -> list[dict[str, Any]]:
    """The answer's entries: ``promoted`` (in order) at seeded random places among ``regular`` (in order);
    with ``reasons`` (a v2 recipe), promoted entries say so in ``reason``."""
    entries = [{"itemId": item, "score": score} for item, score in regular]
    # In ascending order of their places, each promoted entry goes where it ends up: those before it are in place.
    for place, (item, score) in zip(_places(seed_text, len(regular) + len(promoted), len(promoted)), promoted):
        entry: dict[str, Any] = {"itemId": item, "score": score, "promotionName": name}
        if reasons:
            entry["reason"] = [PROMOTED_REASON]
        entries.insert(place, entry)
    return entries


@lru_cache(maxsize=4096)  # the same request places them alike: seeding a generator costs more than the rest of this
def _places(seed_text: str, total: int, count: int) -> tuple[int, ...]:
    """The ``count`` places of ``total`` that promoted items take, in ascending order, drawn from a generator seeded
    by ``seed_text``."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big"))
    return tuple(sorted(rng.sample(range(total), count)))


def promoted_answer(
    rank: Rank,
    num_results: int,
    filter_arn: str | None,
    filter_values: dict[str, str] | None,
    promotions: list[dict[str, Any]] | None,
    shown: bool,
    seed_text: str,
    reasons: bool = False,
) -> list[dict[str, Any]]:
    """The itemList of a GetRecommendations answer: the promotion's share from its filter, the rest ranked
    under the request's filter. ``shown``: whether the answer shows scores; ``seed_text`` names the request,
    so that the same request places promoted items alike."""
    promotion = promotions[0] if promotions else None
    promoted: Ranking = []
    if promotion is not None:
        check(promotion)
        count = promoted_count(num_results, promotion["percentPromotedItems"])
        promoted = rank(count, promotion["filterArn"], promotion.get("filterValues"), set())
    items = rank(num_results - len(promoted), filter_arn, filter_values, {item for item, _ in promoted})

    def scored(ranked: Ranking) -> list[tuple[str, float | None]]:
        return [(item, score if shown else None) for item, score in ranked]

    if promotion is None:
        listed = [{"itemId": item, "score": score} for item, score in items] if shown else [{"itemId": item, "score": None} for item, _ in items]
    else:
        listed = interleave(scored(items), scored(promoted), promotion["name"], f"{seed_text}|{promotion['name']}", reasons)
    if reasons:
        give_reasons(listed, items)
    return listed


def give_reasons(listed: list[dict[str, Any]], picks: Sequence[tuple[str, float | None]]) -> None:
    """PredictedItem.reason of the items exploration chose and of placeholder popular items (base.Picks;
    promoted ones have theirs)."""
    why = {
        **{item: EXPLORATION_REASON for item in getattr(picks, "explored", ())},
        **{item: PLACEHOLDER_REASON for item in getattr(picks, "placeholders", ())},
    }
    for entry in listed:
        if "promotionName" not in entry and entry["itemId"] in why:
            entry["reason"] = [why[entry["itemId"]]]
