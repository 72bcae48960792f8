"""Solutions, solution versions (training, its minimum data and filters) and GetSolutionMetrics."""
from __future__ import annotations

import pytest

from .conftest import Clients, avro
from .datagen import START, to_csv
from .helpers import METRICS, SMALL_USERS, active_version, arn, fails, loaded_group, new_group, padded, rows_for, small_rows, top_items
from .workflow import (
    PERSONALIZED_RANKING_V2,
    POPULARITY,
    USER_PERSONALIZATION,
    USER_PERSONALIZATION_V2,
    create_group,
    deploy,
    import_csv,
    recommended,
    train,
    wait,
)

VALUED_SCHEMA = avro(
    "Interactions",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "EVENT_VALUE", "type": ["null", "float"]},
        {"name": "TIMESTAMP", "type": "long"},
    ],
)


def make_solution(c: Clients, group_arn: str, name: str = "solution", recipe: str = POPULARITY, **options: object) -> str:
    p = c.personalize
    solution_arn = p.create_solution(name=name, datasetGroupArn=group_arn, recipeArn=recipe, **options)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution_arn)["solution"])
    return solution_arn


def new_version(c: Clients, solution_arn: str, **options: object) -> dict:
    p = c.personalize
    version_arn = p.create_solution_version(solutionArn=solution_arn, **options)["solutionVersionArn"]
    return wait(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])


# Solutions ---------------------------------------------------------------------------------------


def test_create_describe_list_delete(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    created = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=USER_PERSONALIZATION, eventType="watch")
    assert created["solutionArn"] == arn("solution", "sol")
    solution = wait(lambda: p.describe_solution(solutionArn=created["solutionArn"])["solution"])
    assert solution["status"] == "ACTIVE"
    assert solution["name"] == "sol"
    assert solution["solutionArn"] == created["solutionArn"]
    assert solution["recipeArn"] == USER_PERSONALIZATION
    assert solution["datasetGroupArn"] == group_arn
    assert solution["eventType"] == "watch"
    assert solution["performHPO"] is False
    assert solution["solutionConfig"] == {}
    assert "latestSolutionVersion" not in solution

    other_group = new_group(aws, "other")
    make_solution(aws, other_group, "elsewhere")
    listed = p.list_solutions(datasetGroupArn=group_arn)["solutions"]
    assert [(s["name"], s["solutionArn"], s["status"], s["recipeArn"]) for s in listed] == [
        ("sol", created["solutionArn"], "ACTIVE", USER_PERSONALIZATION)
    ]
    assert len(p.list_solutions()["solutions"]) == 2
    page = p.list_solutions(maxResults=1)
    assert len(page["solutions"]) == 1 and page["nextToken"]
    assert "zzz" in fails("InvalidNextTokenException", p.list_solutions, nextToken="zzz")

    p.delete_solution(solutionArn=created["solutionArn"])
    message = fails("ResourceNotFoundException", p.describe_solution, solutionArn=created["solutionArn"])
    assert message == f"Resource Arn {created['solutionArn']} does not exist."
    assert p.list_solutions(datasetGroupArn=group_arn)["solutions"] == []


def test_create_errors(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    unknown_recipe = "arn:aws:personalize:::recipe/aws-mind-reader"
    message = fails("ResourceNotFoundException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=unknown_recipe)
    assert unknown_recipe in message
    # AutoML picks the recipe itself: no recipeArn with it.
    message = fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, performAutoML=True, recipeArn=POPULARITY)
    assert "'recipeArn'" in message and "performAutoML" in message
    legacy = "arn:aws:personalize:::recipe/aws-hrnn"
    assert "legacy" in fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=legacy)
    # A domain use case backs a recommender, not a solution.
    use_case = "arn:aws:personalize:::recipe/aws-vod-top-picks"
    assert "recommender" in fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=use_case)

    ghost = arn("dataset-group", "ghost")
    assert ghost in fails("ResourceNotFoundException", p.create_solution, name="s", datasetGroupArn=ghost, recipeArn=POPULARITY)

    assert "'name'" in fails("InvalidInputException", p.create_solution, name="a b", datasetGroupArn=group_arn, recipeArn=POPULARITY)
    message = fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn="recipe/aws-sims")
    assert "'recipeArn'" in message
    message = fails(
        "InvalidInputException", p.create_solution,
        name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY, solutionConfig={"eventValueThreshold": "high"},
    )
    assert "eventValueThreshold" in message
    assert p.list_solutions()["solutions"] == []

    solution_arn = make_solution(aws, group_arn, "once")
    assert solution_arn in fails("ResourceAlreadyExistsException", p.create_solution, name="once", datasetGroupArn=group_arn, recipeArn=POPULARITY)


