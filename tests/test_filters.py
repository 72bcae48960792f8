"""Filters: CreateFilter, DescribeFilter, ListFilters, DeleteFilter, and filtered runtime answers."""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
from moto.moto_api import state_manager

from .catalogs import COMEDY, HORROR, ITEM_ROWS, PURCHASED, PURCHASES, RECORDED, genres, holds, price
from .conftest import Clients, Restore, avro
from .datagen import START, to_csv
from .helpers import arn, fails, loaded_group, make_filter, new_group, padded, quoted, small_rows
from .tracking import make_tracker
from .workflow import USER_PERSONALIZATION, create_group, deploy, import_csv, train
from .worlds import Shop, build_shop


def test_a_group_with_filters_is_not_deleted(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws, "short-lived")
    filter_arn = make_filter(aws, group.dataset_group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')
    p.delete_dataset(datasetArn=group.dataset_arn)
    assert p.list_datasets(datasetGroupArn=group.dataset_group_arn)["datasets"] == []  # observed: its delete is done
    message = fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group.dataset_group_arn)
    assert filter_arn in message
    p.delete_filter(filterArn=filter_arn)
    assert p.list_filters(datasetGroupArn=group.dataset_group_arn)["Filters"] == []  # observed: its delete is done
    p.delete_dataset_group(datasetGroupArn=group.dataset_group_arn)
    assert p.list_dataset_groups()["datasetGroups"] == []


@pytest.fixture
def shop(from_snapshot: Restore) -> Shop:
    return from_snapshot(build_shop)


def answer(c: Clients, shop: Shop, filter_arn: str, user: str | None = "user-0", n: int = 20, **values: str) -> list[str]:
    request: dict[str, Any] = {"campaignArn": shop.campaign, "numResults": n, "filterArn": filter_arn}
    if user is not None:
        request["userId"] = user
    if values:
        request["filterValues"] = values
    return [i["itemId"] for i in c.runtime.get_recommendations(**request)["itemList"]]


def passing(shop: Shop, admitted: Callable[[str], bool], n: int = 20) -> list[str]:
    """What the filtered answer must be: the unfiltered ranking's first ``n`` admitted items."""
    return [item for item in shop.everything if admitted(item)][:n]


# Control plane --------------------------------------------------------------------------------


def test_create_describe_list_delete(aws: Clients, shop: Shop) -> None:
    p = aws.personalize
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    created = p.create_filter(name="no-repeats", datasetGroupArn=shop.group_arn, filterExpression=expression,
                              tags=[{"tagKey": "team", "tagValue": "shop"}])
    assert created["filterArn"] == arn("filter", "no-repeats")
    described = p.describe_filter(filterArn=created["filterArn"])["filter"]
    assert described["status"] == "ACTIVE"
    assert {k: described[k] for k in ("name", "filterArn", "datasetGroupArn", "filterExpression")} == {
        "name": "no-repeats", "filterArn": created["filterArn"], "datasetGroupArn": shop.group_arn, "filterExpression": expression,
    }
    assert described["creationDateTime"] <= described["lastUpdatedDateTime"]
    assert "failureReason" not in described
    assert p.list_tags_for_resource(resourceArn=created["filterArn"])["tags"] == [{"tagKey": "team", "tagValue": "shop"}]

    newer = make_filter(aws, shop.group_arn, 'INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")', name="comedies")
    other_group = new_group(aws, "other")
    listed = p.list_filters(datasetGroupArn=shop.group_arn)["Filters"]
    assert [f["filterArn"] for f in listed] == [newer, created["filterArn"]]  # newest first
    assert set(listed[0]) == {"name", "filterArn", "datasetGroupArn", "status", "creationDateTime", "lastUpdatedDateTime"}
    assert p.list_filters(datasetGroupArn=other_group)["Filters"] == []
    first = p.list_filters(maxResults=1)
    assert [f["filterArn"] for f in first["Filters"]] == [newer]
    second = p.list_filters(maxResults=1, nextToken=first["nextToken"])
    assert [f["filterArn"] for f in second["Filters"]] == [created["filterArn"]] and "nextToken" not in second
    assert "bogus" in fails("InvalidNextTokenException", p.list_filters, nextToken="bogus")

    p.delete_filter(filterArn=created["filterArn"])
    message = fails("ResourceNotFoundException", p.describe_filter, filterArn=created["filterArn"])
    assert message == f"Resource Arn {created['filterArn']} does not exist."
    assert [f["filterArn"] for f in p.list_filters(datasetGroupArn=shop.group_arn)["Filters"]] == [newer]
    assert created["filterArn"] in fails("ResourceNotFoundException", p.delete_filter, filterArn=created["filterArn"])
    # The name is free again.
    assert make_filter(aws, shop.group_arn, expression, name="no-repeats") == created["filterArn"]


