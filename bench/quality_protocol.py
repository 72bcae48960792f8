"""The service's evaluation protocol for bench/quality.py and its section files.

working-with-training-metrics.md: 90% of the users train with all their
interactions; each of the other 10% gives the model the oldest 90% of their
interactions and the newest 10% are held out. A :class:`Split` is one draw of
that split (the emulator's own function, seeded), and :func:`measure` scores
each test user's recommendations against their held-out items with the metric
definitions written out here, independently of the emulator's:

* precision@K: hits in the top K over K;
* reciprocal rank: 1 / rank of the first hit in the top 25, 0 without one;
* NDCG@K: sum of 1/log(1 + rank) over the hits in the top K, over the same sum
  for as many hits at ranks 1, 2, ... (normalized by the hits, as the guide does);
* coverage: distinct items recommended to the test users over the catalog.

:class:`Service` is the user's path through boto3 on a fresh mock: import a
frame, train a recipe, deploy it, ask it, record events. An :data:`Ask` is how
a test user asks a campaign (for themselves, about their last item, ...), and
:func:`through_api` measures a recipe's campaigns asked that way.
"""
from __future__ import annotations

import math
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import boto3
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from personalize_local import mock_personalize  # noqa: E402
from personalize_local.eval import split_for_evaluation  # noqa: E402

SCHEMA = '{"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}'
# An Items dataset of categorical genres ('|' between the values of an item), for the recipes that read metadata.
ITEMS_SCHEMA = '{"type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema", "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRES", "type": "string", "categorical": true}], "version": "1.0"}'
ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeRole"
TOP = 25
# Split.by_users: the share of users held out for testing, and of each test user's interactions held out.
TEST_SHARE = 0.1
NDCG_KS = (5, 10, 25)
PRECISION_KS = (5, 10, 25)
METRICS = (
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "mean_reciprocal_rank_at_25",
    "coverage",
)
FINAL = {"ACTIVE", "CREATE FAILED"}
# PutEvents takes at most ten events per call.
EVENTS_PER_CALL = 10


@dataclass(frozen=True)
class Split:
    """One draw of the protocol: what the service is given, and what it should find."""

    seed: int
    data: pd.DataFrame  # every training user's interactions, and each test user's oldest 90%
    inputs: dict[str, list[str]]  # test user -> their oldest 90%, oldest first
    holdout: dict[str, list[str]]  # test user -> their newest 10%

    @classmethod
    def draw(cls, interactions: pd.DataFrame, seed: int) -> "Split":
        train, inputs, holdout = split_for_evaluation(interactions, seed)
        given = _oldest(interactions, {user: len(items) for user, items in inputs.items()})
        return cls(seed, pd.concat([train, given], ignore_index=True), inputs, holdout)

    @classmethod
    def by_users(cls, interactions: pd.DataFrame, seed: int) -> "Split":
        """The draw the quality issues state, written out independently of the emulator's: sort the users, shuffle
        them with ``numpy.random.default_rng(seed)`` and hold out the first 10% as test users; each test user's
        interactions, stably sorted by TIMESTAMP, lose their last ``max(1, round(0.1 n))`` to the holdout.
        Everything else is training data (the test users' earlier interactions included)."""
        users = np.array(sorted(interactions["USER_ID"].unique()))
        np.random.default_rng(seed).shuffle(users)
        test = set(users[: round(TEST_SHARE * len(users))])
        ordered = interactions.sort_values("TIMESTAMP", kind="stable")
        position = ordered.groupby("USER_ID").cumcount(ascending=False)  # 0: the user's newest
        counts = ordered["USER_ID"].map(ordered.groupby("USER_ID").size())
        held = ordered["USER_ID"].isin(test) & (position < (counts * TEST_SHARE).round().clip(lower=1))
        inputs = {user: list(rows["ITEM_ID"]) for user, rows in ordered[~held & ordered["USER_ID"].isin(test)].groupby("USER_ID")}
        holdout = {user: list(rows["ITEM_ID"]) for user, rows in ordered[held].groupby("USER_ID")}
        return cls(seed, ordered[~held].reset_index(drop=True), {u: inputs.get(u, []) for u in holdout}, holdout)

    @property
    def catalog(self) -> list[str]:
        """Every item of the imported data, sorted."""
        return sorted(self.data["ITEM_ID"].unique())

    @property
    def catalog_size(self) -> int:
        return self.data["ITEM_ID"].nunique()


