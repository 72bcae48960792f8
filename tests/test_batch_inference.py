"""Batch inference jobs: JSON Lines in S3 answered as a campaign of the same version answers, read back from S3."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from .batch import BUCKET, answered, create_job, put_lines, read_lines, real_time, refused, run
from .catalogs import co_watched_rows, holds, item_rows
from .conftest import ROLE_ARN, Clients, Restore, avro
from .datagen import START, TASTES, interactions, to_csv
from .helpers import active_version, arn, loaded_group, make_filter, quoted
from .tracking import make_tracker
from .workflow import (
    ITEM_AFFINITY,
    PERSONALIZED_RANKING,
    POPULARITY,
    SIMILAR_ITEMS,
    SIMS,
    TRENDING_NOW,
    USER_PERSONALIZATION,
    deploy,
    import_csv,
    wait,
)
from .worlds import Shop, build_shop

COMEDY, HORROR = (taste.items for taste in TASTES)


# The recipes whose versions the tests read, trained once a session on one group of generated data.
RECIPES = (POPULARITY, USER_PERSONALIZATION, SIMS, PERSONALIZED_RANKING, TRENDING_NOW, ITEM_AFFINITY)


@dataclass(frozen=True)
class Trained:
    group_arn: str
    # Recipe ARN -> its version's ARN.
    versions: dict[str, str]


def build_trained(c: Clients) -> Trained:
    group_arn = loaded_group(c, rows=interactions(users=70)).dataset_group_arn
    return Trained(group_arn, {recipe: active_version(c, group_arn, name=recipe.rsplit("/", 1)[1], recipe=recipe) for recipe in RECIPES})


@pytest.fixture
def trained(from_snapshot: Restore) -> Trained:
    return from_snapshot(build_trained)


def build_shop_versions(c: Clients) -> tuple[Shop, str, str]:
    """The filters' shop, with a User-Personalization and a popularity version trained on it."""
    shop = build_shop(c)
    personal = active_version(c, shop.group_arn, name="personal", recipe=USER_PERSONALIZATION)
    return shop, personal, active_version(c, shop.group_arn, name="popular-batch", recipe=POPULARITY)


@pytest.fixture
def shop_versions(from_snapshot: Restore) -> tuple[Shop, str, str]:
    return from_snapshot(build_shop_versions)


# User-Personalization -----------------------------------------------------------------------------


def test_lines_agree_with_the_campaign_events_included(aws: Clients, trained: Trained) -> None:
    version = trained.versions[USER_PERSONALIZATION]
    campaign = deploy(aws, version)
    # Events recorded since training count in batch as in real time (getting-batch-recommendations.md).
    tracking_id = make_tracker(aws, trained.group_arn)["trackingId"]
    aws.events.put_events(trackingId=tracking_id, userId="user-0", sessionId="s", eventList=[
        {"eventType": "watch", "itemId": item, "sentAt": START + 2_000_000 + k} for k, item in enumerate(HORROR[:8])
    ])
    users = ["user-0", "user-1", "user-5", "stranger"]
    lines = answered(aws, version, [{"userId": u} for u in users], numResults=7)
    assert [line["input"] for line in lines] == [{"userId": u} for u in users]
    for user, line in zip(users, lines):
        assert line["error"] is None
        assert line["output"] == real_time(aws, campaign, userId=user, numResults=7)
        assert len(line["output"]["recommendedItems"]) == 7
    job = aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"][0]
    described = aws.personalize.describe_batch_inference_job(batchInferenceJobArn=job["batchInferenceJobArn"])["batchInferenceJob"]
    assert described["numResults"] == 7


def test_exploration_config_is_the_campaigns(aws: Clients, trained: Trained) -> None:
    version = trained.versions[USER_PERSONALIZATION]
    exploration = {"explorationWeight": "0.9", "explorationItemAgeCutOff": "1000"}
    explorer = deploy(aws, version, name="explorer", campaignConfig={"itemExplorationConfig": exploration})
    plain = deploy(aws, version, name="plain")
    users = [f"user-{u}" for u in range(6)]
    lines = answered(aws, version, [{"userId": u} for u in users], batchInferenceJobConfig={"itemExplorationConfig": exploration})
    for user, line in zip(users, lines):
        assert line["output"] == real_time(aws, explorer, userId=user)
    assert any(line["output"] != real_time(aws, plain, userId=user) for user, line in zip(users, lines))
    job = aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"][0]["batchInferenceJobArn"]
    described = aws.personalize.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"]
    assert described["batchInferenceJobConfig"] == {"itemExplorationConfig": exploration}
    assert described["numResults"] == 25