def test_create_errors(aws: Clients, shop: Shop) -> None:
    p = aws.personalize
    good = 'EXCLUDE ItemID WHERE Items.GENRES IN ("Horror")'
    ghost = arn("dataset-group", "ghost")
    assert ghost in fails("ResourceNotFoundException", p.create_filter, name="f", datasetGroupArn=ghost, filterExpression=good)
    assert "'name'" in fails("InvalidInputException", p.create_filter, name="bad name", datasetGroupArn=shop.group_arn, filterExpression=good)
    assert "'filterExpression'" in fails("InvalidInputException", p.create_filter, name="f", datasetGroupArn=shop.group_arn, filterExpression="x" * 2501)
    make_filter(aws, shop.group_arn, good, name="taken")
    assert "taken" in fails("ResourceAlreadyExistsException", p.create_filter, name="taken", datasetGroupArn=shop.group_arn, filterExpression=good)
    message = fails("TooManyTagsException", p.create_filter, name="tagged", datasetGroupArn=shop.group_arn, filterExpression=good,
                    tags=[{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)])
    assert "tags" in message


def test_filters_per_group_quota(aws: Clients, shop: Shop) -> None:
    for i in range(10):
        make_filter(aws, shop.group_arn, f"EXCLUDE ItemID WHERE Items.PRICE > {i}", name=f"f{i}")
    message = fails("LimitExceededException", aws.personalize.create_filter, name="f10", datasetGroupArn=shop.group_arn,
                    filterExpression="EXCLUDE ItemID WHERE Items.PRICE > 10")
    assert "10 filters per dataset group" in message