# Hyperparameters: checked against the recipe page's table when the solution is created ----------

HYPERPARAMETERS = "solutionConfig.algorithmHyperParameters"
HPO_RANGES = "solutionConfig.hpoConfig.algorithmHyperParameterRanges"


def hpo(**ranges: list[dict]) -> dict:
    return {"hpoConfig": {"algorithmHyperParameterRanges": ranges}}


@pytest.mark.parametrize(
    "recipe, config, member, allowed",
    [
        # Unknown names, including the emulator's former epochs, and any for a recipe that has none.
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"epochs": "5"}}, f"{HYPERPARAMETERS}.epochs", "bptt, hidden_dimension"),
        (POPULARITY, {"algorithmHyperParameters": {"hidden_dimension": "64"}}, f"{HYPERPARAMETERS}.hidden_dimension", "takes none"),
        (
            USER_PERSONALIZATION, {"featureTransformationParameters": {"max_user_history_length_percentile": "0.9"}},
            "solutionConfig.featureTransformationParameters.max_user_history_length_percentile", "takes none",
        ),
        # The v2 recipe has its own table: one switch instead of the v1 sequence settings.
        (USER_PERSONALIZATION_V2, {"algorithmHyperParameters": {"bptt": "8"}}, f"{HYPERPARAMETERS}.bptt", "apply_recency_bias"),
        (
            USER_PERSONALIZATION_V2, {"algorithmHyperParameters": {"apply_recency_bias": "often"}},
            f"{HYPERPARAMETERS}.apply_recency_bias", "true or false",
        ),
        # Out of range.
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"hidden_dimension": "16"}}, f"{HYPERPARAMETERS}.hidden_dimension", "[32, 256]"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"hidden_dimension": "300"}}, f"{HYPERPARAMETERS}.hidden_dimension", "[32, 256]"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"bptt": "1"}}, f"{HYPERPARAMETERS}.bptt", "[2, 32]"),
        (
            USER_PERSONALIZATION, {"algorithmHyperParameters": {"max_user_history_length_percentile": "1.5"}},
            f"{HYPERPARAMETERS}.max_user_history_length_percentile", "[0.0, 1.0]",
        ),
        # Of the wrong type.
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"hidden_dimension": "64.5"}}, f"{HYPERPARAMETERS}.hidden_dimension", "an integer"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"bptt": "many"}}, f"{HYPERPARAMETERS}.bptt", "an integer"),
        (USER_PERSONALIZATION, {"algorithmHyperParameters": {"recency_mask": "yes"}}, f"{HYPERPARAMETERS}.recency_mask", "true or false"),
        (
            USER_PERSONALIZATION, {"algorithmHyperParameters": {"min_user_history_length_percentile": "nan"}},
            f"{HYPERPARAMETERS}.min_user_history_length_percentile", "a number",
        ),
        # HPO ranges: tunable hyperparameters of the recipe only, in the list of their type, within their range.
        (
            USER_PERSONALIZATION, hpo(integerHyperParameterRanges=[{"name": "epochs", "minValue": 1, "maxValue": 5}]),
            f"{HPO_RANGES}.integerHyperParameterRanges.1.member.name", "bptt, hidden_dimension, recency_mask",
        ),
        (
            USER_PERSONALIZATION,
            hpo(continuousHyperParameterRanges=[{"name": "min_user_history_length_percentile", "minValue": 0.0, "maxValue": 0.1}]),
            f"{HPO_RANGES}.continuousHyperParameterRanges.1.member.name", "bptt, hidden_dimension, recency_mask",
        ),
        (
            USER_PERSONALIZATION, hpo(continuousHyperParameterRanges=[{"name": "bptt", "minValue": 2.0, "maxValue": 8.0}]),
            f"{HPO_RANGES}.continuousHyperParameterRanges.1.member.name", "integerHyperParameterRanges",
        ),
        (
            USER_PERSONALIZATION,
            hpo(integerHyperParameterRanges=[
                {"name": "bptt", "minValue": 2, "maxValue": 8},
                {"name": "hidden_dimension", "minValue": 16, "maxValue": 128},
            ]),
            f"{HPO_RANGES}.integerHyperParameterRanges.2.member", "[32, 256]",
        ),
        (
            USER_PERSONALIZATION, hpo(integerHyperParameterRanges=[{"name": "bptt", "minValue": 20, "maxValue": 10}]),
            f"{HPO_RANGES}.integerHyperParameterRanges.1.member", "[2, 32]",
        ),
        (
            USER_PERSONALIZATION, hpo(categoricalHyperParameterRanges=[{"name": "recency_mask", "values": ["true", "maybe"]}]),
            f"{HPO_RANGES}.categoricalHyperParameterRanges.1.member", "true or false",
        ),
    ],
)
def test_create_refuses_hyperparameters_off_the_recipe_table(aws: Clients, recipe: str, config: dict, member: str, allowed: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    message = fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=recipe, solutionConfig=config)
    assert f"'{member}'" in message and allowed in message
    assert p.list_solutions()["solutions"] == []


