"""CreateSchema, DescribeSchema, ListSchemas and DeleteSchema, as a boto3 user meets them."""
from __future__ import annotations

import json

import pytest
from botocore.config import Config

from .conftest import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, USERS_SCHEMA, VOD_ITEMS, Clients, avro, make_clients
from .helpers import arn, fails, new_group
from .workflow import wait

# The custom Interactions schema already declares the EVENT_TYPE that domains require.
ECOMMERCE_INTERACTIONS = INTERACTIONS_SCHEMA
ECOMMERCE_ITEMS = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "PRICE", "type": "float"},
        {"name": "CATEGORY_L1", "type": "string", "categorical": True},
    ],
)


def test_create_describe_list_delete(aws: Clients) -> None:
    p = aws.personalize
    created = p.create_schema(name="interactions", schema=INTERACTIONS_SCHEMA)
    assert created["schemaArn"] == arn("schema", "interactions")

    schema = p.describe_schema(schemaArn=created["schemaArn"])["schema"]
    assert schema["name"] == "interactions"
    assert schema["schemaArn"] == created["schemaArn"]
    assert json.loads(schema["schema"]) == json.loads(INTERACTIONS_SCHEMA)
    assert schema["creationDateTime"] <= schema["lastUpdatedDateTime"]
    assert "domain" not in schema

    listed = p.list_schemas()["schemas"]
    assert [(s["name"], s["schemaArn"]) for s in listed] == [("interactions", created["schemaArn"])]
    assert "nextToken" not in p.list_schemas()

    p.delete_schema(schemaArn=created["schemaArn"])
    fails("ResourceNotFoundException", p.describe_schema, schemaArn=created["schemaArn"])
    assert p.list_schemas()["schemas"] == []


@pytest.mark.parametrize("text", [INTERACTIONS_SCHEMA, ITEMS_SCHEMA, USERS_SCHEMA], ids=["interactions", "items", "users"])
def test_each_dataset_type_schema_is_accepted(aws: Clients, text: str) -> None:
    schema_arn = aws.personalize.create_schema(name="s", schema=text)["schemaArn"]
    assert json.loads(aws.personalize.describe_schema(schemaArn=schema_arn)["schema"]["schema"]) == json.loads(text)


def test_bad_json(aws: Clients) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema='{"type": "record", "name": ')
    assert "'schema'" in message and "JSON" in message
    assert aws.personalize.list_schemas()["schemas"] == []


@pytest.mark.parametrize(
    "document",
    [
        ["USER_ID", "ITEM_ID"],
        {"type": "enum", "name": "Interactions", "symbols": ["A"]},
        {"name": "Interactions", "fields": [{"name": "USER_ID", "type": "string"}]},
    ],
    ids=["array", "enum", "no-type"],
)
def test_not_a_record(aws: Clients, document: object) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=json.dumps(document))
    assert "'schema'" in message and "record" in message


@pytest.mark.parametrize(
    "field_type",
    [
        "bytes",
        {"type": "array", "items": "string"},
        {"type": "map", "values": "string"},
        ["string", "int"],
        "decimal",
    ],
    ids=["bytes", "array", "map", "two-types", "unknown"],
)
def test_disallowed_types(aws: Clients, field_type: object) -> None:
    text = avro(
        "Interactions",
        [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
            {"name": "MOOD", "type": field_type},
        ],
    )
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=text)
    assert "MOOD" in message


@pytest.mark.parametrize(
    "record, fields, missing",
    [
        ("Interactions", [("USER_ID", "string"), ("ITEM_ID", "string")], "TIMESTAMP"),
        ("Interactions", [("USER_ID", "string"), ("TIMESTAMP", "long")], "ITEM_ID"),
        ("Interactions", [("ITEM_ID", "string"), ("TIMESTAMP", "long")], "USER_ID"),
        ("Items", [("GENRES", "float")], "ITEM_ID"),
        ("Users", [("AGE", "int")], "USER_ID"),
    ],
)
def test_missing_required_field_for_the_dataset_type(aws: Clients, record: str, fields: list[tuple[str, str]], missing: str) -> None:
    text = avro(record, [{"name": n, "type": t} for n, t in fields])
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=text)
    assert missing in message and record in message


def test_required_field_of_the_wrong_type(aws: Clients) -> None:
    text = avro(
        "Interactions",
        [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "string"}],
    )
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=text)
    assert "TIMESTAMP" in message and "long" in message


@pytest.mark.parametrize(
    "domain, text",
    [("ECOMMERCE", ECOMMERCE_INTERACTIONS), ("ECOMMERCE", ECOMMERCE_ITEMS), ("VIDEO_ON_DEMAND", ECOMMERCE_INTERACTIONS), ("VIDEO_ON_DEMAND", VOD_ITEMS)],
)
def test_domain_schema(aws: Clients, domain: str, text: str) -> None:
    p = aws.personalize
    schema_arn = p.create_schema(name="domain-schema", schema=text, domain=domain)["schemaArn"]
    assert p.describe_schema(schemaArn=schema_arn)["schema"]["domain"] == domain
    assert p.list_schemas()["schemas"][0]["domain"] == domain