def test_distinct_fields_quotas(aws: Clients) -> None:
    p = aws.personalize
    wide = avro("Items", [{"name": "ITEM_ID", "type": "string"}] + [{"name": f"F{i}", "type": ["null", "int"]} for i in range(12)])
    group_arn = new_group(aws, "wide")
    schema_arn = p.create_schema(name="wide-items", schema=wide)["schemaArn"]
    p.create_dataset(name="wide-items", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Items")

    six = " OR ".join(f"Items.F{i} > 1" for i in range(6))
    message = fails("InvalidInputException", p.create_filter, name="six", datasetGroupArn=group_arn,
                    filterExpression=f"INCLUDE ItemID WHERE {six}")
    assert "6 distinct dataset fields" in message and "at most 5" in message
    # Five here and five there make ten across the group: one more field is past the quota.
    for name, fields in (("first", range(0, 5)), ("second", range(5, 10))):
        make_filter(aws, group_arn, "INCLUDE ItemID WHERE " + " OR ".join(f"Items.F{i} > 1" for i in fields), name=name)
    # Fields count as the schema names them: f0 is F0.
    make_filter(aws, group_arn, "EXCLUDE ItemID WHERE Items.f0 = 3 AND Items.F9 < 2", name="reuses")
    message = fails("LimitExceededException", p.create_filter, name="eleventh", datasetGroupArn=group_arn,
                    filterExpression="EXCLUDE ItemID WHERE Items.F10 = 1")
    assert "distinct dataset fields" in message and "11" in message


@pytest.mark.parametrize(
    "expression, where, expected",
    [
        ('INCLUDE ItemID WHERE Items.GENRES IN ("Comedy"', "line 1, column 47", "found the end, expected ')' or ','"),
        ('INCLUDE ItemID WHER Items.GENRES IN ("Comedy")', "line 1, column 16", "found 'WHER', expected WHERE"),
        ('ITEMS ItemID WHERE Items.GENRES IN ("Comedy")', "line 1, column 1", "expected INCLUDE or EXCLUDE"),
        ('INCLUDE Movies WHERE Items.GENRES IN ("Comedy")', "line 1, column 9", "expected ItemID, UserID or ActionID"),
        ('INCLUDE ItemID WHERE Products.GENRES IN ("Comedy")', "line 1, column 22", "expected a dataset (Items, Users, Interactions, Actions or Action_Interactions)"),
        ('INCLUDE ItemID WHERE Items.GENRES = "Comedy"', "line 1, column 37", "found '\"Comedy\"', expected '(', CurrentItem, a $parameter or a number"),
        ('INCLUDE ItemID WHERE Items.GENRES CONTAINS ("Comedy")', "line 1, column 35", "expected IN, NOT or a comparison operator"),
        ('INCLUDE ItemID WHERE Items.PRICE < 5 IF CurrentUser.AGE > 3 IF CurrentUser.AGE < 9', "line 1, column 61", "found 'IF', expected '|', AND or the end"),
        ('INCLUDE ItemID WHERE CurrentUser.AGE > 3', "line 1, column 22", "found 'CurrentUser', expected a dataset"),
        ('INCLUDE ItemID WHERE Items.GENRES IN ($GENRE, "Drama")', "line 1, column 45", "found ',', expected ')'"),
        ('INCLUDE ItemID WHERE Items.PRICE < 5 |', "line 1, column 39", "found the end, expected INCLUDE or EXCLUDE"),
        ('INCLUDE ItemID WHERE Items.PRICE < 5 ;', "line 1, column 38", "found ';'"),
        ('INCLUDE ItemID\nWHERE Items.PRICE <\n"cheap"', "line 3, column 1", "expected '(', CurrentItem, a $parameter or a number"),
    ],
)
def test_syntax_errors_name_the_position_and_what_was_expected(aws: Clients, shop: Shop, expression: str, where: str, expected: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_filter, name="f", datasetGroupArn=shop.group_arn, filterExpression=expression)
    assert "filterExpression" in message and where in message and expected in message, message
    assert aws.personalize.list_filters()["Filters"] == []


@pytest.mark.parametrize(
    "expression, expected",
    [
        ('EXCLUDE ItemID WHERE Items.COLOUR IN ("red")', "Items.COLOUR is not a field of the Items dataset's schema"),
        ('EXCLUDE ItemID WHERE Items.DESCRIPTION IN ("boot")', "Items.DESCRIPTION is textual"),
        ('EXCLUDE ItemID WHERE Items.ON_SALE IN ("true")', "Items.ON_SALE is boolean"),
        ('EXCLUDE ItemID WHERE Interactions.ITEM_ID IN ("comedy-1")', "Interactions filters read only EVENT_TYPE"),
        # A field named in another case is the schema's field, under the same rules.
        ('EXCLUDE ItemID WHERE Items.description IN ("boot")', "Items.description is textual"),
        ('EXCLUDE ItemID WHERE Interactions.item_id IN ("comedy-1")', "Interactions.item_id can't be filtered on"),
        ('EXCLUDE ItemID WHERE Items.genres IN (*)', "use it only with an EVENT_TYPE of interactions"),
        ('EXCLUDE ItemID WHERE Items.price IN ("cheap")', "Items.price is a number field"),
        ('EXCLUDE ItemID WHERE Items.GENRES IN (*)', "use it only with an EVENT_TYPE of interactions"),
        ('EXCLUDE ItemID WHERE Items.GENRES IN ("Comedy") AND Interactions.EVENT_TYPE IN ("watch")', "Interactions.EVENT_TYPE is chained by AND/OR to Items.GENRES"),
        ('EXCLUDE ItemID WHERE Items.GENRES > 3', "Items.GENRES is a string field: match it with IN or NOT IN"),
        ('EXCLUDE ItemID WHERE Items.PRICE IN ("cheap")', "Items.PRICE is a number field: match it with numbers"),
        ('EXCLUDE ItemID WHERE Items.GENRES IN (3)', "Items.GENRES is a string field"),
        ('EXCLUDE ItemID WHERE Users.AGE > 3', "Users.AGE can't select ItemIDs"),
        ('EXCLUDE UserID WHERE Items.PRICE > 3', "Items.PRICE can't select UserIDs"),
        ('EXCLUDE UserID WHERE Users.AGE > 3 IF CurrentUser.AGE > 5', "CurrentUser.AGE is an IF condition, which only ItemID expressions take"),
        ('EXCLUDE ItemID WHERE Items.PRICE > 3 IF CurrentUser.AGE > CurrentItem.PRICE', "CurrentItem.PRICE is a value only WHERE conditions"),
        ('EXCLUDE ItemID WHERE Items.PRICE > CurrentItem.GENRES', "CurrentItem.GENRES is not a number field like Items.PRICE"),
        ('EXCLUDE ItemID WHERE Items.PRICE > 3 IF CurrentUser.HEIGHT > 5', "CurrentUser.HEIGHT is not a field of the Users dataset's schema"),
        ('EXCLUDE ItemID WHERE Items.PRICE > $X OR Items.GENRES IN ($X)', "$X stands for both strings and numbers"),
        ('EXCLUDE ItemID WHERE Items.PRICE > 3 | EXCLUDE UserID WHERE Users.AGE > 3', "filter different IDs"),
    ],
)
def test_expressions_are_checked_against_the_datasets(aws: Clients, shop: Shop, expression: str, expected: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_filter, name="f", datasetGroupArn=shop.group_arn, filterExpression=expression)
    assert expected in message and "filterExpression" in message, message


def test_field_names_match_the_schema_in_any_case(aws: Clients, shop: Shop) -> None:
    # The service's workshop filters on Interactions.event_type (the field is EVENT_TYPE); the guide writes Items.genres.
    workshop = 'EXCLUDE ItemID WHERE Interactions.event_type IN ("purchase")'
    no_repeats = make_filter(aws, shop.group_arn, workshop, name="workshop")
    assert aws.personalize.describe_filter(filterArn=no_repeats)["filter"]["filterExpression"] == workshop
    assert answer(aws, shop, no_repeats) == passing(shop, lambda item: item not in PURCHASED)
    seen = make_filter(aws, shop.group_arn, "EXCLUDE ItemID WHERE interactions.Event_Type IN (*)", name="seen")
    history = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    assert answer(aws, shop, seen, n=80) == passing(shop, lambda item: item not in history, n=80)

    kids = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.genres IN ($GENRE) AND items.Price < 30 IF CurrentUser.age < 18",
                       name="kids")
    romance = passing(shop, lambda item: holds(item, "Romance") and price(item) < 30)
    assert answer(aws, shop, kids, user="user-0", GENRE=quoted("Romance")) == romance
    assert answer(aws, shop, kids, user="user-1", GENRE=quoted("Romance")) == shop.everything[:20]  # 30 years old
    make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.genres IN CurrentItem.Genres", name="related")


