"""The service's own Python getting-started sample (getting-started-python.md), as a user would paste it.

Its call order is the point: the dataset right after the group, the import right after
the dataset, the solution version right after the solution, recommendations right after
the campaign; and it waits by sleeping a minute between describes. ``sleep`` is taken
as a parameter only so a test can see whether the sample ever had to wait.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
    "version": "1.0",
}


def run(personalize: Any, personalize_rt: Any, data_location: str, role_arn: str, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """The sample, step by step; the recommended item IDs for user 123."""
    interactions_schema_arn = personalize.create_schema(name="getting-started-schema", schema=json.dumps(SCHEMA))["schemaArn"]

    dataset_group_arn = personalize.create_dataset_group(name="dataset-group-name")["datasetGroupArn"]
    description = personalize.describe_dataset_group(datasetGroupArn=dataset_group_arn)["datasetGroup"]
    print("Status: " + description["status"])

    dataset_arn = personalize.create_dataset(
        name="dataset_name", schemaArn=interactions_schema_arn, datasetGroupArn=dataset_group_arn, datasetType="Interactions"
    )["datasetArn"]

    import_job_arn = personalize.create_dataset_import_job(
        jobName="JobName", datasetArn=dataset_arn, dataSource={"dataLocation": data_location}, roleArn=role_arn, importMode="FULL"
    )["datasetImportJobArn"]
    max_time = time.time() + 3 * 60 * 60
    while time.time() < max_time:
        status = personalize.describe_dataset_import_job(datasetImportJobArn=import_job_arn)["datasetImportJob"]["status"]
        print(f"Interactions DatasetImportJob: {status}")
        if status == "ACTIVE" or status == "CREATE FAILED":
            break
        sleep(60)

    solution_arn = personalize.create_solution(
        name="solution-name", recipeArn="arn:aws:personalize:::recipe/aws-user-personalization", datasetGroupArn=dataset_group_arn
    )["solutionArn"]
    solution_version_arn = personalize.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    max_time = time.time() + 3 * 60 * 60
    while time.time() < max_time:
        status = personalize.describe_solution_version(solutionVersionArn=solution_version_arn)["solutionVersion"]["status"]
        print(f"SolutionVersion: {status}")
        if status == "ACTIVE" or status == "CREATE FAILED":
            break
        sleep(60)

    campaign_arn = personalize.create_campaign(name="campaign-name", solutionVersionArn=solution_version_arn)["campaignArn"]
    description = personalize.describe_campaign(campaignArn=campaign_arn)["campaign"]
    print("Status: " + description["status"])

    response = personalize_rt.get_recommendations(campaignArn=campaign_arn, userId="123", numResults=10)
    return [item["itemId"] for item in response["itemList"]]