@pytest.mark.parametrize(
    "domain, text, missing",
    [
        ("ECOMMERCE", INTERACTIONS_SCHEMA.replace('{"name": "EVENT_TYPE", "type": "string"}, ', ""), "EVENT_TYPE"),
        ("ECOMMERCE", VOD_ITEMS, "PRICE"),
        ("VIDEO_ON_DEMAND", ECOMMERCE_ITEMS, "CREATION_TIMESTAMP"),
    ],
)
def test_domain_schema_missing_the_domain_field(aws: Clients, domain: str, text: str, missing: str) -> None:
    assert missing not in json.dumps([f["name"] for f in json.loads(text)["fields"]])
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=text, domain=domain)
    assert missing in message and domain in message


def test_custom_interactions_schema_needs_no_event_type(aws: Clients) -> None:
    text = INTERACTIONS_SCHEMA.replace('{"name": "EVENT_TYPE", "type": "string"}, ', "")
    assert "EVENT_TYPE" not in text
    assert aws.personalize.create_schema(name="s", schema=text)["schemaArn"]


def test_bad_domain(aws: Clients) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=INTERACTIONS_SCHEMA, domain="RETAIL")
    assert "'domain'" in message and "RETAIL" in message


def test_duplicate_name(aws: Clients) -> None:
    p = aws.personalize
    first = p.create_schema(name="dup", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    message = fails("ResourceAlreadyExistsException", p.create_schema, name="dup", schema=ITEMS_SCHEMA)
    assert first in message
    # The first one is unchanged.
    assert json.loads(p.describe_schema(schemaArn=first)["schema"]["schema"]) == json.loads(INTERACTIONS_SCHEMA)


@pytest.mark.parametrize("name", ["-starts-with-dash", "has space", "dot.ted", "ü-umlaut", "x" * 64])
def test_name_off_the_model(aws: Clients, name: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name=name, schema=INTERACTIONS_SCHEMA)
    assert "'name'" in message
    assert aws.personalize.list_schemas()["schemas"] == []


def test_longest_name_and_odd_characters_allowed(aws: Clients) -> None:
    for name in ("x" * 63, "9-a_B"):
        assert aws.personalize.create_schema(name=name, schema=INTERACTIONS_SCHEMA)["schemaArn"] == arn("schema", name)


def test_schema_longer_than_the_model_allows(aws: Clients) -> None:
    fields = [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}]
    text = avro("Interactions", fields)
    text = text[:-1] + ", \"doc\": \"" + "x" * 20_000 + "\"}"
    # The model's limit (20000) is above the guide's (10000); the service enforces the model's.
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=text)
    assert "'schema'" in message and "20000" in message


def test_list_pages(aws: Clients) -> None:
    p = aws.personalize
    names = {f"schema-{i}" for i in range(5)}
    for name in sorted(names):
        p.create_schema(name=name, schema=INTERACTIONS_SCHEMA)

    seen: list[str] = []
    sizes = []
    token = None
    while True:
        page = p.list_schemas(maxResults=2, **({"nextToken": token} if token else {}))
        sizes.append(len(page["schemas"]))
        seen += [s["name"] for s in page["schemas"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert sizes == [2, 2, 1]
    assert sorted(seen) == sorted(names)

    # The paginator a boto3 user would reach for walks the same pages.
    paged = [s["name"] for page in p.get_paginator("list_schemas").paginate(PaginationConfig={"PageSize": 3}) for s in page["schemas"]]
    assert sorted(paged) == sorted(names)


@pytest.mark.parametrize("token", ["not-a-token", "bm90IGEgbnVtYmVy", "OTk5"])
def test_bad_next_token(aws: Clients, token: str) -> None:
    aws.personalize.create_schema(name="s", schema=INTERACTIONS_SCHEMA)
    message = fails("InvalidNextTokenException", aws.personalize.list_schemas, nextToken=token)
    assert token in message


def test_delete_in_use_then_after_the_dataset_is_gone(aws: Clients) -> None:
    p = aws.personalize
    schema_arn = p.create_schema(name="used", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = new_group(aws, "group")
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])

    message = fails("ResourceInUseException", p.delete_schema, schemaArn=schema_arn)
    assert schema_arn in message and dataset_arn in message
    assert p.describe_schema(schemaArn=schema_arn)["schema"]["name"] == "used"

    p.delete_dataset(datasetArn=dataset_arn)
    fails("ResourceNotFoundException", p.describe_dataset, datasetArn=dataset_arn)
    p.delete_schema(schemaArn=schema_arn)
    fails("ResourceNotFoundException", p.describe_schema, schemaArn=schema_arn)


def test_the_service_checks_what_the_sdk_would_have(aws: Clients) -> None:
    """With the SDK's own checks off, the service still refuses missing and too-short members, naming them."""
    raw = make_clients(config=Config(parameter_validation=False))
    try:
        message = fails("InvalidInputException", raw.personalize.create_schema, schema=INTERACTIONS_SCHEMA)
        assert "'name'" in message and "null" in message
        assert "'name'" in fails("InvalidInputException", raw.personalize.create_schema, name="", schema=INTERACTIONS_SCHEMA)
        message = fails("InvalidInputException", raw.personalize.create_schema, name=7, schema=INTERACTIONS_SCHEMA)
        assert "'name'" in message
        assert aws.personalize.list_schemas()["schemas"] == []
    finally:
        assert raw.shape_errors == [], "\n".join(raw.shape_errors)
