"""Batch segment jobs: user segments of Item-Affinity and Item-Attribute-Affinity versions, read back from S3."""
from __future__ import annotations

import json
from typing import Any

import pytest

from .batch import BUCKET, put_lines, read_lines, segment_job
from .catalogs import GROUPS, ITEM_COLUMNS, USERS_PER_GROUP, add_dataset, co_watched_rows, item_rows, with_items
from .conftest import ROLE_ARN, Clients, avro
from .datagen import to_csv
from .helpers import active_version, arn, fails, loaded_group, make_filter, quoted
from .workflow import ITEM_AFFINITY, ITEM_ATTRIBUTE_AFFINITY, POPULARITY, wait

PLANS_SCHEMA = avro("Users", [{"name": "USER_ID", "type": "string"}, {"name": "PLAN", "type": ["null", "string"], "categorical": True}])


def plan(user: str) -> str:
    return "gold" if int(user.rsplit("-", 1)[1]) % 2 == 0 else "basic"


def users_of(g: int) -> set[str]:
    return {f"user-{g}-{k}" for k in range(USERS_PER_GROUP)}


def segmentation_group(c: Clients, recipe: str, users: bool = False) -> tuple[str, str]:
    """A group of co-watched items with their genres (and the users' plans); its dataset group and trained version."""
    group = loaded_group(c, rows=co_watched_rows())
    with_items(c, group.dataset_group_arn, to_csv(item_rows(), ITEM_COLUMNS))
    if users:
        rows = [{"USER_ID": user, "PLAN": plan(user)} for g in range(GROUPS) for user in sorted(users_of(g))]
        add_dataset(c, group.dataset_group_arn, "Users", PLANS_SCHEMA, rows)
    return group.dataset_group_arn, active_version(c, group.dataset_group_arn, name="segments", recipe=recipe)


def run(c: Clients, version: str, source: str, **options: Any) -> dict[str, Any]:
    job_arn = segment_job(c, version, source, **options)
    return wait(lambda: c.personalize.describe_batch_segment_job(batchSegmentJobArn=job_arn)["batchSegmentJob"])


def segments(c: Clients, version: str, lines: list[Any], **options: Any) -> list[dict[str, Any]]:
    job = run(c, version, put_lines(c, "in/queries.json", lines), **options)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return read_lines(c, "out/queries.json.out")


def test_item_affinity_segments(aws: Clients) -> None:
    _, version = segmentation_group(aws, ITEM_AFFINITY)
    lines = segments(aws, version, [{"itemId": "g1-2"}, {"itemId": "new-by-genre"}, {"itemId": "never-seen"}, {"userId": "user-1-1"}],
                     numResults=4)
    assert [line["input"] for line in lines[:3]] == [{"itemId": "g1-2"}, {"itemId": "new-by-genre"}, {"itemId": "never-seen"}]
    # Group 1's users who have not watched g1-2 yet watched every other item of group 1.
    assert set(lines[0]["output"]["recommendedUsers"]) == {f"user-1-{k}" for k in (2, 10, 18, 26)}
    assert lines[0]["error"] is None and set(lines[0]["output"]) == {"recommendedUsers"}  # users only, no scores
    # A new item without interactions gets the segment its genre's items have.
    assert set(lines[1]["output"]["recommendedUsers"]) <= users_of(2) and len(lines[1]["output"]["recommendedUsers"]) == 4
    assert "never-seen" in lines[2]["error"] and lines[2]["output"] == {"recommendedUsers": []}
    assert "itemId" in lines[3]["error"]


def test_item_attribute_affinity_segments(aws: Clients) -> None:
    _, version = segmentation_group(aws, ITEM_ATTRIBUTE_AFFINITY)
    queries = ['ITEMS.GENRES = "genre-3"', 'items.genres = "genre-3" AND ITEMS.GENRES = "genre-4"',
               'ITEMS.GENRES IN ("genre-3")', 'ITEMS.GENRES = "no-such-genre"']
    lines = segments(aws, version, [{"itemAttributes": q} for q in queries], numResults=USERS_PER_GROUP)
    # batch-segment-job-output-examples.md: the query is repeated at the top level, beside the output.
    assert [line["itemAttributes"] for line in lines] == queries and "input" not in lines[0]
    assert set(lines[0]["output"]["recommendedUsers"]) == users_of(3)
    # Only the blockbuster has both genres: its segment, numResults long all the same.
    assert len(lines[1]["output"]["recommendedUsers"]) == USERS_PER_GROUP and lines[1]["error"] is None
    assert "column 14" in lines[2]["error"] and lines[2]["output"] == {"recommendedUsers": []}
    assert "no-such-genre" in lines[3]["error"]