def test_a_dataset_the_group_lacks(aws: Clients) -> None:
    group = create_group(aws, "bare")
    message = fails("InvalidInputException", aws.personalize.create_filter, name="f", datasetGroupArn=group.dataset_group_arn,
                    filterExpression='INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")')
    assert "Items.GENRES reads the Items dataset, which the dataset group doesn't have" in message
    message = fails("InvalidInputException", aws.personalize.create_filter, name="f", datasetGroupArn=group.dataset_group_arn,
                    filterExpression='INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch") IF CurrentUser.AGE > 3')
    assert "CurrentUser.AGE reads the Users dataset" in message


# Runtime --------------------------------------------------------------------------------------


def test_exclude_purchased_items_recorded_events_included_at_once(aws: Clients, shop: Shop) -> None:
    # Event types match in any case: the data says "Purchase".
    no_repeats = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')
    assert set(PURCHASED) <= set(shop.everything[:10])
    assert answer(aws, shop, no_repeats) == passing(shop, lambda item: item not in PURCHASED)
    # Nobody else bought anything.
    assert answer(aws, shop, no_repeats, user="user-1") == shop.everything[:20]

    tracking_id = make_tracker(aws, shop.group_arn)["trackingId"]
    bought = shop.everything[2]
    aws.events.put_events(trackingId=tracking_id, userId="user-0", sessionId="s",
                          eventList=[{"eventType": "PURCHASE", "itemId": bought, "sentAt": START + 2_000_000}])
    assert answer(aws, shop, no_repeats) == passing(shop, lambda item: item not in PURCHASED + (bought,))
    # A watched item is not a purchase.
    aws.events.put_events(trackingId=tracking_id, userId="user-1", sessionId="s1",
                          eventList=[{"eventType": "watch", "itemId": bought, "sentAt": START + 2_000_001}])
    assert answer(aws, shop, no_repeats, user="user-1") == shop.everything[:20]


