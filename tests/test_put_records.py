"""PutItems and PutUsers: records into the Items and Users datasets, one by one, checked as imports are."""
from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Clients
from .datagen import interactions, to_csv
from .helpers import arn, fails, loaded_group, metadata_datasets
from .workflow import PERSONALIZED_RANKING, Group, deploy, import_csv, train


def trained_with_items(c: Clients) -> tuple[Group, str, str]:
    """A loaded group with 40 comedy and 40 horror items imported into its Items dataset, and a version trained on it:
    (the group, the Items dataset's ARN, the version's ARN)."""
    group = loaded_group(c, rows=interactions())
    items_arn, _ = metadata_datasets(c, group.dataset_group_arn)
    rows = [{"ITEM_ID": f"{g}-{i}", "GENRES": g} for g in ("comedy", "horror") for i in range(40)]
    assert import_csv(c, items_arn, to_csv(rows), key="items.csv", job="items")["status"] == "ACTIVE"
    return group, items_arn, train(c, group.dataset_group_arn, name="personal")["solutionVersionArn"]


def test_a_put_item_joins_the_catalog_of_the_next_version(aws: Clients) -> None:
    group = loaded_group(aws, rows=interactions())
    items_arn, users_arn = metadata_datasets(aws, group.dataset_group_arn)
    rows = [{"ITEM_ID": f"{g}-{i}", "GENRES": g} for g in ("comedy", "horror") for i in range(40)]
    assert import_csv(aws, items_arn, to_csv(rows), key="items.csv", job="items")["status"] == "ACTIVE"

    def scored(name: str) -> set[str]:
        version = train(aws, group.dataset_group_arn, name=name, recipe=PERSONALIZED_RANKING)
        campaign = deploy(aws, version["solutionVersionArn"], name=name)
        ranked = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId="user-0", inputList=["fresh-1", "comedy-1"])
        return {r["itemId"] for r in ranked["personalizedRanking"] if "score" in r}

    assert scored("before") == {"comedy-1"}
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "fresh-1", "properties": json.dumps({"genres": "comedy"})}])
    aws.events.put_users(datasetArn=users_arn, users=[{"userId": "user-0", "properties": json.dumps({"age": 30})}])
    assert scored("after") == {"fresh-1", "comedy-1"}


@pytest.mark.parametrize(
    "operation, member, entry, needle",
    [
        ("put_items", "items", {"itemId": "x", "properties": "{not json"}, "items.1.member.properties"),
        ("put_items", "items", {"itemId": "x", "properties": json.dumps({"genres": "a" * 1001})}, "items.1.member.genres"),
        ("put_users", "users", {"userId": "x", "properties": json.dumps({"age": "old"})}, "users.1.member.age"),
        # JSON reads Infinity as a number that no whole-number field can hold.
        ("put_users", "users", {"userId": "x", "properties": json.dumps({"age": float("inf")})}, "users.1.member.age"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_kept(aws: Clients, operation: str, member: str, entry: dict[str, Any], needle: str) -> None:
    group = loaded_group(aws)
    items_arn, users_arn = metadata_datasets(aws, group.dataset_group_arn)
    dataset_arn = items_arn if operation == "put_items" else users_arn
    good = {"itemId": "ok", "properties": json.dumps({"genres": "comedy"})} if operation == "put_items" else {"userId": "ok", "properties": json.dumps({"age": 3})}
    message = fails("InvalidInputException", getattr(aws.events, operation), datasetArn=dataset_arn, **{member: [good, entry]})
    assert needle.replace(".1.", ".2.") in message


def test_the_dataset_must_be_of_the_right_type_and_exist(aws: Clients) -> None:
    group = loaded_group(aws)
    items_arn, users_arn = metadata_datasets(aws, group.dataset_group_arn)
    item = {"itemId": "x", "properties": json.dumps({"genres": "comedy"})}
    assert "PutItems" in fails("InvalidInputException", aws.events.put_items, datasetArn=users_arn, items=[item])
    assert "PutUsers" in fails("InvalidInputException", aws.events.put_users, datasetArn=group.dataset_arn, users=[{"userId": "u"}])
    ghost = arn("dataset", "ghost/ITEMS")
    assert ghost in fails("ResourceNotFoundException", aws.events.put_items, datasetArn=ghost, items=[item])


def test_a_put_item_is_explored_and_filtered_at_once(aws: Clients) -> None:
    """A new item is recommendable through exploration, and filterable, in the very next call."""
    p = aws.personalize
    group, items_arn, version = trained_with_items(aws)
    exploring = deploy(aws, version, name="exploring", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}})
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "brand-new", "properties": json.dumps({"genres": "musical"})}])
    assert "brand-new" in [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=exploring, userId="user-0")["itemList"]]

    no_musicals = p.create_filter(name="no-musicals", datasetGroupArn=group.dataset_group_arn,
                                  filterExpression='EXCLUDE ItemID WHERE Items.GENRES IN ("musical")')["filterArn"]
    answer = aws.runtime.get_recommendations(campaignArn=exploring, userId="user-0", filterArn=no_musicals)["itemList"]
    assert "brand-new" not in [i["itemId"] for i in answer] and len(answer) == 25
    # A record put again replaces the old one: now a comedy, the filter lets it through.
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "brand-new", "properties": json.dumps({"genres": "comedy"})}])
    answer = aws.runtime.get_recommendations(campaignArn=exploring, userId="user-0", filterArn=no_musicals)["itemList"]
    assert "brand-new" in [i["itemId"] for i in answer]