def test_hyperparameters_within_the_recipe_table_train(aws: Clients) -> None:
    group = loaded_group(aws)
    # The guide's HPO example (customizing-solution-config-hpo.md), with every other hyperparameter set too.
    config = {
        "algorithmHyperParameters": {
            "hidden_dimension": "55",
            "bptt": "2",
            "recency_mask": "FALSE",
            "min_user_history_length_percentile": "0",
            "max_user_history_length_percentile": "1.0",
        },
        "hpoConfig": {
            "algorithmHyperParameterRanges": {
                "categoricalHyperParameterRanges": [{"name": "recency_mask", "values": ["true", "false"]}],
                "integerHyperParameterRanges": [{"name": "bptt", "minValue": 2, "maxValue": 22}],
                "continuousHyperParameterRanges": [],
            },
            "hpoResourceConfig": {"maxNumberOfTrainingJobs": "4", "maxParallelTrainingJobs": "2"},
        },
    }
    version = train(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION, performHPO=True, solutionConfig=config)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["solutionConfig"] == config


def test_user_personalization_v2_trains_with_its_own_hyperparameters(aws: Clients) -> None:
    group = loaded_group(aws)
    config = {"algorithmHyperParameters": {"apply_recency_bias": "false"}}
    version = train(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION_V2, solutionConfig=config)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["recipeArn"] == USER_PERSONALIZATION_V2
    assert set(aws.personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]) == METRICS
    items = aws.runtime.get_recommendations(campaignArn=deploy(aws, version["solutionVersionArn"]), userId="user-0")["itemList"]
    assert len(items) == 25 and all(i["score"] > 0 for i in items)


def test_personalized_ranking_v2_trains_and_ranks(aws: Clients) -> None:
    group = loaded_group(aws)
    version = train(aws, group.dataset_group_arn, name="ranking-v2", recipe=PERSONALIZED_RANKING_V2)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(aws, version["solutionVersionArn"], name="ranking-v2")
    candidates = ["comedy-1", "horror-1", "unknown-1"]
    ranked = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId="user-0", inputList=candidates)["personalizedRanking"]
    assert sorted(r["itemId"] for r in ranked) == sorted(candidates) and ranked[-1] == {"itemId": "unknown-1"}


# Versions ----------------------------------------------------------------------------------------


