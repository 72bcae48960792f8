"""The AWS CLI against the server, on the getting-started path (getting-started-cli.md), as a shell script would run it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import INTERACTIONS_SCHEMA, ROLE_ARN
from .datagen import TASTES, interactions, taste_of, to_csv
from .helpers import share_of_taste
from .workflow import wait


def aws_cli(endpoint: str, *args: str) -> Any:
    """`aws --endpoint-url ENDPOINT ARGS...` (the CLI installed with the tests): its JSON output parsed, or its text
    (the `aws s3` commands say what they did in words)."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": ""}
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.lstrip().startswith("{") else done.stdout


def until_settled(endpoint: str, *describe: str) -> dict[str, Any]:
    """Describe until the status settles, as the guide's scripts poll (workflow.wait)."""
    return wait(lambda: next(iter(aws_cli(endpoint, *describe).values())))


def test_getting_started_with_the_aws_cli(endpoint: str, tmp_path: Path) -> None:
    data = tmp_path / "ratings.csv"
    data.write_bytes(to_csv(interactions()))
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(INTERACTIONS_SCHEMA)

    assert "make_bucket: cli-data" in aws_cli(endpoint, "s3", "mb", "s3://cli-data")
    assert "upload:" in aws_cli(endpoint, "s3", "cp", str(data), "s3://cli-data/ratings.csv")
    schema = aws_cli(endpoint, "personalize", "create-schema", "--name", "cli-schema", "--schema", f"file://{schema_file}")["schemaArn"]
    group = aws_cli(endpoint, "personalize", "create-dataset-group", "--name", "cli-group")["datasetGroupArn"]
    until_settled(endpoint, "personalize", "describe-dataset-group", "--dataset-group-arn", group)
    dataset = aws_cli(endpoint, "personalize", "create-dataset", "--name", "cli-interactions", "--schema-arn", schema,
                      "--dataset-group-arn", group, "--dataset-type", "Interactions")["datasetArn"]
    until_settled(endpoint, "personalize", "describe-dataset", "--dataset-arn", dataset)
    job = aws_cli(endpoint, "personalize", "create-dataset-import-job", "--job-name", "cli-import", "--dataset-arn", dataset,
                  "--data-source", "dataLocation=s3://cli-data/ratings.csv", "--role-arn", ROLE_ARN)["datasetImportJobArn"]
    assert until_settled(endpoint, "personalize", "describe-dataset-import-job", "--dataset-import-job-arn", job)["status"] == "ACTIVE"

    solution = aws_cli(endpoint, "personalize", "create-solution", "--name", "cli-solution", "--dataset-group-arn", group,
                       "--recipe-arn", "arn:aws:personalize:::recipe/aws-user-personalization")["solutionArn"]
    until_settled(endpoint, "personalize", "describe-solution", "--solution-arn", solution)
    version = aws_cli(endpoint, "personalize", "create-solution-version", "--solution-arn", solution)["solutionVersionArn"]
    assert until_settled(endpoint, "personalize", "describe-solution-version", "--solution-version-arn", version)["status"] == "ACTIVE"
    metrics = aws_cli(endpoint, "personalize", "get-solution-metrics", "--solution-version-arn", version)["metrics"]
    assert metrics["precision_at_10"] > 0.05  # two clean tastes: far above chance (1/80 a slot)

    campaign = aws_cli(endpoint, "personalize", "create-campaign", "--name", "cli-campaign", "--solution-version-arn", version,
                       "--min-provisioned-tps", "1")["campaignArn"]
    assert until_settled(endpoint, "personalize", "describe-campaign", "--campaign-arn", campaign)["status"] == "ACTIVE"
    user = "user-0"
    answer = aws_cli(endpoint, "personalize-runtime", "get-recommendations", "--campaign-arn", campaign, "--user-id", user, "--num-results", "10")
    items = [i["itemId"] for i in answer["itemList"]]
    assert len(items) == 10 and answer["recommendationId"]
    assert share_of_taste(items, taste_of(user).name) >= 0.7

    tracker = aws_cli(endpoint, "personalize", "create-event-tracker", "--name", "cli-tracker", "--dataset-group-arn", group)
    horror = TASTES[1].items
    events = json.dumps([{"eventType": "watch", "itemId": horror[i], "sentAt": 1_700_000_000 + i} for i in range(10)])
    aws_cli(endpoint, "personalize-events", "put-events", "--tracking-id", tracker["trackingId"], "--user-id", user,
            "--session-id", "cli-session", "--event-list", events)
    after = aws_cli(endpoint, "personalize-runtime", "get-recommendations", "--campaign-arn", campaign, "--user-id", user, "--num-results", "10")
    assert share_of_taste([i["itemId"] for i in after["itemList"]], "horror") > share_of_taste(items, "horror")