def test_metadata_columns_come_back_with_each_item(aws: Clients) -> None:
    """metadataColumns: the Items columns asked for, with the imported values and PutItems values at once."""
    _, items_arn, version = trained_with_items(aws)
    plain = deploy(aws, version, name="plain")
    enabled = deploy(aws, version, name="enabled", campaignConfig={"enableMetadataWithRecommendations": True})

    answer = aws.runtime.get_recommendations(campaignArn=enabled, userId="user-0", metadataColumns={"ITEMS": ["GENRES"]})["itemList"]
    assert answer and all(i["metadata"] == {"GENRES": i["itemId"].split("-")[0]} for i in answer)
    top = answer[0]["itemId"]
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": top, "properties": json.dumps({"genres": "comedy|classic"})}])
    answer = aws.runtime.get_recommendations(campaignArn=enabled, userId="user-0", metadataColumns={"ITEMS": ["GENRES"]})["itemList"]
    assert {i["itemId"]: i["metadata"]["GENRES"] for i in answer}[top] == "comedy|classic"
    assert "metadata" not in aws.runtime.get_recommendations(campaignArn=enabled, userId="user-0")["itemList"][0]

    assert "enableMetadataWithRecommendations" in fails("InvalidInputException", aws.runtime.get_recommendations,
                                                          campaignArn=plain, userId="user-0", metadataColumns={"ITEMS": ["GENRES"]})
    assert "PRICE" in fails("InvalidInputException", aws.runtime.get_recommendations,
                            campaignArn=enabled, userId="user-0", metadataColumns={"ITEMS": ["PRICE"]})


def test_items_put_after_answers_are_explored_in_the_next_one(aws: Clients) -> None:
    """What a campaign knows of the items put since training is kept between calls only while no item is put."""
    _, items_arn, version = trained_with_items(aws)
    exploring = deploy(aws, version, name="exploring", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}})

    def answered() -> list[str]:
        return [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=exploring, userId="user-0")["itemList"]]

    assert not {"new-1", "new-2"} & set(answered())
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "new-1", "properties": json.dumps({"genres": "musical"})}])
    assert "new-1" in answered() and "new-2" not in answered()
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "new-2", "properties": json.dumps({"genres": "musical"})}])
    assert {"new-1", "new-2"} <= set(answered())