def test_bad_lines_fail_alone(aws: Clients, trained: Trained) -> None:
    version = trained.versions[POPULARITY]
    lines = answered(aws, version, ["{not json", "", '["user-1"]', {"userId": 42}, {"userId": "user-1"}, "   "], numResults=3)
    assert len(lines) == 4  # blank lines are no records
    assert lines[0]["input"] == "{not json" and "not valid JSON" in lines[0]["error"]
    assert lines[1]["input"] == ["user-1"] and "not a JSON object" in lines[1]["error"]
    assert lines[2]["input"] == {"userId": 42} and "userId must be a string" in lines[2]["error"]
    for bad in lines[:3]:
        assert bad["error"].startswith("User error: ") and bad["output"] == {"recommendedItems": []}
    assert lines[3]["error"] is None and len(lines[3]["output"]["recommendedItems"]) == 3


def test_a_line_without_its_recipes_member(aws: Clients, trained: Trained) -> None:
    version = trained.versions[USER_PERSONALIZATION]
    lines = answered(aws, version, [{"itemId": "comedy-1"}, {"userId": "user-3"}])
    assert lines[0]["error"] == "User error: Required fields for the provided recipe are userId; the line lacks userId."
    assert lines[1]["error"] is None and len(lines[1]["output"]["recommendedItems"]) == 25


# Other recipes ------------------------------------------------------------------------------------


def test_popular_items_without_scores(aws: Clients, trained: Trained) -> None:
    version = trained.versions[POPULARITY]
    campaign = deploy(aws, version)
    lines = answered(aws, version, [{"userId": "user-1"}, {}, {"userId": "anyone"}], numResults=10)
    expected = real_time(aws, campaign, numResults=10)
    assert "scores" not in expected
    assert [line["output"] for line in lines] == [expected] * 3


def test_related_items_by_item(aws: Clients, trained: Trained) -> None:
    version = trained.versions[SIMS]
    campaign = deploy(aws, version)
    asked = ["comedy-3", "horror-0", "never-seen"]
    lines = answered(aws, version, [{"itemId": item} for item in asked] + [{"userId": "user-1"}], key="items.json", numResults=5)
    for item, line in zip(asked, lines):
        assert line["output"] == real_time(aws, campaign, itemId=item, numResults=5)
        assert "scores" not in line["output"] and item not in line["output"]["recommendedItems"]
    assert "itemId" in lines[3]["error"]


def test_personalized_ranking_lines(aws: Clients, trained: Trained) -> None:
    version = trained.versions[PERSONALIZED_RANKING]
    campaign = deploy(aws, version)
    candidates = [item for pair in zip(COMEDY[:6], HORROR[:6]) for item in pair] + ["brand-new"]
    lines = answered(aws, version, [{"userId": u, "itemList": candidates} for u in ("user-0", "user-1")]
                     + [{"userId": "user-0"}, {"userId": "user-0", "itemList": ["x"] * 501}], numResults=20)
    for user, line in zip(("user-0", "user-1"), lines):
        ranked = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId=user, inputList=candidates)["personalizedRanking"]
        assert line["output"] == {"recommendedItems": [r["itemId"] for r in ranked], "scores": [r.get("score") for r in ranked]}
        assert line["output"]["scores"][-1] is None  # brand-new: no data, no score, last
    assert "userId, itemList" in lines[2]["error"]
    assert "at most 500" in lines[3]["error"]
    # numResults cuts the ranking.
    cut = answered(aws, version, [{"userId": "user-0", "itemList": candidates}], key="cut.json", name="cut", numResults=4)
    assert cut[0]["output"]["recommendedItems"] == lines[0]["output"]["recommendedItems"][:4]


# Filters ------------------------------------------------------------------------------------------