def _oldest(interactions: pd.DataFrame, counts: Mapping[str, int]) -> pd.DataFrame:
    """The first ``counts[user]`` interactions of each user, in time order."""
    ordered = interactions[interactions["USER_ID"].isin(counts)].sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
    position = ordered.groupby("USER_ID").cumcount()
    return ordered[position < ordered["USER_ID"].map(counts)]


@dataclass(frozen=True)
class Row:
    """One line of a section for one split: the benchmark's metrics, and the agreement check if there is one."""

    name: str
    seed: int
    metrics: dict[str, float]
    # GetSolutionMetrics of the version, and the benchmark's metrics on the split the emulator used for it.
    reported: dict[str, float] | None = None
    recomputed: dict[str, float] | None = None


# A section of the table: (interactions, splits) -> its rows.
Section = Callable[[pd.DataFrame, Sequence[Split]], list[Row]]


def measure(recommended: Mapping[str, Sequence[str]], holdout: Mapping[str, Sequence[str]], catalog_size: int) -> dict[str, float]:
    """The protocol's metrics, averaged over the test users (``recommended``: best first)."""
    totals = dict.fromkeys(METRICS, 0.0)
    shown: set[str] = set()
    for user, items in recommended.items():
        top = list(items)[:TOP]
        shown.update(top)
        relevant = set(holdout[user])
        ranks = [rank for rank, item in enumerate(top, start=1) if item in relevant]
        totals["mean_reciprocal_rank_at_25"] += 1.0 / ranks[0] if ranks else 0.0
        for k in PRECISION_KS:
            totals[f"precision_at_{k}"] += sum(rank <= k for rank in ranks) / k
        for k in NDCG_KS:
            hits = [rank for rank in ranks if rank <= k]
            ideal = sum(1.0 / math.log(1 + rank) for rank in range(1, len(hits) + 1))
            totals[f"normalized_discounted_cumulative_gain_at_{k}"] += (
                sum(1.0 / math.log(1 + rank) for rank in hits) / ideal if hits else 0.0
            )
    result = {name: total / len(recommended) for name, total in totals.items()}
    result["coverage"] = len(shown) / catalog_size
    return result


class Service:
    """boto3 clients on the running mock, and the steps of the user's path."""

    def __init__(self) -> None:
        self.personalize = boto3.client("personalize")
        self.runtime = boto3.client("personalize-runtime")
        self.events = boto3.client("personalize-events")
        self.s3 = boto3.client("s3")
        self.s3.create_bucket(Bucket="bench")
        self.schema = self.personalize.create_schema(name="interactions", schema=SCHEMA)["schemaArn"]

    def dataset_group(self, name: str, interactions: pd.DataFrame, items: pd.DataFrame | None = None) -> str:
        """A dataset group whose Interactions dataset holds ``interactions`` and, given ``items`` (ITEM_ID, GENRES),
        whose Items dataset holds them (each imported from S3)."""
        p = self.personalize
        group = p.create_dataset_group(name=name)["datasetGroupArn"]
        wait(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
        self._import(group, f"{name}", "Interactions", self.schema, interactions[["USER_ID", "ITEM_ID", "TIMESTAMP"]])
        if items is not None:
            schema = p.create_schema(name=f"{name}-items", schema=ITEMS_SCHEMA)["schemaArn"]
            self._import(group, f"{name}-items", "Items", schema, items[["ITEM_ID", "GENRES"]])
        return group

    def _import(self, group: str, name: str, kind: str, schema: str, rows: pd.DataFrame) -> None:
        p = self.personalize
        self.s3.put_object(Bucket="bench", Key=f"{name}.csv", Body=rows.to_csv(index=False).encode())
        dataset = p.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group, datasetType=kind)["datasetArn"]
        wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
        job = p.create_dataset_import_job(
            jobName=name, datasetArn=dataset, dataSource={"dataLocation": f"s3://bench/{name}.csv"}, roleArn=ROLE_ARN
        )["datasetImportJobArn"]
        wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])

    def version(self, group: str, recipe: str, name: str, config: Mapping[str, Any] | None = None) -> str:
        """Train a solution of ``recipe`` on the group: the ACTIVE version's ARN."""
        p = self.personalize
        solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=recipe, solutionConfig=dict(config or {}))["solutionArn"]
        wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        described = wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
        assert described["status"] == "ACTIVE", described.get("failureReason")
        return version

    def metrics(self, version: str) -> dict[str, float]:
        return self.personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]

    def campaign(self, version: str, name: str, config: Mapping[str, Any] | None = None) -> str:
        p = self.personalize
        campaign = p.create_campaign(name=name, solutionVersionArn=version, **({"campaignConfig": dict(config)} if config else {}))["campaignArn"]
        wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
        return campaign

    def ask(self, campaign: str, ask: "Ask", inputs: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        """Each test user's answer (``inputs``: test user -> their input items, oldest first)."""
        return {user: ask(self, campaign, user, items) for user, items in inputs.items()}

    def record(self, group: str, interactions: pd.DataFrame) -> None:
        """Send ``interactions`` as events through an event tracker, each user's in time order."""
        tracking = self.personalize.create_event_tracker(name=f"tracker-{group.rsplit('/', 1)[1]}", datasetGroupArn=group)["trackingId"]
        ordered = interactions.sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
        for user, rows in ordered.groupby("USER_ID", sort=False):
            events = [
                {"eventType": "watch", "itemId": item, "sentAt": datetime.fromtimestamp(int(ts), timezone.utc)}
                for item, ts in zip(rows["ITEM_ID"], rows["TIMESTAMP"])
            ]
            for start in range(0, len(events), EVENTS_PER_CALL):
                self.events.put_events(trackingId=tracking, userId=user, sessionId=user, eventList=events[start : start + EVENTS_PER_CALL])


# How a test user asks a campaign: (service, campaign, test user, their input items oldest first)
# -> items, best first.
Ask = Callable[[Service, str, str, Sequence[str]], list[str]]


def for_user(api: Service, campaign: str, user: str, inputs: Sequence[str]) -> list[str]:
    """GetRecommendations for the user, no filter."""
    answer = api.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=TOP)
    return [i["itemId"] for i in answer["itemList"]]