def test_every_event_type_with_a_star(aws: Clients, shop: Shop) -> None:
    seen = make_filter(aws, shop.group_arn, "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)")
    history = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    assert answer(aws, shop, seen, n=80) == passing(shop, lambda item: item not in history, n=80)
    others = make_filter(aws, shop.group_arn, 'INCLUDE ItemID WHERE Interactions.EVENT_TYPE NOT IN ("watch")', name="others")
    assert answer(aws, shop, others) == passing(shop, lambda item: item in PURCHASED)


def test_the_most_recent_interactions_of_each_type_count(aws: Clients, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    # limits.md: the most recent 100 per user and event type, an adjustable quota; here lowered to 1.
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_FILTER_INTERACTIONS_PER_EVENT_TYPE", "1")
    no_repeats = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')
    latest = PURCHASED[-1]
    assert answer(aws, shop, no_repeats) == passing(shop, lambda item: item != latest)


def test_genre_parameter_with_two_values(aws: Clients, shop: Shop) -> None:
    chosen = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)")
    got = answer(aws, shop, chosen, n=25, GENRE=quoted("Romance", "Horror"))
    assert got == passing(shop, lambda item: holds(item, "Romance") or holds(item, "Horror"), n=25)
    assert len(got) == 25 and any(holds(i, "Romance") for i in got) and any(holds(i, "Horror") for i in got)
    # Exact strings: no genre is called "horror".
    assert answer(aws, shop, chosen, GENRE=quoted("horror")) == []
    # Every matching item, when fewer than asked for pass.
    assert sorted(answer(aws, shop, chosen, n=100, GENRE=quoted("Romance"))) == sorted(i for i in COMEDY if holds(i, "Romance"))


def test_not_in_keeps_empty_values_but_not_items_without_a_record(aws: Clients, shop: Shop) -> None:
    not_horror = make_filter(aws, shop.group_arn, 'INCLUDE ItemID WHERE Items.GENRES NOT IN ("Horror")')
    got = answer(aws, shop, not_horror, n=100)
    assert HORROR[-1] in got  # a record without genres isn't a horror film
    assert COMEDY[-1] not in got  # no Items record: no Items condition holds for it
    assert sorted(got) == sorted(COMEDY[:-1] + (HORROR[-1],))


def test_include_needs_every_value_exclude_drops_the_part(aws: Clients, shop: Shop) -> None:
    runtime = aws.runtime
    chosen = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)", name="chosen")
    message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", filterArn=chosen)
    assert "filterValues.GENRE" in message
    combined = make_filter(
        aws, shop.group_arn,
        'EXCLUDE ItemID WHERE Items.GENRES IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        name="combined",
    )
    # Without $GENRE only the purchases go; with it, the genre too.
    assert answer(aws, shop, combined) == passing(shop, lambda item: item not in PURCHASED)
    assert answer(aws, shop, combined, GENRE=quoted("Comedy")) == passing(shop, lambda item: item not in PURCHASED and not holds(item, "Comedy"))


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"GENRE": quoted("Comedy"), "MOOD": quoted("dark")}, "filterValues.MOOD"),
        ({"GENRE": "Comedy"}, "filterValues.GENRE"),
        ({"GENRE": '"Comedy",'}, "filterValues.GENRE"),
        ({"GENRE": "3"}, "$GENRE stands for string values"),
        ({"GENRE": quoted("Comedy"), "PRICE": quoted("10")}, "$PRICE stands for number values"),
        ({"GENRE": quoted("Comedy"), "PRICE": "10, 20"}, "takes one number, not 2"),
    ],
)
def test_bad_filter_values(aws: Clients, shop: Shop, values: dict[str, str], expected: str) -> None:
    chosen = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE) | EXCLUDE ItemID WHERE Items.PRICE > $PRICE")
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0",
                    filterArn=chosen, filterValues=values)
    assert expected in message, message