def test_filtered_lines_hold_no_excluded_item_and_full_answers(aws: Clients, shop_versions: tuple[Shop, str, str]) -> None:
    shop, version, _ = shop_versions
    campaign = deploy(aws, version, name="personal")
    no_genre = make_filter(aws, shop.group_arn, "EXCLUDE ItemID WHERE Items.GENRES IN ($GENRES)", name="no-genre")
    requests = [("user-0", ("Comedy",)), ("user-1", ("Horror",)), ("user-2", ("Comedy", "Horror"))]
    lines = answered(aws, version, [{"userId": u, "filterValues": {"GENRES": quoted(*g)}} for u, g in requests]
                     + [{"userId": "user-3"}], numResults=15, filterArn=no_genre)
    for (user, excluded), line in zip(requests, lines):
        items = line["output"]["recommendedItems"]
        assert len(items) == (15 if len(excluded) == 1 else 2)  # only comedy-39 and the genre-less horror film pass both
        assert not any(holds(item, genre) for item in items for genre in excluded), (user, items)
        assert line["output"] == real_time(aws, campaign, userId=user, numResults=15, filterArn=no_genre,
                                           filterValues={"GENRES": quoted(*excluded)})
    # Without values the EXCLUDE expression drops out, as in real time.
    assert lines[3]["output"] == real_time(aws, campaign, userId="user-3", numResults=15)
    job = aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"][0]["batchInferenceJobArn"]
    assert aws.personalize.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"]["filterArn"] == no_genre


def test_bad_filter_values_fail_their_line(aws: Clients, shop_versions: tuple[Shop, str, str]) -> None:
    shop, _, version = shop_versions
    only_genre = make_filter(aws, shop.group_arn, "INCLUDE ItemID WHERE Items.GENRES IN ($GENRES)", name="only-genre")
    lines = answered(aws, version, [{"userId": "user-0"}, {"userId": "user-0", "filterValues": {"GENRES": "Comedy"}},
                                    {"userId": "user-0", "filterValues": {"GENRES": quoted("Horror")}}], filterArn=only_genre)
    assert "GENRES" in lines[0]["error"] and "GENRES" in lines[1]["error"]
    assert lines[2]["error"] is None and all(holds(item, "Horror") for item in lines[2]["output"]["recommendedItems"])


def test_filters_the_job_cannot_use(aws: Clients, shop_versions: tuple[Shop, str, str]) -> None:
    shop, _, version = shop_versions
    users_filter = make_filter(aws, shop.group_arn, 'INCLUDE UserID WHERE Users.MEMBERSHIP IN ("gold")', name="users")
    source = put_lines(aws, "in/users.json", [{"userId": "user-0"}])
    message = refused("InvalidInputException", aws, version, source, filterArn=users_filter)
    assert "filterArn" in message and "UserID" in message
    ghost = arn("filter", "ghost")
    assert ghost in refused("ResourceNotFoundException", aws, version, source, filterArn=ghost)
    assert aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"] == []


# S3 ------------------------------------------------------------------------------------------------


def test_a_folder_of_files_gives_one_output_file_each(aws: Clients, trained: Trained) -> None:
    version = trained.versions[POPULARITY]
    put_lines(aws, "in/part-1.json", [{"userId": "user-1"}, {"userId": "user-2"}])
    put_lines(aws, "in/more/part-2.json", [{"userId": "user-3"}])
    put_lines(aws, "elsewhere/part-3.json", [{"userId": "user-4"}])
    # No trailing slash: the output path is a folder all the same.
    job = run(aws, version, f"s3://{BUCKET}/in/", destination=f"s3://{BUCKET}/results", numResults=2)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    keys = sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="results/")["Contents"])
    assert keys == ["results/more/part-2.json.out", "results/part-1.json.out"]
    assert [line["input"]["userId"] for line in read_lines(aws, "results/part-1.json.out")] == ["user-1", "user-2"]
    # A path is a prefix: "in/part" reads in/part-1.json alone, as the service reads prefixes.
    job = run(aws, version, f"s3://{BUCKET}/in/part", destination=f"s3://{BUCKET}/prefixed/", name="prefixed")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert [o["Key"] for o in aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="prefixed/")["Contents"]] == ["prefixed/part-1.json.out"]