def test_user_personalization_version(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = make_solution(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION)
    version = new_version(aws, solution_arn)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["solutionVersionArn"].startswith(solution_arn + "/")
    assert version["solutionArn"] == solution_arn
    assert version["recipeArn"] == USER_PERSONALIZATION
    assert version["datasetGroupArn"] == group.dataset_group_arn
    assert version["trainingMode"] == "FULL"
    assert version["solutionConfig"] == {}
    assert "failureReason" not in version
    assert version["trainingHours"] >= 0

    latest = p.describe_solution(solutionArn=solution_arn)["solution"]["latestSolutionVersion"]
    assert latest["solutionVersionArn"] == version["solutionVersionArn"] and latest["status"] == "ACTIVE"

    second = new_version(aws, solution_arn, name="second")
    listed = p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    assert {v["solutionVersionArn"] for v in listed} == {version["solutionVersionArn"], second["solutionVersionArn"]}
    assert all(v["status"] == "ACTIVE" for v in listed)
    assert p.describe_solution(solutionArn=solution_arn)["solution"]["latestSolutionVersion"]["solutionVersionArn"] == second["solutionVersionArn"]


def test_popularity_ranks_the_most_interacted_items_first(aws: Clients) -> None:
    base = [r for r in small_rows() if not str(r["ITEM_ID"]).endswith("-0")]
    # hit-a is watched by every user, hit-b by 60 of them, hit-c by 50; nothing else comes near.
    rows = base + rows_for("hit-a", range(SMALL_USERS)) + rows_for("hit-b", range(60)) + rows_for("hit-c", range(50))
    group = loaded_group(aws, rows=rows)
    version = active_version(aws, group.dataset_group_arn, recipe=POPULARITY)
    campaign = deploy(aws, version)
    for user in ("user-0", "user-1", "somebody-new"):
        items = aws.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=5)["itemList"]
        assert [i["itemId"] for i in items[:3]] == ["hit-a", "hit-b", "hit-c"]


def test_fewer_than_1000_interactions_fails_the_version(aws: Clients) -> None:
    # 1000 imported, but only 999 of the solution's event type.
    rows = small_rows()[:1000]
    rows[0] = {**rows[0], "EVENT_TYPE": "click"}
    group = loaded_group(aws, rows=rows)
    version = train(aws, group.dataset_group_arn, eventType="watch")
    assert version["status"] == "CREATE FAILED"
    assert "fewer than 1000 interactions after filtering by event type: watch" in version["failureReason"]


def test_fewer_than_25_users_with_two_interactions_fails_the_version(aws: Clients) -> None:
    # 24 users with 40 interactions each, then 200 users with a single one: 1160 in all.
    rows = [
        {"USER_ID": f"user-{u}", "ITEM_ID": f"item-{k}", "EVENT_TYPE": "watch", "TIMESTAMP": START + u * 100 + k}
        for u in range(24)
        for k in range(40)
    ] + [{"USER_ID": f"once-{u}", "ITEM_ID": "item-0", "EVENT_TYPE": "watch", "TIMESTAMP": START + u} for u in range(200)]
    assert len(rows) >= 1000
    group = loaded_group(aws, rows=rows)
    version = train(aws, group.dataset_group_arn, recipe=POPULARITY)
    assert version["status"] == "CREATE FAILED"
    assert "25" in version["failureReason"] and "users" in version["failureReason"]


def test_no_interactions_dataset(aws: Clients) -> None:
    group_arn = new_group(aws, "empty")
    solution_arn = make_solution(aws, group_arn)
    message = fails("InvalidInputException", aws.personalize.create_solution_version, solutionArn=solution_arn)
    assert group_arn in message


def test_event_type_limits_training_to_that_type(aws: Clients) -> None:
    clicks = rows_for("clicked", range(40), event_type="click")
    group = loaded_group(aws, rows=small_rows() + clicks)
    # Too few clicks to train on, though plenty of watches.
    version = train(aws, group.dataset_group_arn, name="clicks-only", recipe=POPULARITY, eventType="click")
    assert version["status"] == "CREATE FAILED"
    assert "1000" in version["failureReason"]
    assert version["eventType"] == "click"
    # Without the filter, the same data trains.
    assert active_version(aws, group.dataset_group_arn, name="everything")