@pytest.mark.parametrize(
    "expression, values, admitted",
    [
        ("INCLUDE ItemID WHERE Items.PRICE < 5", {}, lambda item: price(item) < 5),
        ("INCLUDE ItemID WHERE Items.PRICE <= $PRICE", {"PRICE": "5"}, lambda item: price(item) <= 5),
        ("EXCLUDE ItemID WHERE Items.PRICE >= $PRICE", {"PRICE": "2.5"}, lambda item: price(item) < 2.5),
        ("INCLUDE ItemID WHERE Items.PRICE = 7", {}, lambda item: price(item) == 7),
        ("INCLUDE ItemID WHERE Items.PRICE > 30 AND Items.PRICE < 33", {}, lambda item: 30 < price(item) < 33),
        ("INCLUDE ItemID WHERE Items.PRICE IN (1, 3)", {}, lambda item: price(item) in (1, 3)),
        ('INCLUDE ItemID WHERE Items.PRICE < 2 OR Items.GENRES IN ("Romance") AND Items.PRICE > 30',
         {}, lambda item: price(item) < 2 or holds(item, "Romance") and price(item) > 30),
        ('INCLUDE ItemID WHERE Items.STUDIO IN ("Indie") AND Items.GENRES NOT IN ("Horror")',
         {}, lambda item: price(item) >= 20 and not holds(item, "Horror")),
    ],
)
def test_comparisons_and_chains(aws: Clients, shop: Shop, expression: str, values: dict[str, str], admitted: Callable[[str], bool]) -> None:
    filter_arn = make_filter(aws, shop.group_arn, expression)
    has_record = {row["ITEM_ID"] for row in ITEM_ROWS}
    expected = passing(shop, lambda item: item in has_record and admitted(item) if expression.startswith("INCLUDE") else item not in has_record or admitted(item))
    assert answer(aws, shop, filter_arn, **values) == expected


def test_if_current_user(aws: Clients, shop: Shop) -> None:
    # user-0 is 12, user-1 30; user-2 has no age, user-9 no record.
    kids = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Items.GENRES IN ("Horror") IF CurrentUser.AGE < 18', name="kids")
    no_horror = passing(shop, lambda item: not holds(item, "Horror"))
    assert answer(aws, shop, kids, user="user-0") == no_horror
    for user in ("user-1", "user-2", "user-9"):
        assert answer(aws, shop, kids, user=user) == shop.everything[:20], user

    by_age = make_filter(aws, shop.group_arn, "EXCLUDE ItemID WHERE Items.GENRES IN ($GENRE) IF CurrentUser.AGE = $AGE", name="by-age")
    assert answer(aws, shop, by_age, user="user-1", GENRE=quoted("Horror"), AGE="30") == no_horror
    assert answer(aws, shop, by_age, user="user-1", GENRE=quoted("Horror"), AGE="31") == shop.everything[:20]
    # Without $AGE the EXCLUDE expression drops out.
    assert answer(aws, shop, by_age, user="user-1", GENRE=quoted("Horror")) == shop.everything[:20]

    members = make_filter(aws, shop.group_arn,
                          'INCLUDE ItemID WHERE Items.GENRES IN ("Romance") IF CurrentUser.MEMBERSHIP IN ("family") AND CurrentUser.AGE > 18',
                          name="members")
    assert answer(aws, shop, members, user="user-1") == passing(shop, lambda item: holds(item, "Romance"))
    assert answer(aws, shop, members, user="user-0") == shop.everything[:20]


def test_expressions_combined_with_a_pipe(aws: Clients, shop: Shop) -> None:
    expression = (
        'INCLUDE ItemID WHERE Items.GENRES IN ("Romance") | INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase") '
        "| EXCLUDE ItemID WHERE Items.PRICE > 30 | EXCLUDE ItemID WHERE Items.PRICE = 1"
    )
    combined = make_filter(aws, shop.group_arn, expression)
    expected = passing(shop, lambda item: (holds(item, "Romance") or item in PURCHASED) and not price(item) > 30 and price(item) != 1)
    assert answer(aws, shop, combined) == expected
    assert set(expected) == {"comedy-0", "comedy-4", "comedy-8", "comedy-12", "comedy-16", "comedy-20", "comedy-24", "comedy-28"}
    # Order does not matter.
    reordered = make_filter(aws, shop.group_arn, " | ".join(reversed(expression.split(" | "))), name="reordered")
    assert answer(aws, shop, reordered) == expected


def test_popular_items_take_a_user_only_for_filters_that_need_one(aws: Clients, shop: Shop) -> None:
    cheap = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.PRICE < 3", name="cheap")
    assert answer(aws, shop, cheap, user=None) == passing(shop, lambda item: price(item) < 3)
    no_repeats = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")', name="no-repeats")
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=shop.campaign, filterArn=no_repeats)
    assert "userId" in message


@contextmanager
def slow_filters() -> Iterator[None]:
    """Filter statuses move on every second describe (moto's manual progression)."""
    state_manager.set_transition("personalize::filter", {"progression": "manual", "times": 2})
    try:
        yield
    finally:
        state_manager.unset_transition("personalize::filter")


