"""Small helpers the per-family test files share: expected errors, ready-made data and resources, statuses as describes show them."""
from __future__ import annotations

import json
import socket
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from .conftest import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, USERS_SCHEMA, VOD_ITEMS, Clients, error_code, error_message
from .datagen import START, interactions, to_csv
from .workflow import POPULARITY, USER_PERSONALIZATION, Group, create_group, deploy, import_csv, recommended, train, wait

ACCOUNT = "123456789012"
REGION = "us-east-1"
METRICS = {
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
}

# Enough for the minimum data rules (1000 interactions, 25 users with 2+), and no more.
SMALL_USERS = 70


def arn(kind: str, name: str) -> str:
    return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{kind}/{name}"


def fails(code: str, call: Callable[..., Any], **params: Any) -> str:
    """Call, expect the service error ``code``; the error's message."""
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    assert error_code(excinfo) == code, f"{error_code(excinfo)}: {error_message(excinfo)}"
    message = error_message(excinfo)
    assert message, "an error without a message"
    return message


def small_rows(**kwargs: Any) -> list[dict[str, object]]:
    return interactions(users=kwargs.pop("users", SMALL_USERS), **kwargs)


def rows_for(item: str, users: range, event_type: str = "watch", at: int = START + 10_000_000) -> list[dict[str, object]]:
    """One interaction with ``item`` for each of ``users``."""
    return [{"USER_ID": f"user-{u}", "ITEM_ID": item, "EVENT_TYPE": event_type, "TIMESTAMP": at + u} for u in users]


def padded(rows: list[dict[str, object]], total: int = 1000) -> list[dict[str, object]]:
    """``rows`` topped up to the per-import minimum with one-off interactions of one-off users and items."""
    filler = [
        {"USER_ID": f"filler-{k}", "ITEM_ID": f"filler-{k}", "EVENT_TYPE": "watch", "TIMESTAMP": START + k}
        for k in range(max(0, total - len(rows)))
    ]
    return rows + filler


def loaded_group(c: Clients, name: str = "demo", rows: list[dict[str, object]] | None = None, schema: str = INTERACTIONS_SCHEMA) -> Group:
    """A custom dataset group whose Interactions dataset (of ``schema``) holds ``rows`` (the small generated set by default)."""
    group = create_group(c, name, schema)
    job = import_csv(c, group.dataset_arn, to_csv(rows or small_rows()), key=f"{name}.csv", job=f"{name}-import")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return group


def active_version(c: Clients, group_arn: str, name: str = "solution", recipe: str = POPULARITY, **options: Any) -> str:
    version = train(c, group_arn, name=name, recipe=recipe, **options)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    return version["solutionVersionArn"]


def popularity_campaign(c: Clients, group_arn: str, name: str = "popular") -> str:
    return deploy(c, active_version(c, group_arn, name=name), name=name)


def top_items(c: Clients, group_arn: str, name: str, **options: Any) -> list[str]:
    """Train a popularity-count solution on the group now and return its top 10 for anyone."""
    version = active_version(c, group_arn, name=name, **options)
    return recommended(c, deploy(c, version, name=name), "user-0")


def items_and_users_schemas(c: Clients, prefix: str) -> tuple[str, str]:
    p = c.personalize
    return (
        p.create_schema(name=f"{prefix}-items", schema=ITEMS_SCHEMA)["schemaArn"],
        p.create_schema(name=f"{prefix}-users", schema=USERS_SCHEMA)["schemaArn"],
    )


