"""A user's suite: one campaign, trained once for the whole session by the personalize_snapshot fixture."""
from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

import pytest

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
ROLE = "arn:aws:iam::123456789012:role/personalize"
SCHEMA = json.dumps({
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "version": "1.0",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
})
GENRES = ("comedy", "horror")


def interactions(users: int = 80, per_user: int = 15) -> bytes:
    """Even users watch comedies, odd users horror films (nine times in ten)."""
    rng, out = random.Random(1), io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    for user in range(users):
        for k in range(per_user):
            genre = GENRES[user % 2] if rng.random() < 0.9 else GENRES[(user + 1) % 2]
            writer.writerow([f"user-{user}", f"{genre}-{min(int(rng.expovariate(1 / 8)), 39)}", "watch", 1_600_000_000 + user * 1000 + k])
    return out.getvalue().encode()


def wait(describe: Any) -> dict[str, Any]:
    """The service's resources move through statuses; the emulator's have landed by the first describe."""
    resource = describe()
    assert resource["status"] == "ACTIVE", resource
    return resource


def build(aws: Any) -> dict[str, str]:
    """Import the data, train, deploy: what every test of the suite starts from."""
    print("training the campaign")  # the suite's runner checks this happens once
    p = aws.personalize
    aws.s3.create_bucket(Bucket="data")
    aws.s3.put_object(Bucket="data", Key="interactions.csv", Body=interactions())
    schema = p.create_schema(name="interactions", schema=SCHEMA)["schemaArn"]
    group = p.create_dataset_group(name="movies")["datasetGroupArn"]
    dataset = p.create_dataset(name="interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
    job = p.create_dataset_import_job(
        jobName="import", datasetArn=dataset, dataSource={"dataLocation": "s3://data/interactions.csv"}, roleArn=ROLE
    )["datasetImportJobArn"]
    wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])
    solution = p.create_solution(name="movies", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
    campaign = p.create_campaign(name="movies", solutionVersionArn=version)["campaignArn"]
    wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    tracker = p.create_event_tracker(name="events", datasetGroupArn=group)
    return {"group": group, "campaign": campaign, "trackingId": tracker["trackingId"]}


@pytest.fixture
def movies(personalize_snapshot: Any) -> dict[str, str]:
    return personalize_snapshot(build)