def test_a_user_filter_keeps_segments_full(aws: Clients) -> None:
    group_arn, version = segmentation_group(aws, ITEM_ATTRIBUTE_AFFINITY, users=True)
    by_plan = make_filter(aws, group_arn, "INCLUDE UserID WHERE Users.PLAN IN ($PLAN)", name="by-plan")
    query = 'ITEMS.GENRES = "genre-2"'
    lines = segments(aws, version, [{"itemAttributes": query, "filterValues": {"PLAN": quoted("gold")}},
                                    {"itemAttributes": query, "filterValues": {"PLAN": quoted("basic")}},
                                    {"itemAttributes": query}], numResults=20, filterArn=by_plan)
    for line, wanted in zip(lines, ("gold", "basic")):
        users = line["output"]["recommendedUsers"]
        assert len(users) == 20 and all(plan(user) == wanted for user in users), users
        # The group's 16 users of that plan come first, as they do unfiltered.
        assert set(users[:16]) == {user for user in users_of(2) if plan(user) == wanted}
    assert "PLAN" in lines[2]["error"]  # an INCLUDE expression needs its values
    job = aws.personalize.list_batch_segment_jobs()["batchSegmentJobs"][0]["batchSegmentJobArn"]
    assert aws.personalize.describe_batch_segment_job(batchSegmentJobArn=job)["batchSegmentJob"]["filterArn"] == by_plan


@pytest.mark.parametrize(
    "recipe, query, most",
    [(ITEM_AFFINITY, {"itemId": "g0-0"}, 500), (ITEM_ATTRIBUTE_AFFINITY, {"itemAttributes": 'ITEMS.GENRES = "genre-0"'}, 10)],
)
def test_queries_per_file(aws: Clients, recipe: str, query: dict[str, str], most: int) -> None:
    _, version = segmentation_group(aws, recipe)
    assert len(segments(aws, version, [query] * most, numResults=1)) == most
    job = run(aws, version, put_lines(aws, "in/too-many.json", [query] * (most + 1)), name="too-many",
              destination=f"s3://{BUCKET}/too-many/")
    assert job["status"] == "CREATE FAILED"
    assert f"at most {most}" in job["failureReason"] and "too-many.json" in job["failureReason"]


def test_describe_list_and_errors(aws: Clients) -> None:
    p = aws.personalize
    group_arn, version = segmentation_group(aws, ITEM_AFFINITY)
    source = put_lines(aws, "in/queries.json", [{"itemId": "g0-0"}])
    job_arn = segment_job(aws, version, source, numResults=3, tags=[{"tagKey": "team", "tagValue": "ads"}])
    job = wait(lambda: p.describe_batch_segment_job(batchSegmentJobArn=job_arn)["batchSegmentJob"])
    assert job_arn == arn("batch-segment-job", "segments")
    assert {k: job[k] for k in ("batchSegmentJobArn", "jobName", "solutionVersionArn", "numResults", "roleArn", "status")} == {
        "batchSegmentJobArn": job_arn, "jobName": "segments", "solutionVersionArn": version, "numResults": 3,
        "roleArn": ROLE_ARN, "status": "ACTIVE"}
    assert job["jobInput"] == {"s3DataSource": {"path": source}}
    listed = p.list_batch_segment_jobs(solutionVersionArn=version)["batchSegmentJobs"]
    assert [j["batchSegmentJobArn"] for j in listed] == [job_arn]
    assert set(listed[0]) == {"batchSegmentJobArn", "jobName", "status", "creationDateTime", "lastUpdatedDateTime", "solutionVersionArn"}
    assert p.list_batch_segment_jobs(solutionVersionArn=arn("solution-version", "other/1"))["batchSegmentJobs"] == []
    assert p.list_tags_for_resource(resourceArn=job_arn)["tags"] == [{"tagKey": "team", "tagValue": "ads"}]
    assert len(json.loads(aws.s3.get_object(Bucket=BUCKET, Key="out/queries.json.out")["Body"].read())["output"]["recommendedUsers"]) == 3

    def refused(code: str, **options: Any) -> str:
        request = {"version": version, "destination": f"s3://{BUCKET}/x/", "name": "x", **options}
        return fails(code, segment_job, c=aws, source=source, **request)

    assert "numResults" in refused("InvalidInputException", numResults=0)
    assert "segments" in refused("ResourceAlreadyExistsException", name="segments")
    item_filter = make_filter(aws, group_arn, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")', name="items")
    assert "UserID" in refused("InvalidInputException", filterArn=item_filter)
    popular = active_version(aws, group_arn, name="popular", recipe=POPULARITY)
    assert "CreateBatchInferenceJob" in refused("InvalidInputException", version=popular)
    assert [j["jobName"] for j in p.list_batch_segment_jobs()["batchSegmentJobs"]] == ["segments"]
    # Output beside the input: a job run again over the input's folder reads the queries, not the answers.
    for name in ("beside", "again"):
        beside = run(aws, version, f"s3://{BUCKET}/in/", destination=f"s3://{BUCKET}/in/", name=name, numResults=2)
        assert beside["status"] == "ACTIVE", beside.get("failureReason")
    assert [o["Key"] for o in aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="in/")["Contents"]] == ["in/queries.json", "in/queries.json.out"]
    assert [line["input"] for line in read_lines(aws, "in/queries.json.out")] == [{"itemId": "g0-0"}]
    # A segment version serves no batch inference job.
    message = fails("InvalidInputException", p.create_batch_inference_job, jobName="inference", solutionVersionArn=version,
                    roleArn=ROLE_ARN, jobInput={"s3DataSource": {"path": source}},
                    jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/y/"}})
    assert "CreateBatchSegmentJob" in message