def new_group(c: Clients, name: str, **options: Any) -> str:
    p = c.personalize
    group_arn = p.create_dataset_group(name=name, **options)["datasetGroupArn"]
    wait(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"])
    return group_arn


def use_case(name: str) -> str:
    """The recipe ARN of a domain use case."""
    return f"arn:aws:personalize:::recipe/{name}"


def domain_group(
    c: Clients,
    domain: str,
    rows: list[dict[str, object]],
    items: list[dict[str, object]] | None = None,
    name: str | None = None,
    interactions_schema: str = INTERACTIONS_SCHEMA,
) -> str:
    """A ``domain`` dataset group whose Interactions dataset holds ``rows`` and, given ``items``, whose Items dataset holds them."""
    p = c.personalize
    name = name or domain.lower().replace("_", "-")
    group_arn = new_group(c, name, domain=domain)
    datasets = [("Interactions", interactions_schema, rows)] + ([("Items", VOD_ITEMS, items)] if items else [])
    for dataset_type, schema, records in datasets:
        schema_arn = p.create_schema(name=f"{name}-{dataset_type}", schema=schema, domain=domain)["schemaArn"]
        dataset_arn = p.create_dataset(
            name=f"{name}-{dataset_type}", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type
        )["datasetArn"]
        wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
        job = import_csv(c, dataset_arn, to_csv(records), key=f"{name}-{dataset_type}.csv", job=f"{name}-{dataset_type}")
        assert job["status"] == "ACTIVE", job.get("failureReason")
    return group_arn


def recommender(c: Clients, group_arn: str, name: str, **options: Any) -> dict[str, Any]:
    """Create a recommender for the use case ``name``; the recommender as it ends."""
    p = c.personalize
    arn = p.create_recommender(name=name, datasetGroupArn=group_arn, recipeArn=use_case(name), **options)["recommenderArn"]
    return wait(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])


def share_of_taste(items: list[str], taste: str) -> float:
    """The share of ``items`` of the taste (their names start with it)."""
    return sum(item.startswith(taste) for item in items) / len(items)


def personal_campaign(c: Clients, group_arn: str, name: str) -> str:
    """A campaign of a User-Personalization version trained now, exploring nothing: the model's own ranking."""
    version = active_version(c, group_arn, name=name, recipe=USER_PERSONALIZATION)
    return deploy(c, version, name=name, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0"}})


def make_filter(c: Clients, group_arn: str, expression: str, name: str = "filter", **options: Any) -> str:
    """An ACTIVE filter of the group; its ARN."""
    p = c.personalize
    filter_arn = p.create_filter(name=name, datasetGroupArn=group_arn, filterExpression=expression, **options)["filterArn"]
    assert wait(lambda: p.describe_filter(filterArn=filter_arn)["filter"])["status"] == "ACTIVE"
    return filter_arn


def quoted(*values: str) -> str:
    """filterValues as the service reads them: each string in double quotes, separated by commas."""
    return ",".join(json.dumps(v) for v in values)


def metadata_datasets(c: Clients, group_arn: str) -> tuple[str, str]:
    """Empty Items and Users datasets (ITEMS_SCHEMA, USERS_SCHEMA) of the group; their ARNs."""
    p = c.personalize
    datasets = []
    for kind, schema in (("Items", ITEMS_SCHEMA), ("Users", USERS_SCHEMA)):
        schema_arn = p.create_schema(name=f"{kind.lower()}-schema", schema=schema)["schemaArn"]
        datasets.append(p.create_dataset(name=kind.lower(), schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=kind)["datasetArn"])
    return datasets[0], datasets[1]


# What describes in a row show under moto's manual progression with times 2 (conftest.MANUAL).
CREATED = ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "ACTIVE", "ACTIVE"]
GONE = "(not found)"
DELETED = ["DELETE PENDING", "DELETE IN_PROGRESS", "DELETE IN_PROGRESS", GONE, GONE]


def statuses(describe: Callable[[], dict[str, Any]], count: int) -> list[str]:
    """What ``count`` describes in a row show: the status, or GONE once the resource is no longer there."""
    seen = []
    for _ in range(count):
        try:
            seen.append(describe()["status"])
        except Exception as error:
            assert getattr(error, "response", {}).get("Error", {}).get("Code") == "ResourceNotFoundException", error
            seen.append(GONE)
    return seen


def create_dataset(c: Clients, group_arn: str, name: str, schema: str, dataset_type: str) -> str:
    """An empty ACTIVE dataset of ``dataset_type`` in the group, of a new schema; its ARN."""
    p = c.personalize
    schema_arn = p.create_schema(name=f"{name}-schema", schema=schema)["schemaArn"]
    dataset_arn = p.create_dataset(name=name, schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type)["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    return dataset_arn


def sent_raw(host: str, port: int, data: bytes) -> bytes:
    """Send the bytes on a connection of their own, say nothing more, and read until the server closes."""
    with socket.create_connection((host, port), timeout=60) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received
