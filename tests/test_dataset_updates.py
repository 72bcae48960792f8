"""UpdateDataset: an Items or Users dataset takes a compatible schema, and what follows from it."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import INTERACTIONS_SCHEMA, Clients, avro, transitions
from .datagen import interactions, to_csv
from .helpers import fails, loaded_group
from .workflow import USER_PERSONALIZATION, deploy, import_csv, train, wait

ITEM_FIELDS = [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "GENRE", "type": "string", "categorical": True},
]
WITH_PRICE = avro("Items", [*ITEM_FIELDS, {"name": "PRICE", "type": ["null", "float"]}])


def items_dataset(c: Clients, group_arn: str) -> str:
    p = c.personalize
    schema_arn = p.create_schema(name="items-v1", schema=avro("Items", ITEM_FIELDS))["schemaArn"]
    dataset_arn = p.create_dataset(name="items", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Items")["datasetArn"]
    rows = [{"ITEM_ID": f"{genre}-{i}", "GENRE": genre} for genre in ("comedy", "horror") for i in range(40)]
    assert import_csv(c, dataset_arn, to_csv(rows), key="items-v1.csv", job="items-v1")["status"] == "ACTIVE"
    return dataset_arn


def test_a_compatible_schema_replaces_the_old(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws, rows=interactions())
    dataset_arn = items_dataset(aws, group.dataset_group_arn)
    new_schema = p.create_schema(name="items-v2", schema=WITH_PRICE)["schemaArn"]
    assert p.update_dataset(datasetArn=dataset_arn, schemaArn=new_schema)["datasetArn"] == dataset_arn
    dataset = p.describe_dataset(datasetArn=dataset_arn)["dataset"]
    assert dataset["schemaArn"] == new_schema
    assert dataset["latestDatasetUpdate"]["schemaArn"] == new_schema and dataset["latestDatasetUpdate"]["status"] == "ACTIVE"
    # The schema is in use now: it can't be deleted.
    fails("ResourceInUseException", p.delete_schema, schemaArn=new_schema)
    # Files with the new column import; files without it (it supports null) still do.
    priced = [{"ITEM_ID": f"comedy-{i}", "GENRE": "comedy", "PRICE": 9.5} for i in range(5)]
    assert import_csv(aws, dataset_arn, to_csv(priced), key="items-v2.csv", job="items-v2", mode="INCREMENTAL")["status"] == "ACTIVE"
    # A solution trains on the replaced dataset.
    assert train(aws, group.dataset_group_arn, name="after", recipe=USER_PERSONALIZATION)["status"] == "ACTIVE"


def test_replacement_statuses(manual: Clients) -> None:
    p = manual.personalize
    with transitions({"progression": "immediate"}):
        group = loaded_group(manual, rows=interactions())
        dataset_arn = items_dataset(manual, group.dataset_group_arn)
        old_schema = p.describe_dataset(datasetArn=dataset_arn)["dataset"]["schemaArn"]
        new_schema = p.create_schema(name="items-v2", schema=WITH_PRICE)["schemaArn"]
    p.update_dataset(datasetArn=dataset_arn, schemaArn=new_schema)
    assert dataset_arn in fails("ResourceInUseException", p.update_dataset, datasetArn=dataset_arn, schemaArn=new_schema)
    seen = []
    for _ in range(4):
        dataset = p.describe_dataset(datasetArn=dataset_arn)["dataset"]
        seen.append((dataset["latestDatasetUpdate"]["status"], dataset["schemaArn"]))
    assert seen == [
        ("CREATE PENDING", old_schema),
        ("CREATE IN_PROGRESS", old_schema),
        ("CREATE IN_PROGRESS", old_schema),
        ("ACTIVE", new_schema),
    ]


@pytest.mark.parametrize(
    "fields, problem",
    [
        ([ITEM_FIELDS[0], {"name": "PRICE", "type": ["null", "float"]}], "drops the field GENRE"),
        ([ITEM_FIELDS[0], {"name": "GENRE", "type": "string", "textual": True}], "categorical, textual"),
        ([ITEM_FIELDS[0], {"name": "GENRE", "type": ["null", "string"], "categorical": True}], "nullable"),
        ([*ITEM_FIELDS, {"name": "PRICE", "type": "float"}], "PRICE must support null"),
    ],
)
def test_incompatible_schemas_are_refused(aws: Clients, fields: list[dict[str, Any]], problem: str) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    dataset_arn = items_dataset(aws, group.dataset_group_arn)
    before = p.describe_dataset(datasetArn=dataset_arn)["dataset"]["schemaArn"]
    schema_arn = p.create_schema(name="bad", schema=avro("Items", fields))["schemaArn"]
    message = fails("InvalidInputException", p.update_dataset, datasetArn=dataset_arn, schemaArn=schema_arn)
    assert problem in message
    dataset = p.describe_dataset(datasetArn=dataset_arn)["dataset"]
    assert dataset["schemaArn"] == before and "latestDatasetUpdate" not in dataset


def test_interactions_keep_their_schema(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    schema_arn = p.create_schema(name="again", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    message = fails("InvalidInputException", p.update_dataset, datasetArn=group.dataset_arn, schemaArn=schema_arn)
    assert "Items and Users" in message
    ghost = group.dataset_arn + "-ghost"
    assert ghost in fails("ResourceNotFoundException", p.update_dataset, datasetArn=ghost, schemaArn=schema_arn)


def test_solutions_older_than_a_replacement_train_without_its_new_fields(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws, rows=interactions())
    dataset_arn = items_dataset(aws, group.dataset_group_arn)

    def scores(version_arn: str, name: str) -> list[tuple[str, float]]:
        wait(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])
        campaign = deploy(aws, version_arn, name=name)
        answer = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=20)["itemList"]
        return [(i["itemId"], i["score"]) for i in answer]

    old = p.create_solution(name="old", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    before = scores(p.create_solution_version(solutionArn=old)["solutionVersionArn"], "before")

    tiers = avro("Items", [*ITEM_FIELDS, {"name": "TIER", "type": ["null", "string"], "categorical": True}])
    p.update_dataset(datasetArn=dataset_arn, schemaArn=p.create_schema(name="items-v2", schema=tiers)["schemaArn"])
    rows = [{"ITEM_ID": f"{genre}-{i}", "GENRE": genre, "TIER": f"tier-{i % 3}"} for genre in ("comedy", "horror") for i in range(40)]
    assert import_csv(aws, dataset_arn, to_csv(rows), key="items-v2.csv", job="items-v2")["status"] == "ACTIVE"

    again = scores(p.create_solution_version(solutionArn=old)["solutionVersionArn"], "again")
    assert again == before  # the old solution never sees TIER
    new = p.create_solution(name="new", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    assert scores(p.create_solution_version(solutionArn=new)["solutionVersionArn"], "new") != before  # a new one does
