"""Small helpers the per-family test files share: expected errors and ready-made data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from .conftest import INTERACTIONS_SCHEMA, ITEMS_SCHEMA, USERS_SCHEMA, VOD_ITEMS, Clients, error_code, error_message
from .datagen import START, interactions, to_csv
from .workflow import POPULARITY, Group, create_group, deploy, import_csv, recommended, train, wait

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


class Clock:
    """The emulator's clock, moved by hand as freezegun would move it: monkeypatch a module's ``now`` with it."""

    def __init__(self) -> None:
        self.moment = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def forward(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


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