def test_event_type_recommendations_reflect_only_that_type(aws: Clients) -> None:
    watches = small_rows()
    clicks = [{**r, "ITEM_ID": f"clicked-{r['ITEM_ID']}", "EVENT_TYPE": "click"} for r in watches]
    group = loaded_group(aws, rows=watches + clicks)
    assert all(item.startswith("clicked-") for item in top_items(aws, group.dataset_group_arn, "clicks", eventType="click"))
    assert not any(item.startswith("clicked-") for item in top_items(aws, group.dataset_group_arn, "watches", eventType="watch"))


def test_event_value_threshold_filters_training_data(aws: Clients) -> None:
    low = [{**r, "EVENT_VALUE": 1.0} for r in small_rows()]
    high = [{**r, "ITEM_ID": f"loved-{r['ITEM_ID']}", "EVENT_VALUE": 4.5} for r in small_rows(seed=11)]
    group = create_group(aws, schema=VALUED_SCHEMA)
    columns = ["USER_ID", "ITEM_ID", "EVENT_TYPE", "EVENT_VALUE", "TIMESTAMP"]  # the schema's order
    assert import_csv(aws, group.dataset_arn, to_csv(low + high, columns))["status"] == "ACTIVE"

    config = {"eventValueThreshold": "4"}
    top = top_items(aws, group.dataset_group_arn, "loved", solutionConfig=config)
    assert all(item.startswith("loved-") for item in top)
    solution = aws.personalize.list_solutions()["solutions"][0]["solutionArn"]
    assert aws.personalize.describe_solution(solutionArn=solution)["solution"]["solutionConfig"]["eventValueThreshold"] == "4"

    # Above every value, nothing is left to train on.
    version = train(aws, group.dataset_group_arn, name="nothing", recipe=POPULARITY, solutionConfig={"eventValueThreshold": "5"})
    assert version["status"] == "CREATE FAILED" and "1000" in version["failureReason"]


def test_training_mode_update_rules(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)

    popular = make_solution(aws, group.dataset_group_arn, "popular", recipe=POPULARITY)
    new_version(aws, popular)
    message = fails("InvalidInputException", p.create_solution_version, solutionArn=popular, trainingMode="UPDATE")
    assert "UPDATE" in message and POPULARITY in message

    personal = make_solution(aws, group.dataset_group_arn, "personal", recipe=USER_PERSONALIZATION)
    message = fails("InvalidInputException", p.create_solution_version, solutionArn=personal, trainingMode="UPDATE")
    assert "UPDATE" in message and personal in message

    full = new_version(aws, personal)
    assert full["status"] == "ACTIVE" and full["trainingMode"] == "FULL"
    update = new_version(aws, personal, trainingMode="UPDATE")
    assert update["status"] == "ACTIVE", update.get("failureReason")
    assert update["trainingMode"] == "UPDATE"
    modes = {v["solutionVersionArn"]: v["trainingMode"] for v in p.list_solution_versions(solutionArn=personal)["solutionVersions"]}
    assert modes == {full["solutionVersionArn"]: "FULL", update["solutionVersionArn"]: "UPDATE"}

    assert "'trainingMode'" in fails("InvalidInputException", p.create_solution_version, solutionArn=personal, trainingMode="PARTIAL")


def test_training_mode_update_needs_an_active_full_version(aws: Clients) -> None:
    p = aws.personalize
    # Its only FULL version fails: 999 of the 1000 interactions are of the solution's event type.
    rows = small_rows()[:1000]
    rows[0] = {**rows[0], "EVENT_TYPE": "click"}
    group = loaded_group(aws, rows=rows)
    solution_arn = make_solution(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION, eventType="watch")
    full = new_version(aws, solution_arn)
    assert full["status"] == "CREATE FAILED" and full["trainingMode"] == "FULL"
    message = fails("InvalidInputException", p.create_solution_version, solutionArn=solution_arn, trainingMode="UPDATE")
    assert "trainingMode" in message and "FULL" in message and solution_arn in message
    versions = p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [full["solutionVersionArn"]]


