"""What a filter that reads the request refused is kept per request: it must follow every change of what it read."""
from __future__ import annotations

from typing import Any

import pytest

from .catalogs import PURCHASED, PURCHASES
from .conftest import Clients, Restore
from .datagen import START
from .helpers import fails, make_filter, small_rows
from .tracking import make_tracker
from .worlds import Shop, build_shop

EXCLUDE_HISTORY = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)"


@pytest.fixture
def shop(from_snapshot: Restore) -> Shop:
    return from_snapshot(build_shop)


def answer(c: Clients, shop: Shop, filter_arn: str, user: str = "user-0") -> list[str]:
    request: dict[str, Any] = {"campaignArn": shop.campaign, "userId": user, "numResults": 20, "filterArn": filter_arn}
    return [i["itemId"] for i in c.runtime.get_recommendations(**request)["itemList"]]


def unseen(shop: Shop, seen: set[str]) -> list[str]:
    """The popularity campaign's answer less ``seen``: what the exclude-history filter must leave."""
    return [item for item in shop.everything if item not in seen][:20]


def click(c: Clients, tracking_id: str, item: str, at: int, session: str, user: str | None = None) -> None:
    event = {"eventType": "watch", "itemId": item, "sentAt": START + 2_000_000 + at}
    c.events.put_events(trackingId=tracking_id, sessionId=session, eventList=[event], **({"userId": user} if user else {}))


def test_each_event_of_the_user_or_their_sessions_counts_in_the_next_answer(aws: Clients, shop: Shop) -> None:
    seen_filter = make_filter(aws, shop.group_arn, EXCLUDE_HISTORY)
    tracking_id = make_tracker(aws, shop.group_arn)["trackingId"]
    seen = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    for at in range(3):
        expected = unseen(shop, seen)
        assert answer(aws, shop, seen_filter) == expected
        assert answer(aws, shop, seen_filter) == expected
        # Another user's click, and a session that is not user-0's, leave user-0's answer as it was.
        click(aws, tracking_id, expected[1], at, session="elsewhere", user="user-1")
        click(aws, tracking_id, expected[2], at, session="anonymous")
        assert answer(aws, shop, seen_filter) == expected
        click(aws, tracking_id, expected[0], at, session="laptop", user="user-0")
        seen.add(expected[0])
    assert answer(aws, shop, seen_filter) == unseen(shop, seen)

    # A session's clicks become user-0's once an event carries both; later anonymous ones in it count at once too.
    before = unseen(shop, seen)
    click(aws, tracking_id, before[0], 10, session="phone")
    assert answer(aws, shop, seen_filter) == before
    click(aws, tracking_id, before[1], 11, session="phone", user="user-0")
    seen |= {before[0], before[1]}
    assert answer(aws, shop, seen_filter) == unseen(shop, seen)
    click(aws, tracking_id, unseen(shop, seen)[0], 12, session="phone")
    seen.add(unseen(shop, seen)[0])
    assert answer(aws, shop, seen_filter) == unseen(shop, seen)


def test_a_filter_made_again_under_its_name_answers_by_its_new_expression(aws: Clients, shop: Shop) -> None:
    p = aws.personalize
    first = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")', name="mine")
    assert answer(aws, shop, first) == unseen(shop, set(PURCHASED))
    p.delete_filter(filterArn=first)
    fails("ResourceNotFoundException", p.describe_filter, filterArn=first)  # observed: the delete has ended
    again = make_filter(aws, shop.group_arn, EXCLUDE_HISTORY, name="mine")
    assert again == first
    seen = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    assert answer(aws, shop, again) == unseen(shop, seen)


def test_with_a_promotion_each_event_of_the_user_counts_in_the_next_answer(aws: Clients, shop: Shop) -> None:
    # The request's filter keeps out what the promotion took as well: both are read again once the user's events change.
    seen_filter = make_filter(aws, shop.group_arn, EXCLUDE_HISTORY)
    horror = make_filter(aws, shop.group_arn, 'INCLUDE ItemID WHERE Items.GENRES IN ("Horror")', name="horror")
    tracking_id = make_tracker(aws, shop.group_arn)["trackingId"]
    promotion = {"name": "scary", "percentPromotedItems": 25, "filterArn": horror}

    def listed() -> tuple[list[str], list[str]]:
        entries = aws.runtime.get_recommendations(
            campaignArn=shop.campaign, userId="user-0", numResults=8, filterArn=seen_filter, promotions=[promotion]
        )["itemList"]
        return [i["itemId"] for i in entries if "promotionName" not in i], [i["itemId"] for i in entries if "promotionName" in i]

    seen = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    for at in range(3):
        others, promoted = listed()
        assert listed() == (others, promoted)
        assert len(promoted) == 2 and not set(others) & (seen | set(promoted))
        click(aws, tracking_id, others[0], at, session="laptop", user="user-0")
        seen.add(others[0])
        after, _ = listed()
        assert others[0] not in after and after[: len(others) - 1] == others[1:]