def test_runtime_filter_errors(aws: Clients, shop: Shop) -> None:
    runtime = aws.runtime
    ghost = arn("filter", "ghost")
    assert ghost in fails("ResourceNotFoundException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", filterArn=ghost)

    other = loaded_group(aws, "other")
    foreign = make_filter(aws, other.dataset_group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")', name="foreign")
    message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", filterArn=foreign)
    assert "filterArn" in message and other.dataset_group_arn in message

    segments = make_filter(aws, shop.group_arn, 'INCLUDE UserID WHERE Users.MEMBERSHIP IN ("gold")', name="segments")
    message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", filterArn=segments)
    assert "UserID" in message and "filterArn" in message

    # CurrentItem is the item related-items recommendations are asked for: popular items have none.
    similar = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN CurrentItem.GENRES AND Items.PRICE < CurrentItem.PRICE", name="similar")
    message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", itemId="comedy-3", filterArn=similar)
    assert "filterArn" in message and "CurrentItem" in message and "RELATED_ITEMS" in message

    with slow_filters():
        pending = aws.personalize.create_filter(name="pending", datasetGroupArn=shop.group_arn,
                                                filterExpression='EXCLUDE ItemID WHERE Items.GENRES IN ("Horror")')["filterArn"]
        message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=shop.campaign, userId="user-0", filterArn=pending)
        assert "CREATE PENDING" in message and "ACTIVE" in message


def test_personalized_ranking_with_a_filter(aws: Clients, shop: Shop) -> None:
    version = train(aws, shop.group_arn, name="ranking", recipe="arn:aws:personalize:::recipe/aws-personalized-ranking")
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(aws, version["solutionVersionArn"], name="ranking")
    no_repeats_or_horror = make_filter(
        aws, shop.group_arn,
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase") | EXCLUDE ItemID WHERE Items.GENRES IN ($GENRE)',
    )
    candidates = ["comedy-0", "horror-0", "comedy-1", "comedy-2", "horror-5", "comedy-7", "brand-new"]
    ranked = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId="user-0", inputList=candidates,
                                                  filterArn=no_repeats_or_horror, filterValues={"GENRE": quoted("Horror")})["personalizedRanking"]
    assert {r["itemId"] for r in ranked} == {"comedy-2", "comedy-7", "brand-new"}
    assert ranked[-1] == {"itemId": "brand-new"}  # no data, no score: last
    assert sum(r["score"] for r in ranked[:-1]) == pytest.approx(1.0, abs=1e-4)
    # Without values the genre part drops out: the horror films are ranked again.
    ranked = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId="user-0", inputList=candidates,
                                                  filterArn=no_repeats_or_horror)["personalizedRanking"]
    assert {r["itemId"] for r in ranked} == {"horror-0", "comedy-2", "horror-5", "comedy-7", "brand-new"}


def test_user_personalization_answers_hold_num_results(aws: Clients, shop: Shop) -> None:
    version = train(aws, shop.group_arn, name="personal", recipe=USER_PERSONALIZATION)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(aws, version["solutionVersionArn"], name="personal")
    horror_only = make_filter(aws, shop.group_arn, 'INCLUDE ItemID WHERE Items.GENRES IN ("Horror")')
    # user-0 likes comedies, yet the answer holds 30 horror films.
    items = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=30, filterArn=horror_only)["itemList"]
    assert len(items) == 30 and all(holds(i["itemId"], "Horror") for i in items)
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)


def test_related_items_filtered_by_the_current_item(aws: Clients, shop: Shop) -> None:
    """CurrentItem values come from the item the related items are asked for."""
    version = train(aws, shop.group_arn, name="sims", recipe="arn:aws:personalize:::recipe/aws-sims")
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(aws, version["solutionVersionArn"], name="sims")
    cheaper_alike = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN CurrentItem.GENRES AND Items.PRICE < CurrentItem.PRICE")
    for asked in ("comedy-12", "horror-20"):
        genre = genres(asked).split("|")[0]
        items = [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, itemId=asked, numResults=50, filterArn=cheaper_alike)["itemList"]]
        assert items, asked
        assert all(holds(item, genre) and price(item) < price(asked) for item in items), (asked, items)
        unfiltered = [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, itemId=asked, numResults=50)["itemList"]]
        assert any(not (holds(item, genre) and price(item) < price(asked)) for item in unfiltered)  # the filter did the work


