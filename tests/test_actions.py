"""Next best action end to end: Actions and Action interactions datasets, their data, aws-next-best-action and GetActionRecommendations."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from .catalogs import (
    ACTION_COLUMNS,
    ACTION_INTERACTION_COLUMNS,
    ACTION_INTERACTIONS_SCHEMA,
    ACTIONS,
    ACTIONS_SCHEMA,
    CLUB,
    ActionGroup,
    action_group,
)
from .conftest import Clients, Restore, avro
from .datagen import START, to_csv
from .helpers import METRICS, active_version, arn, create_dataset, fails, loaded_group, new_group, popularity_campaign
from .workflow import NEXT_BEST_ACTION, import_csv, wait
from .worlds import action_campaign


def recommended_actions(c: Clients, campaign_arn: str, user: str, n: int = 10) -> list[dict[str, Any]]:
    return c.runtime.get_action_recommendations(campaignArn=campaign_arn, userId=user, numResults=n)["actionList"]


def ids(actions: list[dict[str, Any]]) -> list[str]:
    return [a["actionId"] for a in actions]


def tracking_id(c: Clients, group: ActionGroup) -> str:
    return c.personalize.describe_dataset(datasetArn=group.action_interactions_arn)["dataset"]["trackingId"]


def now_event(action: str, kind: str, **members: Any) -> dict[str, Any]:
    return {"actionId": action, "eventType": kind, "sessionId": "session", "timestamp": datetime.now(timezone.utc), **members}


def build_trained(c: Clients) -> tuple[ActionGroup, str]:
    """The actions group, and a campaign of a version trained on it."""
    group = action_group(c)
    return group, action_campaign(c, group)


@pytest.fixture
def trained(from_snapshot: Restore) -> tuple[ActionGroup, str]:
    return from_snapshot(build_trained)


# Schemas and datasets ---------------------------------------------------------------------------------------


def test_action_datasets_are_created_described_and_listed(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    actions_arn = create_dataset(aws, group_arn, "actions", ACTIONS_SCHEMA, "actions")
    ai_arn = create_dataset(aws, group_arn, "action-interactions", ACTION_INTERACTIONS_SCHEMA, "ACTION_interactions")
    actions = p.describe_dataset(datasetArn=actions_arn)["dataset"]
    action_interactions = p.describe_dataset(datasetArn=ai_arn)["dataset"]
    assert (actions["datasetType"], actions["status"]) == ("ACTIONS", "ACTIVE")
    assert (action_interactions["datasetType"], action_interactions["status"]) == ("ACTION_INTERACTIONS", "ACTIVE")
    # An Action interactions dataset comes with its own event tracker; no other dataset shows one.
    assert action_interactions["trackingId"] and "trackingId" not in actions
    assert p.list_event_trackers(datasetGroupArn=group_arn)["eventTrackers"] == []
    listed = {d["datasetArn"]: d["datasetType"] for d in p.list_datasets(datasetGroupArn=group_arn)["datasets"]}
    assert listed == {actions_arn: "ACTIONS", ai_arn: "ACTION_INTERACTIONS"}

    schema_arn = p.describe_dataset(datasetArn=actions_arn)["dataset"]["schemaArn"]
    message = fails("ResourceAlreadyExistsException", p.create_dataset, name="again", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Actions")
    assert group_arn in message and "ACTIONS" in message


@pytest.mark.parametrize(
    "fields, named",
    [
        ([{"name": "VALUE", "type": "long"}, {"name": "CATEGORY", "type": "string", "categorical": True}], "ACTION_ID"),
        ([{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": "string"}, {"name": "SIZE", "type": "int"}], "VALUE"),
        ([{"name": "ACTION_ID", "type": "string"}, {"name": "REPEAT_FREQUENCY", "type": "int"}, {"name": "SIZE", "type": "int"}], "REPEAT_FREQUENCY"),
        ([{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": ["null", "long"]}], "metadata field"),
        ([{"name": "ACTION_ID", "type": "string"}, *({"name": f"M{k}", "type": "int"} for k in range(10))], "M9"),
    ],
    ids=["no-action-id", "value-as-string", "repeat-frequency-as-int", "no-metadata", "eleven-columns"],
)
def test_actions_schema_rules(aws: Clients, fields: list[dict[str, Any]], named: str) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=avro("Actions", fields))
    assert named in message and "Actions" in message


def test_action_interactions_schema_needs_an_event_type(aws: Clients) -> None:
    fields = [f for f in json.loads(ACTION_INTERACTIONS_SCHEMA)["fields"] if f["name"] != "EVENT_TYPE"]
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=avro("Action_Interactions", fields))
    assert "EVENT_TYPE" in message


def test_no_action_datasets_in_a_domain_group(aws: Clients) -> None:
    message = fails("InvalidInputException", aws.personalize.create_schema, name="s", schema=ACTIONS_SCHEMA, domain="ECOMMERCE")
    assert "ECOMMERCE" in message and "Actions" in message
    domain_group = new_group(aws, "shop", domain="ECOMMERCE")
    schema_arn = aws.personalize.create_schema(name="actions", schema=ACTIONS_SCHEMA)["schemaArn"]
    fails("InvalidInputException", aws.personalize.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=domain_group, datasetType="Actions")
    assert aws.personalize.list_datasets(datasetGroupArn=domain_group)["datasets"] == []


# Imports ----------------------------------------------------------------------------------------------------


def test_imports_take_every_spelling_of_the_event_types_and_no_minimum(aws: Clients) -> None:
    group_arn = new_group(aws, "g")
    ai_arn = create_dataset(aws, group_arn, "ai", ACTION_INTERACTIONS_SCHEMA, "Action_Interactions")
    rows = [
        {"USER_ID": "u", "ACTION_ID": "a", "EVENT_TYPE": kind, "TIMESTAMP": START + k}
        for k, kind in enumerate(["Taken", "Not taken", "Not Taken", "NOT_TAKEN", "viewed", "VIEWED"])
    ]
    job = import_csv(aws, ai_arn, to_csv(rows, ACTION_INTERACTION_COLUMNS), key="ai.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    actions_arn = create_dataset(aws, group_arn, "actions", ACTIONS_SCHEMA, "Actions")
    job = import_csv(aws, actions_arn, to_csv(ACTIONS, ACTION_COLUMNS), key="actions.csv", job="actions")
    assert job["status"] == "ACTIVE", job.get("failureReason")


@pytest.mark.parametrize(
    "columns, rows, column, row",
    [
        (ACTION_COLUMNS, [*ACTIONS[:2], {"ACTION_ID": "gold", "VALUE": 11}], "VALUE", 4),
        (ACTION_COLUMNS, [{"ACTION_ID": "gold", "REPEAT_FREQUENCY": 31}], "REPEAT_FREQUENCY", 2),
        (ACTION_COLUMNS, [ACTIONS[0], {"ACTION_ID": "gold", "ACTION_EXPIRATION_TIMESTAMP": START * 1000}], "ACTION_EXPIRATION_TIMESTAMP", 3),
        (ACTION_COLUMNS, [ACTIONS[0], {"ACTION_ID": "", "VALUE": 2}], "ACTION_ID", 3),
        (ACTION_INTERACTION_COLUMNS, [{"USER_ID": "u", "ACTION_ID": "a", "EVENT_TYPE": "Clicked", "TIMESTAMP": START}], "EVENT_TYPE", 2),
    ],
    ids=["value-above-10", "repeat-frequency-above-30", "expiration-in-milliseconds", "no-action-id", "unknown-event-type"],
)
def test_bad_files_fail_naming_row_and_column(aws: Clients, columns: list[str], rows: list[dict[str, object]], column: str, row: int) -> None:
    group_arn = new_group(aws, "g")
    dataset_arn = (
        create_dataset(aws, group_arn, "actions", ACTIONS_SCHEMA, "Actions")
        if columns is ACTION_COLUMNS
        else create_dataset(aws, group_arn, "ai", ACTION_INTERACTIONS_SCHEMA, "Action_Interactions")
    )
    job = import_csv(aws, dataset_arn, to_csv(rows, columns), key="bad.csv")
    assert job["status"] == "CREATE FAILED"
    assert f"row {row} " in job["failureReason"] and f"column {column}:" in job["failureReason"]


# PutActions and PutActionInteractions -----------------------------------------------------------------------


def test_put_actions_errors(aws: Clients) -> None:
    group = action_group(aws, interactions=[])
    events = aws.events
    good = {"actionId": "new", "properties": json.dumps({"value": "4", "category": "purchase"})}
    message = fails("InvalidInputException", events.put_actions, datasetArn=group.group.dataset_arn, actions=[good])
    assert "'datasetArn'" in message and "Interactions" in message
    ghost = arn("dataset", "ghost/ACTIONS")
    assert ghost in fails("ResourceNotFoundException", events.put_actions, datasetArn=ghost, actions=[good])
    for bad, member in [
        ({"actionId": "new", "properties": json.dumps({"value": "12"})}, "actions.2.member.value"),
        ({"actionId": "new", "properties": json.dumps({"repeatFrequency": "often"})}, "actions.2.member.repeatFrequency"),
        ({"actionId": "new", "properties": "[1]"}, "actions.2.member.properties"),
    ]:
        assert f"'{member}'" in fails("InvalidInputException", events.put_actions, datasetArn=group.actions_arn, actions=[good, bad])
    message = fails("InvalidInputException", events.put_actions, datasetArn=group.actions_arn, actions=[good] * 11)
    assert "'actions'" in message
    events.put_actions(datasetArn=group.actions_arn, actions=[good])


def test_put_action_interactions_errors(aws: Clients) -> None:
    group = action_group(aws, "g", interactions=[{"USER_ID": "u", "ACTION_ID": "loyalty", "EVENT_TYPE": "Taken", "TIMESTAMP": START}])
    events = aws.events
    tracker = tracking_id(aws, group)
    good = now_event("loyalty", "Taken", userId="u")
    message = fails("ResourceNotFoundException", events.put_action_interactions, trackingId="no-such-tracker", actionInteractions=[good])
    assert "'trackingId'" in message and "no-such-tracker" in message
    for bad, member in [
        (now_event("loyalty", "Clicked"), "actionInteractions.2.member.eventType"),
        (now_event("loyalty", "Taken", properties=json.dumps({"eventType": "Taken"})), "actionInteractions.2.member.properties"),
    ]:
        assert f"'{member}'" in fails("InvalidInputException", events.put_action_interactions, trackingId=tracker, actionInteractions=[good, bad])
    assert "'actionInteractions'" in fails("InvalidInputException", events.put_action_interactions, trackingId=tracker, actionInteractions=[good] * 11)
    events.put_action_interactions(trackingId=tracker, actionInteractions=[good, now_event("loyalty", "Not Taken")])


# Training ---------------------------------------------------------------------------------------------------


def test_recipe_is_listed_and_described(aws: Clients) -> None:
    recipe = aws.personalize.describe_recipe(recipeArn=NEXT_BEST_ACTION)["recipe"]
    assert (recipe["name"], recipe["recipeType"]) == ("aws-next-best-action", "PERSONALIZED_ACTIONS")
    assert recipe["algorithmArn"] == "arn:aws:personalize:::algorithm/aws-next-best-action"
    assert NEXT_BEST_ACTION in {r["recipeArn"] for r in aws.personalize.list_recipes()["recipes"]}


def test_trains_to_active_with_metrics(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    p = aws.personalize
    campaign = p.describe_campaign(campaignArn=trained[1])["campaign"]
    version = p.describe_solution_version(solutionVersionArn=campaign["solutionVersionArn"])["solutionVersion"]
    assert (version["status"], version["recipeArn"]) == ("ACTIVE", NEXT_BEST_ACTION)
    metrics = p.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]
    assert set(metrics) == METRICS
    assert all(0.0 <= value <= 1.0 for value in metrics.values())
    assert metrics["precision_at_5"] > 0.0


def test_optimization_period_is_checked(aws: Clients) -> None:
    group = action_group(aws, interactions=[])
    for period in ("6", "29", "two weeks"):
        message = fails(
            "InvalidInputException", aws.personalize.create_solution, name="s", datasetGroupArn=group.group.dataset_group_arn,
            recipeArn=NEXT_BEST_ACTION, solutionConfig={"algorithmHyperParameters": {"action_optimization_period": period}},
        )
        assert "action_optimization_period" in message and "[7, 28]" in message
    version = active_version(
        aws, group.group.dataset_group_arn, recipe=NEXT_BEST_ACTION,
        solutionConfig={"algorithmHyperParameters": {"action_optimization_period": "28"}},
    )
    assert version


def test_needs_an_actions_dataset_with_actions(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws, "bare")
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=NEXT_BEST_ACTION)["solutionArn"]
    message = fails("InvalidInputException", p.create_solution_version, solutionArn=solution_arn)
    assert "Actions" in message and group.dataset_group_arn in message

    create_dataset(aws, group.dataset_group_arn, "empty-actions", ACTIONS_SCHEMA, "Actions")
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    version = wait(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])
    assert version["status"] == "CREATE FAILED"
    assert "Actions dataset" in version["failureReason"]


# GetActionRecommendations -----------------------------------------------------------------------------------


def test_each_user_is_recommended_the_action_they_keep_taking(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    _, campaign = trained
    # Users who decline the loyalty program (not every third), with the club of their taste taken twice.
    for user in (1, 2, 4, 5, 7, 8):
        ranked = recommended_actions(aws, campaign, f"user-{user}")
        own, other = CLUB[user % 2], CLUB[(user + 1) % 2]
        assert ids(ranked)[0] == own, ranked
        assert ids(ranked).index(own) < ids(ranked).index(other)
    # Loyalty members have it near the top.
    assert "loyalty" in ids(recommended_actions(aws, campaign, "user-3", n=2))


def test_item_interactions_alone_point_to_the_users_taste(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    _, campaign = trained
    # Users 60 to 69 never saw an action; their item interactions say which club they'd join.
    for user in range(60, 70):
        ranked = ids(recommended_actions(aws, campaign, f"user-{user}"))
        assert ranked.index(CLUB[user % 2]) < ranked.index(CLUB[(user + 1) % 2]), ranked


def test_scores_best_first_and_actions_without_enough_data_score_zero(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    _, campaign = trained
    response = aws.runtime.get_action_recommendations(campaignArn=campaign, userId="user-1", numResults=100)
    assert response["recommendationId"]
    ranked = response["actionList"]
    scores = [a["score"] for a in ranked]
    assert scores == sorted(scores, reverse=True)
    by_id = {a["actionId"]: a["score"] for a in ranked}
    # The app has ten Taken interactions and the survey none: fewer than the 50 a score needs.
    assert by_id["app"] == 0.0 and by_id["survey"] == 0.0
    assert all(0.0 < by_id[a] <= 1.0 for a in ("comedy-club", "horror-club", "loyalty"))
    # Of the unscored, the more valuable first.
    assert ids(ranked)[-2:] == ["app", "survey"]


def test_expired_actions_are_never_recommended(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    assert all("expired-offer" not in ids(recommended_actions(aws, campaign, f"user-{u}", n=100)) for u in range(5))
    assert "loyalty" in ids(recommended_actions(aws, campaign, "user-0", n=100))
    # Expiring an action through PutActions takes it out at once.
    properties = json.dumps({"value": "10", "category": "membership", "actionExpirationTimestamp": str(int(time.time()) - 60)})
    aws.events.put_actions(datasetArn=group.actions_arn, actions=[{"actionId": "loyalty", "properties": properties}])
    assert "loyalty" not in ids(recommended_actions(aws, campaign, "user-0", n=100))


def test_repeat_frequency_holds_an_action_back_after_an_interaction(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    assert "survey" in ids(recommended_actions(aws, campaign, "user-2", n=100))
    aws.events.put_action_interactions(trackingId=tracking_id(aws, group), actionInteractions=[now_event("survey", "Viewed", userId="user-2")])
    assert "survey" not in ids(recommended_actions(aws, campaign, "user-2", n=100))
    assert "survey" in ids(recommended_actions(aws, campaign, "user-4", n=100))


def test_recorded_action_interactions_change_the_answer_at_once(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    before = {a["actionId"]: a["score"] for a in recommended_actions(aws, campaign, "newcomer", n=100)}
    taken = [now_event("comedy-club", "Taken", userId="newcomer", eventId=f"e{k}") for k in range(3)]
    aws.events.put_action_interactions(trackingId=tracking_id(aws, group), actionInteractions=taken)
    after = recommended_actions(aws, campaign, "newcomer", n=100)
    assert ids(after)[0] == "comedy-club"
    assert {a["actionId"]: a["score"] for a in after}["comedy-club"] > before["comedy-club"]


def test_new_actions_are_explored_with_a_zero_score(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    properties = json.dumps({"value": "9", "category": "purchase"})
    aws.events.put_actions(datasetArn=group.actions_arn, actions=[{"actionId": "gift-card", "properties": properties}])
    ranked = recommended_actions(aws, campaign, "user-1", n=100)
    assert {a["actionId"]: a["score"] for a in ranked}["gift-card"] == 0.0
    # Among the unscored, its value puts it before the app (3) and the survey (1).
    assert ids(ranked)[-3:] == ["gift-card", "app", "survey"]


def test_without_action_interactions_every_score_is_zero_and_value_decides(aws: Clients) -> None:
    group = action_group(aws, interactions=[])
    campaign = action_campaign(aws, group)
    ranked = recommended_actions(aws, campaign, "user-0")
    assert [a["score"] for a in ranked] == [0.0] * 5
    assert ids(ranked) == ["loyalty", "comedy-club", "horror-club", "app", "survey"]


def test_default_and_largest_number_of_results(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    _, campaign = trained
    runtime = aws.runtime
    assert len(runtime.get_action_recommendations(campaignArn=campaign, userId="user-1")["actionList"]) == 5
    assert runtime.get_action_recommendations(campaignArn=campaign, userId="user-1", numResults=0)["actionList"] == []
    message = fails("InvalidInputException", runtime.get_action_recommendations, campaignArn=campaign, userId="user-1", numResults=101)
    assert "'numResults'" in message and "100" in message


def test_runtime_errors(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    runtime = aws.runtime
    assert "'userId'" in fails("InvalidInputException", runtime.get_action_recommendations, campaignArn=campaign)
    assert "'campaignArn'" in fails("InvalidInputException", runtime.get_action_recommendations, userId="user-1")
    ghost = arn("campaign", "ghost")
    assert ghost in fails("ResourceNotFoundException", runtime.get_action_recommendations, campaignArn=ghost, userId="user-1")
    # Each kind of campaign answers its own operation.
    message = fails("InvalidInputException", runtime.get_recommendations, campaignArn=campaign, userId="user-1")
    assert "GetActionRecommendations" in message
    items_campaign = popularity_campaign(aws, group.group.dataset_group_arn)
    message = fails("InvalidInputException", runtime.get_action_recommendations, campaignArn=items_campaign, userId="user-1")
    assert "GetRecommendations" in message


# Filters (action-recommendation-filter-examples.md) ---------------------------------------------------------


def action_filter(c: Clients, group: ActionGroup, expression: str, name: str) -> str:
    p = c.personalize
    arn = p.create_filter(name=name, datasetGroupArn=group.group.dataset_group_arn, filterExpression=expression)["filterArn"]
    assert wait(lambda: p.describe_filter(filterArn=arn)["filter"])["status"] == "ACTIVE"
    return arn


def filtered_actions(c: Clients, campaign_arn: str, user: str, filter_arn: str, n: int = 10, **values: str) -> list[str]:
    request: dict[str, Any] = {"campaignArn": campaign_arn, "userId": user, "numResults": n, "filterArn": filter_arn}
    if values:
        request["filterValues"] = values
    return ids(c.runtime.get_action_recommendations(**request)["actionList"])


def test_action_filters_on_the_actions_data(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    everything = ids(recommended_actions(aws, campaign, "user-0", n=100))
    by_category = action_filter(aws, group, "EXCLUDE ActionID WHERE Actions.CATEGORY IN ($CATEGORY)", "by-category")
    kept = filtered_actions(aws, campaign, "user-0", by_category, CATEGORY='"purchase"')
    assert kept == [a for a in everything if a not in {"comedy-club", "horror-club", "expired-offer"}]
    valuable = action_filter(aws, group, "INCLUDE ActionID WHERE Actions.VALUE > ($VALUE)", "valuable")
    assert set(filtered_actions(aws, campaign, "user-0", valuable, VALUE="4")) == {"comedy-club", "horror-club", "loyalty"}
    # One result asked: the best action that passes.
    assert filtered_actions(aws, campaign, "user-0", by_category, n=1, CATEGORY='"purchase"') == kept[:1]


def test_action_filters_on_the_users_action_interactions_at_once(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    declined = action_filter(aws, group, 'EXCLUDE ActionID WHERE Action_Interactions.EVENT_TYPE IN ("Not taken", "NOT_TAKEN")', "declined")
    # user-1 declined the comedy club and (not a third user) the loyalty program.
    assert {"comedy-club", "loyalty"}.isdisjoint(filtered_actions(aws, campaign, "user-1", declined))
    assert "app" in filtered_actions(aws, campaign, "user-12", declined)
    aws.events.put_action_interactions(trackingId=tracking_id(aws, group), actionInteractions=[now_event("app", "Not taken", userId="user-12")])
    assert "app" not in filtered_actions(aws, campaign, "user-12", declined)


def test_action_filter_errors(aws: Clients, trained: tuple[ActionGroup, str]) -> None:
    group, campaign = trained
    items = action_filter(aws, group, 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")', "items")
    message = fails("InvalidInputException", aws.runtime.get_action_recommendations, campaignArn=campaign, userId="user-0", filterArn=items)
    assert "ActionID" in message and "filterArn" in message
    message = fails("InvalidInputException", aws.personalize.create_filter, name="mixed", datasetGroupArn=group.group.dataset_group_arn,
                    filterExpression='EXCLUDE ActionID WHERE Items.GENRES IN ("comedy")')
    assert "ActionID" in message