@pytest.mark.parametrize(
    "source, destination, output",
    [
        # The service's workshop: an input file at the bucket's top, its output written beside it and read back.
        ("json_input.json", "", "json_input.json.out"),
        ("in/", "in/", "in/users.json.out"),
        ("in/", "in", "in/users.json.out"),
        ("in/", "in/out/", "in/out/users.json.out"),
        ("in/users.json", "in/users.json/", "in/users.json/users.json.out"),
    ],
)
def test_output_beside_the_input_is_never_read_as_input(aws: Clients, trained: Trained, source: str, destination: str, output: str) -> None:
    version = trained.versions[POPULARITY]
    given = "json_input.json" if source == "json_input.json" else "in/users.json"
    put_lines(aws, given, [{"userId": "user-1"}, {"userId": "user-2"}])
    # Run twice: the second job reads the same input, not the first one's output.
    for name in ("first", "again"):
        job = run(aws, version, f"s3://{BUCKET}/{source}", destination=f"s3://{BUCKET}/{destination}", name=name, numResults=2)
        assert job["status"] == "ACTIVE", job.get("failureReason")
        assert [line["input"] for line in read_lines(aws, output)] == [{"userId": "user-1"}, {"userId": "user-2"}]
    assert sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == sorted([given, output])
    # An output file named exactly is input like any other.
    job = run(aws, version, f"s3://{BUCKET}/{output}", destination=f"s3://{BUCKET}/reread/", name="reread", numResults=2)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert len(read_lines(aws, f"reread/{output.rsplit('/', 1)[-1]}.out")) == 2


def test_a_folder_of_outputs_alone_is_no_input(aws: Clients, trained: Trained) -> None:
    version = trained.versions[POPULARITY]
    put_lines(aws, "answers/users.json.out", [{"userId": "user-1"}])
    job = run(aws, version, f"s3://{BUCKET}/answers/")
    assert job["status"] == "CREATE FAILED"
    assert "Invalid S3 input path" in job["failureReason"] and ".out" in job["failureReason"]


@pytest.mark.parametrize(
    "source, destination, expected",
    [
        (f"s3://{BUCKET}/in/missing.json", f"s3://{BUCKET}/out/", "Invalid S3 input path"),
        ("s3://no-such-bucket/in/users.json", f"s3://{BUCKET}/out/", "Invalid S3 input path"),
        (f"s3://{BUCKET}/in/users.json", "s3://no-such-bucket/out/", "Invalid S3 output path"),
        (f"s3://{BUCKET}/in/latin1.json", f"s3://{BUCKET}/out/", "not UTF-8"),
    ],
)
def test_unreadable_input_or_missing_bucket_fails_the_job(aws: Clients, trained: Trained, source: str, destination: str, expected: str) -> None:
    version = trained.versions[POPULARITY]
    put_lines(aws, "in/users.json", [{"userId": "user-1"}])
    aws.s3.put_object(Bucket=BUCKET, Key="in/latin1.json", Body='{"userId": "Zoë"}\n'.encode("latin-1"))
    job = run(aws, version, source, destination=destination)
    assert job["status"] == "CREATE FAILED"
    assert expected in job["failureReason"]
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")


def test_output_bucket_deleted_while_the_job_runs(manual: Clients) -> None:
    c = manual
    group = loaded_group(c, rows=interactions(users=70))
    version = active_version(c, group.dataset_group_arn, name="popular", recipe=POPULARITY)
    c.s3.create_bucket(Bucket="short-lived")
    job_arn = create_job(c, version, put_lines(c, "in/users.json", [{"userId": "user-1"}]), destination="s3://short-lived/out/")
    c.s3.delete_bucket(Bucket="short-lived")
    job = wait(lambda: c.personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn)["batchInferenceJob"])
    assert job["status"] == "CREATE FAILED" and "Invalid S3 output path" in job["failureReason"]


# Control plane -------------------------------------------------------------------------------------


def test_statuses_and_output_land_together(manual: Clients) -> None:
    c = manual
    group = loaded_group(c, rows=interactions(users=70))
    version = active_version(c, group.dataset_group_arn, name="popular", recipe=POPULARITY)
    job_arn = create_job(c, version, put_lines(c, "in/users.json", [{"userId": "user-1"}]), tags=[{"tagKey": "team", "tagValue": "growth"}])
    seen = []
    while not seen or seen[-1] not in ("ACTIVE", "CREATE FAILED"):
        seen.append(c.personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn)["batchInferenceJob"]["status"])
        if seen[-1] != "ACTIVE":
            assert "Contents" not in c.s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")
    assert list(dict.fromkeys(seen)) == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert len(read_lines(c, "out/users.json.out")) == 1
    assert c.personalize.list_tags_for_resource(resourceArn=job_arn)["tags"] == [{"tagKey": "team", "tagValue": "growth"}]