# What filters select follows the data at once ----------------------------------------------------

def dataset_arn(c: Clients, group_arn: str, kind: str) -> str:
    datasets = c.personalize.list_datasets(datasetGroupArn=group_arn)["datasets"]
    return next(d["datasetArn"] for d in datasets if d["datasetType"] == kind)


def test_an_items_filter_follows_put_items_imports_and_its_values(aws: Clients, shop: Shop) -> None:
    """A filter that reads only the Items dataset selects the same for everybody, until the Items data changes."""
    chosen = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)")
    comedies = passing(shop, lambda item: holds(item, "Comedy"), n=100)
    assert answer(aws, shop, chosen, n=100, GENRE=quoted("Comedy")) == comedies
    # Other values, another selection; the same for everybody.
    horror = {item for item in RECORDED if holds(item, "Horror")}
    assert answer(aws, shop, chosen, n=100, GENRE=quoted("Horror")) == passing(shop, lambda item: item in horror, n=100)
    assert answer(aws, shop, chosen, n=100, user="user-1", GENRE=quoted("Horror")) == passing(shop, lambda item: item in horror, n=100)

    # PutItems: the most popular comedy is a horror film now.
    items_arn = dataset_arn(aws, shop.group_arn, "ITEMS")
    turned = comedies[0]
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": turned, "properties": json.dumps({"genres": "Horror"})}])
    horror.add(turned)
    assert answer(aws, shop, chosen, n=100, GENRE=quoted("Horror")) == passing(shop, lambda item: item in horror, n=100)

    # An INCREMENTAL import: the next comedy too.
    another = comedies[1]
    job = import_csv(aws, items_arn, to_csv([{**next(r for r in ITEM_ROWS if r["ITEM_ID"] == another), "GENRES": "Horror"}]),
                     key="more-items.csv", job="more-items", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    horror.add(another)
    assert answer(aws, shop, chosen, n=100, GENRE=quoted("Horror")) == passing(shop, lambda item: item in horror, n=100)


def test_the_same_filter_on_two_campaigns_judges_each_catalog(aws: Clients, shop: Shop) -> None:
    """A filter's selection kept for one campaign's items is not another campaign's: their catalogs differ."""
    no_horror = make_filter(aws, shop.group_arn, 'EXCLUDE ItemID WHERE Items.GENRES IN ("Horror")')
    new = [{"itemId": "horror-new", "properties": json.dumps({"genres": "Horror"})}, {"itemId": "comedy-new", "properties": json.dumps({"genres": "Comedy"})}]
    aws.events.put_items(datasetArn=dataset_arn(aws, shop.group_arn, "ITEMS"), items=new)
    # Trained after the two were put: they are in its catalog, not in the popularity campaign's.
    version = train(aws, shop.group_arn, name="personal", recipe=USER_PERSONALIZATION)
    personal = deploy(aws, version["solutionVersionArn"], name="personal")

    def filtered(campaign: str) -> set[str]:
        ranked = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=100, filterArn=no_horror)["itemList"]
        return {i["itemId"] for i in ranked}

    for _ in range(2):
        assert filtered(shop.campaign) == {item for item in shop.everything if not holds(item, "Horror")}
        got = filtered(personal)
        assert "comedy-new" in got and "horror-new" not in got and not any(holds(item, "Horror") for item in got)


def test_exclude_history_follows_imported_interactions_at_once(aws: Clients, shop: Shop) -> None:
    seen = make_filter(aws, shop.group_arn, "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)")
    history = {r["ITEM_ID"] for r in small_rows() + PURCHASES if r["USER_ID"] == "user-0"}
    assert answer(aws, shop, seen, n=80) == passing(shop, lambda item: item not in history, n=80)
    watched = passing(shop, lambda item: item not in history)[0]
    rows = [{"USER_ID": "user-0", "ITEM_ID": watched, "EVENT_TYPE": "Watch", "TIMESTAMP": START + 3_000_000}]
    job = import_csv(aws, dataset_arn(aws, shop.group_arn, "INTERACTIONS"), to_csv(padded(rows)), key="more.csv", job="more", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    history.add(watched)
    assert answer(aws, shop, seen, n=80) == passing(shop, lambda item: item not in history, n=80)