def test_delete_solution_in_use_by_a_campaign(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    version_arn = active_version(aws, group.dataset_group_arn)
    solution_arn = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["solutionArn"]
    campaign_arn = deploy(aws, version_arn)

    message = fails("ResourceInUseException", p.delete_solution, solutionArn=solution_arn)
    assert solution_arn in message and campaign_arn in message
    assert p.describe_solution(solutionArn=solution_arn)["solution"]["status"] == "ACTIVE"

    p.delete_campaign(campaignArn=campaign_arn)
    # Until a describe finds the campaign gone, it is still being deleted (the service's cleanup samples wait so).
    assert campaign_arn in fails("ResourceInUseException", p.delete_solution, solutionArn=solution_arn)
    fails("ResourceNotFoundException", p.describe_campaign, campaignArn=campaign_arn)
    p.delete_solution(solutionArn=solution_arn)
    fails("ResourceNotFoundException", p.describe_solution, solutionArn=solution_arn)
    fails("ResourceNotFoundException", p.describe_solution_version, solutionVersionArn=version_arn)


# Metrics -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("recipe", [USER_PERSONALIZATION, POPULARITY])
def test_solution_metrics(aws: Clients, recipe: str) -> None:
    group = loaded_group(aws)
    version_arn = active_version(aws, group.dataset_group_arn, recipe=recipe)
    response = aws.personalize.get_solution_metrics(solutionVersionArn=version_arn)
    assert response["solutionVersionArn"] == version_arn
    assert set(response["metrics"]) == METRICS
    assert all(0.0 <= value <= 1.0 for value in response["metrics"].values())
    assert response["metrics"]["coverage"] > 0


def test_a_version_needs_an_interactions_dataset(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "empty")
    solution_arn = make_solution(aws, group_arn, "nothing-to-learn")
    assert group_arn in fails("InvalidInputException", p.create_solution_version, solutionArn=solution_arn)
    # Nothing half-made stays behind.
    assert p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"] == []
    assert "latestSolutionVersion" not in p.describe_solution(solutionArn=solution_arn)["solution"]


def test_an_update_folds_new_items_and_interactions_into_the_model(aws: Clients) -> None:
    """trainingMode UPDATE: new items and interactions reach the answers, and the version keeps its base's metrics."""
    p = aws.personalize
    group = loaded_group(aws)
    personal = make_solution(aws, group.dataset_group_arn, "personal", recipe=USER_PERSONALIZATION)
    full = new_version(aws, personal)
    assert full["status"] == "ACTIVE", full.get("failureReason")
    # A new title that the other comedy fans (even-numbered users but user-0) watched after training.
    fresh = [{"USER_ID": f"user-{u}", "ITEM_ID": "fresh-comedy", "EVENT_TYPE": "watch", "TIMESTAMP": START + 50_000_000 + u} for u in range(2, 70, 2)]
    assert import_csv(aws, group.dataset_arn, to_csv(padded(fresh)), key="fresh.csv", job="fresh", mode="INCREMENTAL")["status"] == "ACTIVE"

    before = deploy(aws, full["solutionVersionArn"], name="before")
    assert "fresh-comedy" not in recommended(aws, before, "user-0", n=100)
    update = new_version(aws, personal, trainingMode="UPDATE")
    assert update["status"] == "ACTIVE", update.get("failureReason")
    after = deploy(aws, update["solutionVersionArn"], name="after")
    assert "fresh-comedy" in recommended(aws, after, "user-0", n=25)  # a comedy fan gets the new comedy title
    metrics = {v: p.get_solution_metrics(solutionVersionArn=v)["metrics"] for v in (full["solutionVersionArn"], update["solutionVersionArn"])}
    assert metrics[full["solutionVersionArn"]] == metrics[update["solutionVersionArn"]]
