"""Dataset groups and datasets: Create, Describe, List, Delete and the errors of each."""
from __future__ import annotations

import pytest

from .conftest import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, USERS_SCHEMA, VOD_ITEMS, Clients
from .helpers import arn, fails, items_and_users_schemas, new_group
from .workflow import POPULARITY, wait


def make_dataset(c: Clients, group_arn: str, schema_arn: str, dataset_type: str, name: str = "d") -> str:
    p = c.personalize
    dataset_arn = p.create_dataset(name=name, schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type)["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    return dataset_arn


# Dataset groups -----------------------------------------------------------------------------


def test_custom_group_create_describe(aws: Clients) -> None:
    p = aws.personalize
    created = p.create_dataset_group(name="custom")
    assert created["datasetGroupArn"] == arn("dataset-group", "custom")
    assert "domain" not in created
    group = wait(lambda: p.describe_dataset_group(datasetGroupArn=created["datasetGroupArn"])["datasetGroup"])
    assert group["status"] == "ACTIVE"
    assert group["name"] == "custom"
    assert group["datasetGroupArn"] == created["datasetGroupArn"]
    assert "domain" not in group and "failureReason" not in group
    assert group["creationDateTime"] <= group["lastUpdatedDateTime"]


KMS = {
    "roleArn": "arn:aws:iam::123456789012:role/KmsRole",
    "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}


def test_group_keeps_role_and_key(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "keyed", **KMS)
    group = p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]
    assert (group["roleArn"], group["kmsKeyArn"]) == (KMS["roleArn"], KMS["kmsKeyArn"])


@pytest.mark.parametrize("given, missing", [("kmsKeyArn", "roleArn"), ("roleArn", "kmsKeyArn")])
def test_group_key_and_role_go_together(aws: Clients, given: str, missing: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_dataset_group, name="g", **{given: KMS[given]})
    assert f"'{missing}'" in message
    assert aws.personalize.list_dataset_groups()["datasetGroups"] == []


@pytest.mark.parametrize("domain", ["ECOMMERCE", "VIDEO_ON_DEMAND"])
def test_domain_group(aws: Clients, domain: str) -> None:
    p = aws.personalize
    created = p.create_dataset_group(name="domain-group", domain=domain)
    assert created["domain"] == domain
    group = wait(lambda: p.describe_dataset_group(datasetGroupArn=created["datasetGroupArn"])["datasetGroup"])
    assert group["domain"] == domain
    assert [g["domain"] for g in p.list_dataset_groups()["datasetGroups"]] == [domain]


@pytest.mark.parametrize("domain", ["RETAIL", "ecommerce", ""])
def test_group_bad_domain(aws: Clients, domain: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_dataset_group, name="g", domain=domain)
    assert "'domain'" in message
    assert aws.personalize.list_dataset_groups()["datasetGroups"] == []


def test_group_bad_name(aws: Clients) -> None:
    assert "'name'" in fails("InvalidInputException", aws.personalize.create_dataset_group, name="no spaces please")


def test_group_duplicate_name(aws: Clients) -> None:
    group_arn = new_group(aws, "twice")
    assert group_arn in fails("ResourceAlreadyExistsException", aws.personalize.create_dataset_group, name="twice")


def test_group_list_pages(aws: Clients) -> None:
    p = aws.personalize
    arns = {new_group(aws, f"g{i}") for i in range(3)}
    first = p.list_dataset_groups(maxResults=2)
    assert len(first["datasetGroups"]) == 2 and first["nextToken"]
    second = p.list_dataset_groups(maxResults=2, nextToken=first["nextToken"])
    assert len(second["datasetGroups"]) == 1 and "nextToken" not in second
    summaries = first["datasetGroups"] + second["datasetGroups"]
    assert {g["datasetGroupArn"] for g in summaries} == arns
    assert all(g["status"] == "ACTIVE" for g in summaries)
    assert "nope" in fails("InvalidNextTokenException", p.list_dataset_groups, nextToken="nope")


def test_group_delete_refused_while_it_holds_a_dataset(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "busy")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset_arn = make_dataset(aws, group_arn, schema_arn, "Interactions")

    message = fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    assert group_arn in message and dataset_arn in message
    assert p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["status"] == "ACTIVE"

    p.delete_dataset(datasetArn=dataset_arn)
    # Still being deleted until a describe finds it gone, as the service's cleanup samples wait.
    assert dataset_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    fails("ResourceNotFoundException", p.describe_dataset, datasetArn=dataset_arn)
    p.delete_dataset_group(datasetGroupArn=group_arn)
    fails("ResourceNotFoundException", p.describe_dataset_group, datasetGroupArn=group_arn)
    assert p.list_dataset_groups()["datasetGroups"] == []


def test_group_delete_refused_while_it_holds_a_tracker_or_solution(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "busy")
    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    assert tracker_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    fails("ResourceNotFoundException", p.describe_event_tracker, eventTrackerArn=tracker_arn)

    solution_arn = p.create_solution(name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert solution_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    p.delete_solution(solutionArn=solution_arn)
    fails("ResourceNotFoundException", p.describe_solution, solutionArn=solution_arn)

    p.delete_dataset_group(datasetGroupArn=group_arn)
    fails("ResourceNotFoundException", p.describe_dataset_group, datasetGroupArn=group_arn)


# Datasets ----------------------------------------------------------------------------------------


def test_one_dataset_of_each_type(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "movies")
    interactions_schema = p.create_schema(name="i", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    items_schema, users_schema = items_and_users_schemas(aws, "movies")
    made = {
        "INTERACTIONS": (make_dataset(aws, group_arn, interactions_schema, "Interactions", "interactions"), interactions_schema),
        "ITEMS": (make_dataset(aws, group_arn, items_schema, "Items", "items"), items_schema),
        "USERS": (make_dataset(aws, group_arn, users_schema, "Users", "users"), users_schema),
    }
    for kind, (dataset_arn, schema_arn) in made.items():
        dataset = p.describe_dataset(datasetArn=dataset_arn)["dataset"]
        assert dataset["datasetArn"] == dataset_arn
        assert dataset["datasetType"].upper() == kind
        assert dataset["name"] == kind.lower()
        assert dataset["schemaArn"] == schema_arn
        assert dataset["datasetGroupArn"] == group_arn
        assert dataset["status"] == "ACTIVE"
        assert dataset["creationDateTime"] <= dataset["lastUpdatedDateTime"]
    listed = p.list_datasets(datasetGroupArn=group_arn)["datasets"]
    assert {d["datasetArn"]: d["datasetType"].upper() for d in listed} == {a: k for k, (a, _) in made.items()}


@pytest.mark.parametrize("spelling", ["Interactions", "INTERACTIONS", "interactions", "iNtErAcTiOnS"])
def test_dataset_type_is_case_insensitive(aws: Clients, spelling: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset_arn = make_dataset(aws, group_arn, schema_arn, spelling)
    assert p.describe_dataset(datasetArn=dataset_arn)["dataset"]["datasetType"].upper() == "INTERACTIONS"
    # Whatever the spelling, it is the same type: a second one is refused.
    message = fails(
        "ResourceAlreadyExistsException", p.create_dataset,
        name="again", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions",
    )
    assert group_arn in message


@pytest.mark.parametrize("dataset_type", ["Clicks", "Interaction", "EVENT_INTERACTIONS", ""])
def test_unknown_dataset_type(aws: Clients, dataset_type: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    message = fails("InvalidInputException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type)
    assert "'datasetType'" in message
    assert p.list_datasets()["datasets"] == []


def test_second_dataset_of_a_type(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    items_schema, _ = items_and_users_schemas(aws, "g")
    first = make_dataset(aws, group_arn, items_schema, "Items", "first")
    message = fails("ResourceAlreadyExistsException", p.create_dataset, name="second", schemaArn=items_schema, datasetGroupArn=group_arn, datasetType="ITEMS")
    assert group_arn in message and "ITEMS" in message.upper()
    assert [d["datasetArn"] for d in p.list_datasets(datasetGroupArn=group_arn)["datasets"]] == [first]


@pytest.mark.parametrize(
    "schema, dataset_type",
    [(ITEMS_SCHEMA, "Interactions"), (USERS_SCHEMA, "Items"), (INTERACTIONS_SCHEMA, "Users"), (ITEMS_SCHEMA, "Users")],
)
def test_schema_not_for_the_dataset_type(aws: Clients, schema: str, dataset_type: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=schema)["schemaArn"]
    message = fails("InvalidInputException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type)
    assert schema_arn in message and dataset_type.upper() in message.upper()


def test_domain_mismatch(aws: Clients) -> None:
    p = aws.personalize
    custom_group = new_group(aws, "custom")
    shop_group = new_group(aws, "shop", domain="ECOMMERCE")
    vod_group = new_group(aws, "vod", domain="VIDEO_ON_DEMAND")
    custom_schema = p.create_schema(name="custom", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    shop_schema = p.create_schema(name="shop", schema=INTERACTIONS_SCHEMA, domain="ECOMMERCE")["schemaArn"]

    for schema_arn, group_arn in ((custom_schema, shop_group), (shop_schema, custom_group), (shop_schema, vod_group)):
        message = fails("InvalidInputException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")
        assert schema_arn in message and group_arn in message
    assert p.list_datasets()["datasets"] == []

    # Matching domains are fine.
    make_dataset(aws, shop_group, shop_schema, "Interactions")
    vod_items = p.create_schema(name="vod-items", schema=VOD_ITEMS, domain="VIDEO_ON_DEMAND")["schemaArn"]
    make_dataset(aws, vod_group, vod_items, "Items")
    assert len(p.list_datasets()["datasets"]) == 2


def test_unknown_group_or_schema(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    ghost_group, ghost_schema = arn("dataset-group", "ghost"), arn("schema", "ghost")
    message = fails("ResourceNotFoundException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=ghost_group, datasetType="Interactions")
    assert message == f"Resource Arn {ghost_group} does not exist."
    message = fails("ResourceNotFoundException", p.create_dataset, name="d", schemaArn=ghost_schema, datasetGroupArn=group_arn, datasetType="Interactions")
    assert message == f"Resource Arn {ghost_schema} does not exist."


def test_dataset_bad_name(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    message = fails("InvalidInputException", p.create_dataset, name="_x", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")
    assert "'name'" in message


def test_list_filtered_by_group(aws: Clients) -> None:
    p = aws.personalize
    interactions = p.create_schema(name="i", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    items, _ = items_and_users_schemas(aws, "x")
    one, two = new_group(aws, "one"), new_group(aws, "two")
    in_one = {make_dataset(aws, one, interactions, "Interactions"), make_dataset(aws, one, items, "Items")}
    in_two = {make_dataset(aws, two, interactions, "Interactions")}

    assert {d["datasetArn"] for d in p.list_datasets(datasetGroupArn=one)["datasets"]} == in_one
    assert {d["datasetArn"] for d in p.list_datasets(datasetGroupArn=two)["datasets"]} == in_two
    assert {d["datasetArn"] for d in p.list_datasets()["datasets"]} == in_one | in_two
    page = p.list_datasets(maxResults=2)
    rest = p.list_datasets(maxResults=2, nextToken=page["nextToken"])
    assert {d["datasetArn"] for d in page["datasets"] + rest["datasets"]} == in_one | in_two
    assert "garbage" in fails("InvalidNextTokenException", p.list_datasets, nextToken="garbage")


def test_delete_dataset(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset_arn = make_dataset(aws, group_arn, schema_arn, "Interactions")
    p.delete_dataset(datasetArn=dataset_arn)
    assert fails("ResourceNotFoundException", p.describe_dataset, datasetArn=dataset_arn) == f"Resource Arn {dataset_arn} does not exist."
    assert p.list_datasets(datasetGroupArn=group_arn)["datasets"] == []
    # The type is free again.
    assert make_dataset(aws, group_arn, schema_arn, "Interactions") == dataset_arn
