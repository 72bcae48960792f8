"""Every partition: in cn-north-1 and us-gov-west-1 the ARNs are aws-cn's and aws-us-gov's, as moto makes them, and the
data lives in that partition's S3. Recipes, algorithms and feature transformations are named in the caller's partition."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from .conftest import INTERACTIONS_SCHEMA, Clients, make_clients
from .datagen import to_csv
from .helpers import ACCOUNT, fails, small_rows
from .servers import start_command, stop
from .workflow import create_group, deploy, recommended, train, wait

PARTITIONS = {"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}
BUCKET = "partition-data"
POPULARITY = "recipe/aws-popularity-count"


class Place:
    """Clients in one region, and the ARNs of its partition."""

    def __init__(self, c: Clients, region: str) -> None:
        self.c, self.region, self.partition = c, region, PARTITIONS[region]
        self.role = f"arn:{self.partition}:iam::{ACCOUNT}:role/PersonalizeRole"

    def arn_prefix(self, kind: str) -> str:
        return f"arn:{self.partition}:personalize:{self.region}:{ACCOUNT}:{kind}/"

    def global_arn(self, name: str) -> str:
        return f"arn:{self.partition}:personalize:::{name}"


@pytest.fixture(params=list(PARTITIONS))
def place(aws: Clients, request: pytest.FixtureRequest) -> Iterator[Place]:
    c = make_clients(region_name=request.param)
    c.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": request.param})
    yield Place(c, request.param)
    assert c.shape_errors == [], "\n".join(c.shape_errors)


def imported(place: Place, dataset_arn: str, rows: list[dict[str, object]], key: str) -> dict[str, Any]:
    c = place.c
    c.s3.put_object(Bucket=BUCKET, Key=key, Body=to_csv(rows))
    arn = c.personalize.create_dataset_import_job(
        jobName=key.replace(".", "-"), datasetArn=dataset_arn, dataSource={"dataLocation": f"s3://{BUCKET}/{key}"}, roleArn=place.role
    )["datasetImportJobArn"]
    assert arn.startswith(place.arn_prefix("dataset-import-job"))
    return wait(lambda: c.personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])


def test_the_getting_started_workflow_in_the_partition(place: Place) -> None:
    c, p = place.c, place.c.personalize
    group = create_group(c, "shop")
    assert group.schema_arn.startswith(place.arn_prefix("schema"))
    assert group.dataset_group_arn.startswith(place.arn_prefix("dataset-group"))
    assert group.dataset_arn.startswith(place.arn_prefix("dataset"))
    # The CSV goes to the region's S3, which is the partition's own: the import reads it there.
    job = imported(place, group.dataset_arn, small_rows(), "interactions.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")

    version = train(c, group.dataset_group_arn, name="popular", recipe=place.global_arn(POPULARITY))
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["solutionVersionArn"].startswith(place.arn_prefix("solution/popular"))
    assert version["recipeArn"] == place.global_arn(POPULARITY)
    solution_arn = version["solutionArn"]
    assert p.describe_solution(solutionArn=solution_arn)["solution"]["recipeArn"] == place.global_arn(POPULARITY)
    campaign_arn = deploy(c, version["solutionVersionArn"], name="popular")
    assert campaign_arn == f"{place.arn_prefix('campaign')}popular"
    assert len(recommended(c, campaign_arn, "user-1")) == 10

    # Describe and List round-trip the partition's ARNs.
    assert [g["datasetGroupArn"] for g in p.list_dataset_groups()["datasetGroups"]] == [group.dataset_group_arn]
    assert [s["schemaArn"] for s in p.list_schemas()["schemas"]] == [group.schema_arn]
    assert [d["datasetArn"] for d in p.list_datasets(datasetGroupArn=group.dataset_group_arn)["datasets"]] == [group.dataset_arn]
    assert [s["recipeArn"] for s in p.list_solutions(datasetGroupArn=group.dataset_group_arn)["solutions"]] == [place.global_arn(POPULARITY)]
    assert [v["solutionVersionArn"] for v in p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]] == [version["solutionVersionArn"]]
    assert [x["campaignArn"] for x in p.list_campaigns(solutionArn=solution_arn)["campaigns"]] == [campaign_arn]
    assert p.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == version["solutionVersionArn"]
    assert p.describe_dataset(datasetArn=group.dataset_arn)["dataset"]["datasetGroupArn"] == group.dataset_group_arn


def test_every_kind_of_resource_is_named_in_the_partition(place: Place) -> None:
    c, p = place.c, place.c.personalize
    group = create_group(c, "shop")
    assert imported(place, group.dataset_arn, small_rows(), "interactions.csv")["status"] == "ACTIVE"
    made = {
        "filter": p.create_filter(name="f", datasetGroupArn=group.dataset_group_arn, filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')["filterArn"],
        "event_tracker": p.create_event_tracker(name="t", datasetGroupArn=group.dataset_group_arn)["eventTrackerArn"],
        "metric_attribution": p.create_metric_attribution(
            name="m", datasetGroupArn=group.dataset_group_arn, metricsOutputConfig={"roleArn": place.role},
            metrics=[{"eventType": "watch", "metricName": "WATCHES", "expression": "SAMPLECOUNT()"}],
        )["metricAttributionArn"],
        "dataset_export_job": p.create_dataset_export_job(
            jobName="e", datasetArn=group.dataset_arn, roleArn=place.role, jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/export/"}}
        )["datasetExportJobArn"],
        "data_deletion_job": p.create_data_deletion_job(
            jobName="d", datasetGroupArn=group.dataset_group_arn, dataSource={"dataLocation": f"s3://{BUCKET}/interactions.csv"}, roleArn=place.role
        )["dataDeletionJobArn"],
    }
    for kind, arn in made.items():  # each by its operations' names: describe_filter(filterArn=...)
        assert arn.startswith(place.arn_prefix(kind.replace("_", "-"))), arn
        member = "".join(word.title() for word in kind.split("_"))
        member = member[0].lower() + member[1:]
        assert getattr(p, f"describe_{kind}")(**{f"{member}Arn": arn})[member][f"{member}Arn"] == arn

    # Batch jobs read their input from, and write their output to, the partition's S3.
    version = train(c, group.dataset_group_arn, name="popular", recipe=place.global_arn(POPULARITY))["solutionVersionArn"]
    c.s3.put_object(Bucket=BUCKET, Key="in/users.json", Body=b'{"userId": "user-1"}\n')
    job_arn = p.create_batch_inference_job(
        jobName="nightly", solutionVersionArn=version, roleArn=place.role,
        jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/in/users.json"}}, jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/out/"}},
    )["batchInferenceJobArn"]
    assert job_arn.startswith(place.arn_prefix("batch-inference-job"))
    job = wait(lambda: p.describe_batch_inference_job(batchInferenceJobArn=job_arn)["batchInferenceJob"])
    assert job["status"] == "ACTIVE", job.get("failureReason")
    [line] = c.s3.get_object(Bucket=BUCKET, Key="out/users.json.out")["Body"].read().decode().splitlines()
    assert json.loads(line)["input"] == {"userId": "user-1"}


def test_a_recommender_takes_and_shows_its_use_case_in_the_partition(place: Place) -> None:
    p = place.c.personalize
    group_arn = p.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    assert group_arn.startswith(place.arn_prefix("dataset-group"))
    schema_arn = p.create_schema(name="shop", schema=INTERACTIONS_SCHEMA, domain="ECOMMERCE")["schemaArn"]
    p.create_dataset(name="shop", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")
    use_case = place.global_arn("recipe/aws-ecomm-popular-items-by-views")
    arn = p.create_recommender(name="popular", datasetGroupArn=group_arn, recipeArn=use_case)["recommenderArn"]
    assert arn == f"{place.arn_prefix('recommender')}popular"
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["recipeArn"] == use_case
    assert [r["recipeArn"] for r in p.list_recommenders(datasetGroupArn=group_arn)["recommenders"]] == [use_case]


def test_recipes_algorithms_and_feature_transformations_are_listed_in_the_partition(place: Place) -> None:
    p = place.c.personalize
    listed = [r["recipeArn"] for page in p.get_paginator("list_recipes").paginate() for r in page["recipes"]]
    assert listed and all(arn.startswith(place.global_arn("recipe/")) for arn in listed)
    assert place.global_arn("recipe/aws-user-personalization") in listed
    recipe = p.describe_recipe(recipeArn=place.global_arn("recipe/aws-user-personalization"))["recipe"]
    assert recipe["recipeArn"] == place.global_arn("recipe/aws-user-personalization")
    assert recipe["algorithmArn"].startswith(place.global_arn("algorithm/"))
    assert recipe["featureTransformationArn"].startswith(place.global_arn("feature-transformation/"))
    algorithm = p.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]
    assert algorithm["algorithmArn"] == recipe["algorithmArn"]
    transformation = p.describe_feature_transformation(featureTransformationArn=recipe["featureTransformationArn"])["featureTransformation"]
    assert transformation["featureTransformationArn"] == recipe["featureTransformationArn"]


def test_automl_candidates_are_named_and_echoed_in_the_partition(place: Place) -> None:
    p = place.c.personalize
    group = create_group(place.c, "shop")
    candidates = [place.global_arn("recipe/aws-user-personalization"), place.global_arn(POPULARITY)]
    config = {"autoMLConfig": {"metricName": "precision_at_25", "recipeList": candidates}}
    arn = p.create_solution(name="auto", datasetGroupArn=group.dataset_group_arn, performAutoML=True, solutionConfig=config)["solutionArn"]
    assert p.describe_solution(solutionArn=arn)["solution"]["solutionConfig"]["autoMLConfig"]["recipeList"] == candidates


def test_arns_of_another_partition_name_nothing_here(place: Place) -> None:
    """The model's Arn pattern takes any partition; what another partition's ARN names is not here, as the
    resources of another region are not: ResourceNotFoundException naming the ARN as given."""
    p = place.c.personalize
    group_arn = p.create_dataset_group(name="shop")["datasetGroupArn"]
    commercial = group_arn.replace(f"arn:{place.partition}:", "arn:aws:", 1)
    assert commercial in fails("ResourceNotFoundException", p.describe_dataset_group, datasetGroupArn=commercial)
    recipe = f"arn:aws:personalize:::{POPULARITY}"
    assert recipe in fails("ResourceNotFoundException", p.describe_recipe, recipeArn=recipe)
    create_group(place.c, "loaded")
    loaded = p.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    assert recipe in fails("ResourceNotFoundException", p.create_solution, name="s", datasetGroupArn=loaded, recipeArn=recipe)
    # Messages name the partition's own recipes as the caller wrote them.
    legacy = place.global_arn("recipe/aws-hrnn")
    assert legacy in fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=loaded, recipeArn=legacy)


def test_the_commercial_partition_is_as_it_was(aws: Clients) -> None:
    p = aws.personalize
    assert p.create_dataset_group(name="shop")["datasetGroupArn"] == f"arn:aws:personalize:us-east-1:{ACCOUNT}:dataset-group/shop"
    assert all(r["recipeArn"].startswith("arn:aws:personalize:::recipe/") for r in p.list_recipes()["recipes"])
    china = f"arn:aws-cn:personalize:::{POPULARITY}"
    assert china in fails("ResourceNotFoundException", p.describe_recipe, recipeArn=china)


def test_over_the_server_too(remote: Clients, endpoint: str) -> None:
    c = make_clients(endpoint_url=endpoint, region_name="cn-north-1")
    p = c.personalize
    group_arn = p.create_dataset_group(name="remote")["datasetGroupArn"]
    assert group_arn == f"arn:aws-cn:personalize:cn-north-1:{ACCOUNT}:dataset-group/remote"
    assert p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["name"] == "remote"
    assert p.list_recipes(maxResults=1)["recipes"][0]["recipeArn"].startswith("arn:aws-cn:personalize:::recipe/")
    assert c.shape_errors == []


def _bucket_and_group(place: Place) -> str:
    place.c.s3.put_object(Bucket=BUCKET, Key="kept.csv", Body=b"USER_ID,ITEM_ID,TIMESTAMP\nu,i,1\n")
    return place.c.personalize.create_dataset_group(name="kept")["datasetGroupArn"]


def _still_there(place: Place, group_arn: str) -> None:
    assert place.c.s3.get_object(Bucket=BUCKET, Key="kept.csv")["Body"].read().startswith(b"USER_ID")
    assert place.c.s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == place.region
    assert place.c.personalize.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["name"] == "kept"


def test_a_snapshot_keeps_the_partitions_buckets(place: Place, tmp_path: Any) -> None:
    from personalize_local import snapshot

    group_arn = _bucket_and_group(place)
    snapshot.save(tmp_path / "s.db")
    place.c.s3.delete_object(Bucket=BUCKET, Key="kept.csv")
    place.c.s3.delete_bucket(Bucket=BUCKET)
    snapshot.load(tmp_path / "s.db")
    _still_there(place, group_arn)


def test_a_data_directory_keeps_the_partitions_buckets(tmp_path: Any) -> None:

    region = "cn-north-1"
    server, endpoint = start_command("--data-dir", str(tmp_path))
    try:
        place = Place(make_clients(endpoint_url=endpoint, region_name=region), region)
        place.c.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
        group_arn = _bucket_and_group(place)
    finally:
        assert stop(server)[0] == 0
    server, endpoint = start_command("--data-dir", str(tmp_path))
    try:
        _still_there(Place(make_clients(endpoint_url=endpoint, region_name=region), region), group_arn)
    finally:
        stop(server)