def test_describe_and_list(aws: Clients, trained: Trained) -> None:
    p = aws.personalize
    popular = trained.versions[POPULARITY]
    sims = trained.versions[SIMS]
    source = put_lines(aws, "in/users.json", [{"userId": "user-1"}, {"itemId": "comedy-1"}])
    kms = "arn:aws:kms:us-east-1:123456789012:key/abc"
    job_input = {"s3DataSource": {"path": source, "kmsKeyArn": kms}}
    first = p.create_batch_inference_job(jobName="first", solutionVersionArn=popular, jobInput=job_input, roleArn=ROLE_ARN,
                                         jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/first/"}})["batchInferenceJobArn"]
    second = create_job(aws, sims, source, destination=f"s3://{BUCKET}/second/", name="second")
    third = create_job(aws, popular, source, destination=f"s3://{BUCKET}/third/", name="third", numResults=3)
    job = wait(lambda: p.describe_batch_inference_job(batchInferenceJobArn=first)["batchInferenceJob"])
    assert job["batchInferenceJobArn"] == first == arn("batch-inference-job", "first")
    assert job["jobName"] == "first" and job["solutionVersionArn"] == popular and job["roleArn"] == ROLE_ARN
    assert job["jobInput"] == job_input and job["jobOutput"] == {"s3DataDestination": {"path": f"s3://{BUCKET}/first/"}}
    assert job["numResults"] == 25 and job["batchInferenceJobMode"] == "BATCH_INFERENCE" and job["status"] == "ACTIVE"
    assert "failureReason" not in job and "filterArn" not in job
    assert job["creationDateTime"] <= job["lastUpdatedDateTime"]
    listed = p.list_batch_inference_jobs()["batchInferenceJobs"]
    assert [j["batchInferenceJobArn"] for j in listed] == [third, second, first]  # newest first
    assert set(listed[0]) == {"batchInferenceJobArn", "jobName", "status", "creationDateTime", "lastUpdatedDateTime",
                              "solutionVersionArn", "batchInferenceJobMode"}
    assert [j["jobName"] for j in p.list_batch_inference_jobs(solutionVersionArn=popular)["batchInferenceJobs"]] == ["third", "first"]
    page = p.list_batch_inference_jobs(maxResults=2)
    assert len(page["batchInferenceJobs"]) == 2
    assert [j["jobName"] for j in p.list_batch_inference_jobs(nextToken=page["nextToken"])["batchInferenceJobs"]] == ["first"]
    # Each line by its own recipe's members: the popularity job answers both, sims only the itemId (once the job is
    # done: the first's end says nothing of the second's).
    wait(lambda: p.describe_batch_inference_job(batchInferenceJobArn=second)["batchInferenceJob"])
    assert [line["error"] is None for line in read_lines(aws, "second/users.json.out")] == [False, True]
    message = refused("ResourceAlreadyExistsException", aws, popular, source, destination=f"s3://{BUCKET}/again/", name="first")
    assert first in message


def test_create_errors(aws: Clients, trained: Trained) -> None:
    popular = trained.versions[POPULARITY]
    source = put_lines(aws, "in/users.json", [{"userId": "user-1"}])
    for n in (0, 501):
        assert "numResults" in refused("InvalidInputException", aws, popular, source, numResults=n)
    assert "jobInput.s3DataSource.path" in refused("InvalidInputException", aws, popular, "https://example.com/users.json")
    ghost = arn("solution-version", "ghost/1")
    assert ghost in refused("ResourceNotFoundException", aws, ghost, source)
    exploration = {"itemExplorationConfig": {"explorationWeight": "0.5"}}
    message = refused("InvalidInputException", aws, popular, source, batchInferenceJobConfig=exploration)
    assert "batchInferenceJobConfig.itemExplorationConfig" in message and "aws-user-personalization" in message
    assert "batchInferenceJobConfig.rankingInfluence" in refused("InvalidInputException", aws, popular, source,
                                                               batchInferenceJobConfig={"rankingInfluence": {"POPULARITY": 0.5}})
    theme = {"fieldsForThemeGeneration": {"itemName": "TITLE"}}
    assert "aws-similar-items" in refused("InvalidInputException", aws, popular, source,
                                        batchInferenceJobMode="THEME_GENERATION", themeGenerationConfig=theme)
    assert "THEME_GENERATION" in refused("InvalidInputException", aws, popular, source, themeGenerationConfig=theme)
    assert aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"] == []


# themed-batch-recommendations.md: Similar-Items, and an Items dataset with a textual field and a name column.
ITEMS_WITH_NAMES = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TITLE", "type": ["null", "string"]},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True},
    ],
)
# A group's titles share a word no other group's have, but for its last two; every title has a word of its own too.
GROUP_WORDS = ("Pirate", "Robot", "Wizard", "Detective", "Cowboy")
TITLE_WORDS = ("Gold", "Storm", "Night", "Legacy", "Returns", "Island", "Promise", "Echoes")


