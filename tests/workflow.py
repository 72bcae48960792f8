"""The getting-started path as a user writes it with boto3, in reusable steps."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from .conftest import INTERACTIONS_SCHEMA, ROLE_ARN, Clients

# Where statuses stop: a data deletion job ends COMPLETED or FAILED.
FINAL = {"ACTIVE", "CREATE FAILED", "DELETE FAILED", "UPDATE FAILED", "COMPLETED", "FAILED"}
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"
USER_PERSONALIZATION_V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
PERSONALIZED_RANKING_V2 = "arn:aws:personalize:::recipe/aws-personalized-ranking-v2"
POPULARITY = "arn:aws:personalize:::recipe/aws-popularity-count"
PERSONALIZED_RANKING = "arn:aws:personalize:::recipe/aws-personalized-ranking"
SIMS = "arn:aws:personalize:::recipe/aws-sims"
SIMILAR_ITEMS = "arn:aws:personalize:::recipe/aws-similar-items"
TRENDING_NOW = "arn:aws:personalize:::recipe/aws-trending-now"
ITEM_AFFINITY = "arn:aws:personalize:::recipe/aws-item-affinity"
ITEM_ATTRIBUTE_AFFINITY = "arn:aws:personalize:::recipe/aws-item-attribute-affinity"
NEXT_BEST_ACTION = "arn:aws:personalize:::recipe/aws-next-best-action"


def wait(describe: Callable[[], dict[str, Any]], patience: float = 120.0) -> dict[str, Any]:
    """Poll a describe call until the resource reaches a final status, as users do with the real service."""
    deadline = time.monotonic() + patience
    while True:
        resource = describe()
        if resource["status"] in FINAL:
            return resource
        if time.monotonic() > deadline:
            raise AssertionError(f"still {resource['status']} after {patience}s: {resource}")
        time.sleep(0.05)


@dataclass
class Group:
    schema_arn: str
    dataset_group_arn: str
    dataset_arn: str


def create_group(c: Clients, name: str = "demo", schema: str = INTERACTIONS_SCHEMA) -> Group:
    p = c.personalize
    schema_arn = p.create_schema(name=f"{name}-interactions", schema=schema)["schemaArn"]
    group_arn = p.create_dataset_group(name=name)["datasetGroupArn"]
    wait(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"])
    dataset_arn = p.create_dataset(
        name=f"{name}-interactions", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions"
    )["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    return Group(schema_arn, group_arn, dataset_arn)


def import_csv(c: Clients, dataset_arn: str, body: bytes, key: str = "interactions.csv", job: str = "import", mode: str = "FULL") -> dict[str, Any]:
    """Put the CSV in S3 and import it; the job as it ends."""
    bucket = "personalize-data"
    existing = {b["Name"] for b in c.s3.list_buckets()["Buckets"]}
    if bucket not in existing:
        c.s3.create_bucket(Bucket=bucket)
    c.s3.put_object(Bucket=bucket, Key=key, Body=body)
    arn = c.personalize.create_dataset_import_job(
        jobName=job,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{bucket}/{key}"},
        roleArn=ROLE_ARN,
        importMode=mode,
    )["datasetImportJobArn"]
    return wait(lambda: c.personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])


def train(c: Clients, group_arn: str, name: str = "solution", recipe: str = USER_PERSONALIZATION, **options: Any) -> dict[str, Any]:
    """Create a solution and a version of it; the version as it ends."""
    p = c.personalize
    solution_arn = p.create_solution(name=name, datasetGroupArn=group_arn, recipeArn=recipe, **options)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution_arn)["solution"])
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    return wait(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"], patience=300)


def deploy(c: Clients, version_arn: str, name: str = "campaign", **options: Any) -> str:
    p = c.personalize
    arn = p.create_campaign(name=name, solutionVersionArn=version_arn, **options)["campaignArn"]
    wait(lambda: p.describe_campaign(campaignArn=arn)["campaign"])
    return arn


def recommended(c: Clients, campaign_arn: str, user: str, n: int = 10) -> list[str]:
    items = c.runtime.get_recommendations(campaignArn=campaign_arn, userId=user, numResults=n)["itemList"]
    return [i["itemId"] for i in items]


def walk(c: Clients, body: bytes) -> tuple[str, dict[str, float]]:
    """Import, train, evaluate and deploy; the campaign and the version's metrics."""
    group = create_group(c)
    job = import_csv(c, group.dataset_arn, body)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    version = train(c, group.dataset_group_arn)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    metrics = c.personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]
    return deploy(c, version["solutionVersionArn"]), metrics