def about_last_item(api: Service, campaign: str, user: str, inputs: Sequence[str]) -> list[str]:
    """GetRecommendations of items related to the user's last input item (related-item recipes), no filter."""
    answer = api.runtime.get_recommendations(campaignArn=campaign, itemId=inputs[-1], numResults=TOP)
    return [i["itemId"] for i in answer["itemList"]]


@dataclass(frozen=True)
class Asked:
    """A row measured through the API: a campaign of the version (``campaign_config``) and how test users ask it."""

    name: str
    ask: Ask = for_user
    campaign_config: Mapping[str, Any] = field(default_factory=dict)
    # Whether the answers depend on the user's history, which the check then sends as events.
    reads_history: bool = True


@contextmanager
def service() -> Iterator[Service]:
    """A fresh mock (no quotas carried over between splits) and the clients on it."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    with mock_personalize():
        yield Service()


def wait(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while True:
        resource = describe()
        if resource["status"] in FINAL:
            return resource
        time.sleep(0.05)


def through_api(
    recipe: str, split: Split, asked: Sequence[Asked], config: Mapping[str, Any] | None = None, items: pd.DataFrame | None = None
) -> list[Row]:
    """Train ``recipe`` (``config``: its solutionConfig) on the split's data (and ``items`` as an Items dataset,
    when given) through the API; one row per entry of ``asked``, each a campaign of the version asked by every
    test user.

    The first row carries the agreement check. The version's GetSolutionMetrics come from the
    emulator's own split of the data it trained on (seed 0 of the same function). The benchmark
    redraws that split, trains the recipe on its training users in a second dataset group, deploys
    it as the first row's campaign, records each of its test users' input items as events (if the
    row reads them), asks it as the first row does, and measures the answers with the code above.
    """
    first = asked[0]
    with service() as api:
        group = api.dataset_group(f"quality-{split.seed}", split.data, items)
        version = api.version(group, recipe, "solution", config)
        rows = [
            Row(row.name, split.seed, measure(api.ask(api.campaign(version, f"campaign-{k}", row.campaign_config), row.ask, split.inputs), split.holdout, split.catalog_size))
            for k, row in enumerate(asked)
        ]
        inner = Split.draw(split.data, 0)
        train_users = inner.data[~inner.data["USER_ID"].isin(inner.inputs)]
        check_group = api.dataset_group(f"check-{split.seed}", train_users, items)
        check_campaign = api.campaign(api.version(check_group, recipe, "check", config), "check", first.campaign_config)
        if first.reads_history:
            api.record(check_group, inner.data[inner.data["USER_ID"].isin(inner.inputs)])
        # GetSolutionMetrics' coverage counts the Items dataset's items in the catalog, as the guide's coverage does.
        catalog = split.catalog_size if items is None else len(set(split.data["ITEM_ID"]) | set(items["ITEM_ID"]))
        recomputed = measure(api.ask(check_campaign, first.ask, inner.inputs), inner.holdout, catalog)
        rows[0] = Row(first.name, split.seed, rows[0].metrics, api.metrics(version), recomputed)
    return rows