def titled_rows() -> list[dict[str, object]]:
    rows = item_rows()
    for row in rows:
        group, _, k = str(row["ITEM_ID"]).partition("-")
        named = group.startswith("g") and k.isdigit()
        if not named:
            row["TITLE"] = str(row["ITEM_ID"]).title()
        else:
            row["TITLE"] = f"The {GROUP_WORDS[int(group[1:])]} {TITLE_WORDS[int(k)]}" if int(k) < 6 else f"{TITLE_WORDS[int(k)]} Tonight"
    return rows


def themed_version(c: Clients) -> str:
    group = loaded_group(c, rows=co_watched_rows())
    p = c.personalize
    schema = p.create_schema(name="items-named", schema=ITEMS_WITH_NAMES)["schemaArn"]
    dataset = p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    job = import_csv(c, dataset, to_csv(titled_rows(), ["ITEM_ID", "TITLE", "GENRES", "DESCRIPTION"]), key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return active_version(c, group.dataset_group_arn, name="similar", recipe=SIMILAR_ITEMS)


THEMES = {"batchInferenceJobMode": "THEME_GENERATION", "themeGenerationConfig": {"fieldsForThemeGeneration": {"itemName": "TITLE"}}}


def test_themes_come_from_the_similar_items_names(aws: Clients, from_snapshot: Restore) -> None:
    version = from_snapshot(themed_version)
    rows = {row["ITEM_ID"]: row for row in titled_rows()}
    queries = [{"itemId": "g0-0"}, {"itemId": "g3-2"}, {"userId": "nobody"}]
    lines = answered(aws, version, queries, key="items.json", name="themed", numResults=7, **THEMES)
    assert len(lines) == 3 and lines[2]["error"].startswith("User error:") and "itemId" in lines[2]["error"]
    for line, group in zip(lines[:2], (0, 3)):
        output = line["output"]
        assert line["error"] is None and set(output) == {"recommendedItems", "theme", "itemsThemeRelevanceScores"}
        items, scores = output["recommendedItems"], output["itemsThemeRelevanceScores"]
        assert len(items) == len(scores) == 7 and line["input"]["itemId"] not in items
        # The similar items themselves, ranked by relevance to the theme.
        plain = answered(aws, version, [line["input"]], key=f"plain-{group}.json", name=f"plain-{group}", numResults=7)
        assert sorted(items) == sorted(plain[0]["output"]["recommendedItems"])
        assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
        # Extractive: every word of the theme is in the recommended items' names or their genres.
        words = {w for item in items for w in f"{rows[item]['TITLE']} {rows[item]['GENRES']}".replace("|", " ").split()}
        theme = output["theme"]
        assert set(theme.replace(",", " ").replace("&", " ").replace(":", " ").split()) <= words
        assert GROUP_WORDS[group] in theme and f"genre-{group}" in theme
        # The items whose names carry the theme's word relate to it more than the others.
        named = [GROUP_WORDS[group] in str(rows[item]["TITLE"]) for item in items]
        assert named == sorted(named, reverse=True) and not all(named)
        assert scores[named.index(False)] < scores[0]
    listed = {job["jobName"]: job for job in aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"]}
    assert listed["plain-0"]["batchInferenceJobMode"] == "BATCH_INFERENCE"
    described = aws.personalize.describe_batch_inference_job(batchInferenceJobArn=arn("batch-inference-job", "themed"))["batchInferenceJob"]
    assert listed["themed"]["batchInferenceJobMode"] == described["batchInferenceJobMode"] == "THEME_GENERATION"
    assert described["themeGenerationConfig"] == THEMES["themeGenerationConfig"]
    # The same data, the same themes.
    again = answered(aws, version, queries, key="again.json", name="again", numResults=7, **THEMES)
    assert again == lines


def test_theme_generation_rules(aws: Clients, from_snapshot: Restore) -> None:
    version = from_snapshot(themed_version)
    source = put_lines(aws, "in/items.json", [{"itemId": "g0-0"}])
    themes = {"batchInferenceJobMode": "THEME_GENERATION"}
    assert "themeGenerationConfig" in refused("InvalidInputException", aws, version, source, **themes)
    for column in ("NAME", "ITEM_ID_TYPO"):
        message = refused("InvalidInputException", aws, version, source, **themes,
                          themeGenerationConfig={"fieldsForThemeGeneration": {"itemName": column}})
        assert "themeGenerationConfig.fieldsForThemeGeneration.itemName" in message and column in message
    # Up to 100 items a file.
    many = put_lines(aws, "in/many.json", [{"itemId": f"g0-{k % 8}"} for k in range(101)])
    job = run(aws, version, many, **THEMES)
    assert job["status"] == "CREATE FAILED" and "100" in job["failureReason"]
    assert run(aws, version, source, name="fine", **THEMES)["status"] == "ACTIVE"


def test_theme_generation_needs_a_textual_field(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    p = aws.personalize
    schema = p.create_schema(name="items-plain", schema=avro("Items", [
        {"name": "ITEM_ID", "type": "string"}, {"name": "TITLE", "type": ["null", "string"]},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True}]))["schemaArn"]
    dataset = p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    job = import_csv(aws, dataset, to_csv(titled_rows(), ["ITEM_ID", "TITLE", "GENRES"]), key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    version = active_version(aws, group.dataset_group_arn, name="similar", recipe=SIMILAR_ITEMS)
    source = put_lines(aws, "in/items.json", [{"itemId": "g0-0"}])
    assert "textual" in refused("InvalidInputException", aws, version, source, **THEMES)
    assert aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"] == []


def test_exploration_values_are_checked(aws: Clients, trained: Trained) -> None:
    version = trained.versions[USER_PERSONALIZATION]
    source = put_lines(aws, "in/users.json", [{"userId": "user-1"}])
    message = refused("InvalidInputException", aws, version, source,
                    batchInferenceJobConfig={"itemExplorationConfig": {"explorationWeight": "2"}})
    assert "batchInferenceJobConfig.itemExplorationConfig.explorationWeight" in message


@pytest.mark.parametrize("recipe, instead", [(TRENDING_NOW, "GetRecommendations"), (ITEM_AFFINITY, "CreateBatchSegmentJob")])
def test_recipes_without_batch_inference(aws: Clients, trained: Trained, recipe: str, instead: str) -> None:
    version = trained.versions[recipe]
    source = put_lines(aws, "in/users.json", [{"userId": "user-1"}])
    message = refused("InvalidInputException", aws, version, source)
    assert instead in message and "solutionVersionArn" in message


def test_running_jobs_quota(manual: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_RUNNING_BATCH_INFERENCE_JOBS", "2")
    c = manual
    group = loaded_group(c, rows=interactions(users=70))
    version = active_version(c, group.dataset_group_arn, name="popular", recipe=POPULARITY)
    source = put_lines(c, "in/users.json", [{"userId": "user-1"}])
    first = create_job(c, version, source, destination=f"s3://{BUCKET}/a/", name="a")
    create_job(c, version, source, destination=f"s3://{BUCKET}/b/", name="b")
    assert "2" in refused("LimitExceededException", c, version, source, destination=f"s3://{BUCKET}/c/", name="c")
    wait(lambda: c.personalize.describe_batch_inference_job(batchInferenceJobArn=first)["batchInferenceJob"])
    create_job(c, version, source, destination=f"s3://{BUCKET}/c/", name="c")


def test_not_active_version_is_refused(manual: Clients) -> None:
    c = manual
    group = loaded_group(c, rows=interactions(users=70))
    p = c.personalize
    solution = p.create_solution(name="popular", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    source = put_lines(c, "in/users.json", [{"userId": "user-1"}])
    assert version in refused("ResourceInUseException", c, version, source)


def test_over_http(remote: Clients) -> None:
    """Against the server: the job reads and writes the S3 that moto serves on the same port."""
    group = loaded_group(remote, rows=interactions(users=70))
    version = active_version(remote, group.dataset_group_arn, name="popular", recipe=POPULARITY)
    campaign = deploy(remote, version)
    lines = answered(remote, version, [{"userId": "user-1"}], numResults=5)
    assert lines[0]["output"] == real_time(remote, campaign, numResults=5)
