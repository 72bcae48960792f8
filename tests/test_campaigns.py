"""Campaigns: Create, Describe, List, Update, Delete, and the item exploration config."""
from __future__ import annotations

import pytest

from .conftest import MANUAL, Clients, transitions
from .datagen import to_csv
from .helpers import SMALL_USERS, active_version, arn, fails, loaded_group, padded, rows_for
from .workflow import POPULARITY, USER_PERSONALIZATION, deploy, import_csv, recommended, wait

DEFAULT_EXPLORATION = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}


@pytest.fixture
def personal(aws: Clients) -> str:
    """An ACTIVE aws-user-personalization solution version."""
    group = loaded_group(aws)
    return active_version(aws, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)


def test_create_describe_with_defaults(aws: Clients, personal: str) -> None:
    p = aws.personalize
    created = p.create_campaign(name="camp", solutionVersionArn=personal)
    assert created["campaignArn"] == arn("campaign", "camp")
    campaign = wait(lambda: p.describe_campaign(campaignArn=created["campaignArn"])["campaign"])
    assert campaign["status"] == "ACTIVE"
    assert campaign["name"] == "camp"
    assert campaign["campaignArn"] == created["campaignArn"]
    assert campaign["solutionVersionArn"] == personal
    assert campaign["minProvisionedTPS"] == 1
    assert campaign["campaignConfig"]["itemExplorationConfig"] == DEFAULT_EXPLORATION
    assert "failureReason" not in campaign and "latestCampaignUpdate" not in campaign
    assert campaign["creationDateTime"] <= campaign["lastUpdatedDateTime"]


def test_create_with_settings(aws: Clients, personal: str) -> None:
    p = aws.personalize
    campaign_arn = deploy(
        aws, personal, minProvisionedTPS=5, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.9"}}
    )
    campaign = p.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert campaign["minProvisionedTPS"] == 5
    # The weight given is kept; the cut-off not given takes its default.
    assert campaign["campaignConfig"]["itemExplorationConfig"] == {"explorationWeight": "0.9", "explorationItemAgeCutOff": "30"}


@pytest.mark.parametrize("weight", ["1.5", "-0.1", "lots", "2"])
def test_exploration_weight_out_of_range(aws: Clients, personal: str, weight: str) -> None:
    message = fails(
        "InvalidInputException", aws.personalize.create_campaign,
        name="c", solutionVersionArn=personal, campaignConfig={"itemExplorationConfig": {"explorationWeight": weight}},
    )
    assert "explorationWeight" in message and weight in message
    assert aws.personalize.list_campaigns()["campaigns"] == []


@pytest.mark.parametrize("weight", ["0", "1", "0.0", "1.0"])
def test_exploration_weight_bounds_allowed(aws: Clients, personal: str, weight: str) -> None:
    campaign_arn = deploy(aws, personal, campaignConfig={"itemExplorationConfig": {"explorationWeight": weight}})
    config = aws.personalize.describe_campaign(campaignArn=campaign_arn)["campaign"]["campaignConfig"]
    assert config["itemExplorationConfig"]["explorationWeight"] == weight


@pytest.mark.parametrize("cut_off", ["-3", "0", "soon"])
def test_exploration_cut_off_must_be_positive(aws: Clients, personal: str, cut_off: str) -> None:
    message = fails(
        "InvalidInputException", aws.personalize.create_campaign,
        name="c", solutionVersionArn=personal, campaignConfig={"itemExplorationConfig": {"explorationItemAgeCutOff": cut_off}},
    )
    assert "explorationItemAgeCutOff" in message


def test_exploration_values_must_be_finite(aws: Clients, personal: str) -> None:
    for key in DEFAULT_EXPLORATION:
        for value in ("inf", "-inf", "nan", "Infinity"):
            message = fails(
                "InvalidInputException", aws.personalize.create_campaign,
                name="c", solutionVersionArn=personal, campaignConfig={"itemExplorationConfig": {key: value}},
            )
            assert key in message and value in message
    assert aws.personalize.list_campaigns()["campaigns"] == []


def test_exploration_cut_off_may_be_a_fraction_of_a_day(aws: Clients, personal: str) -> None:
    campaign_arn = deploy(aws, personal, campaignConfig={"itemExplorationConfig": {"explorationItemAgeCutOff": "0.5"}})
    config = aws.personalize.describe_campaign(campaignArn=campaign_arn)["campaign"]["campaignConfig"]
    assert config["itemExplorationConfig"]["explorationItemAgeCutOff"] == "0.5"


def test_exploration_only_for_user_personalization(aws: Clients) -> None:
    group = loaded_group(aws)
    popular = active_version(aws, group.dataset_group_arn, recipe=POPULARITY)
    message = fails(
        "InvalidInputException", aws.personalize.create_campaign,
        name="c", solutionVersionArn=popular, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}},
    )
    assert "itemExplorationConfig" in message
    # Without it, the popularity version deploys, and shows no exploration config.
    campaign = aws.personalize.describe_campaign(campaignArn=deploy(aws, popular))["campaign"]
    assert "itemExplorationConfig" not in campaign.get("campaignConfig", {})


def test_create_errors(aws: Clients, personal: str) -> None:
    p = aws.personalize
    ghost = arn("solution", "ghost/0123abcd")
    assert fails("ResourceNotFoundException", p.create_campaign, name="c", solutionVersionArn=ghost) == f"Resource Arn {ghost} does not exist."
    assert "'name'" in fails("InvalidInputException", p.create_campaign, name="c!", solutionVersionArn=personal)
    campaign_arn = deploy(aws, personal, name="once")
    assert campaign_arn in fails("ResourceAlreadyExistsException", p.create_campaign, name="once", solutionVersionArn=personal)


def test_list(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    first = active_version(aws, group.dataset_group_arn, name="first")
    second = active_version(aws, group.dataset_group_arn, name="second")
    one, two, three = deploy(aws, first, "one"), deploy(aws, first, "two"), deploy(aws, second, "three")
    first_solution = p.describe_solution_version(solutionVersionArn=first)["solutionVersion"]["solutionArn"]

    assert {c["campaignArn"] for c in p.list_campaigns()["campaigns"]} == {one, two, three}
    assert {c["campaignArn"] for c in p.list_campaigns(solutionArn=first_solution)["campaigns"]} == {one, two}
    summary = p.list_campaigns(solutionArn=first_solution)["campaigns"][0]
    assert summary["status"] == "ACTIVE" and summary["name"] in ("one", "two")
    page = p.list_campaigns(maxResults=2)
    rest = p.list_campaigns(maxResults=2, nextToken=page["nextToken"])
    assert {c["campaignArn"] for c in page["campaigns"] + rest["campaigns"]} == {one, two, three}
    assert "bad" in fails("InvalidNextTokenException", p.list_campaigns, nextToken="bad")


def test_update_to_a_new_version(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    old = active_version(aws, group.dataset_group_arn, name="popular")
    campaign_arn = deploy(aws, old)
    assert recommended(aws, campaign_arn, "user-0")[0] != "fresh"

    # New data, a new version of the same solution, and the campaign moved onto it.
    job = import_csv(aws, group.dataset_arn, to_csv(padded(rows_for("fresh", range(SMALL_USERS)))), key="fresh.csv", job="fresh", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    solution_arn = p.describe_solution_version(solutionVersionArn=old)["solutionVersion"]["solutionArn"]
    new = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=new)["solutionVersion"])["status"] == "ACTIVE"
    assert recommended(aws, campaign_arn, "user-0")[0] != "fresh"  # the campaign still serves the old version

    assert p.update_campaign(campaignArn=campaign_arn, solutionVersionArn=new, minProvisionedTPS=3)["campaignArn"] == campaign_arn
    campaign = wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    assert campaign["solutionVersionArn"] == new
    assert campaign["minProvisionedTPS"] == 3
    update = campaign["latestCampaignUpdate"]
    assert update["solutionVersionArn"] == new
    assert update["minProvisionedTPS"] == 3
    assert update["status"] == "ACTIVE"
    assert recommended(aws, campaign_arn, "user-0")[0] == "fresh"


def test_answers_come_from_the_old_version_until_the_update_is_active(aws: Clients) -> None:
    """While an update moves (manual progression), every answer is wholly the old version's; then wholly the new one's."""
    p = aws.personalize
    group = loaded_group(aws)
    old = active_version(aws, group.dataset_group_arn, name="popular")
    campaign_arn = deploy(aws, old)
    import_csv(aws, group.dataset_arn, to_csv(padded(rows_for("fresh", range(SMALL_USERS)))), key="fresh.csv", job="fresh", mode="INCREMENTAL")
    new = p.create_solution_version(solutionArn=p.describe_solution_version(solutionVersionArn=old)["solutionVersion"]["solutionArn"])["solutionVersionArn"]
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=new)["solutionVersion"])["status"] == "ACTIVE"
    before = recommended(aws, campaign_arn, "user-0")
    assert "fresh" not in before

    with transitions(MANUAL, "personalize::campaign"):
        p.update_campaign(campaignArn=campaign_arn, solutionVersionArn=new)
        seen = []
        for _ in range(6):
            campaign = p.describe_campaign(campaignArn=campaign_arn)["campaign"]
            update = campaign["latestCampaignUpdate"]["status"]
            answer = recommended(aws, campaign_arn, "user-0")
            seen.append(update)
            # The campaign keeps answering, from exactly one version: the one it says it serves.
            assert campaign["status"] == "ACTIVE"
            assert answer == (before if campaign["solutionVersionArn"] == old else recommended(aws, campaign_arn, "user-0"))
            assert (answer[0] == "fresh") == (update == "ACTIVE")
    assert seen[0] != "ACTIVE" and seen[-1] == "ACTIVE"


def test_update_to_another_recipe_carries_the_config_over(aws: Clients, personal: str) -> None:
    p = aws.personalize
    group_arn = p.describe_solution_version(solutionVersionArn=personal)["solutionVersion"]["datasetGroupArn"]
    popular = active_version(aws, group_arn, name="popular", recipe=POPULARITY)
    campaign_arn = deploy(aws, personal)

    # No campaignConfig: the one the campaign has carries over; the exploration defaults were never asked for.
    p.update_campaign(campaignArn=campaign_arn, solutionVersionArn=popular)
    campaign = wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    assert campaign["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert campaign["solutionVersionArn"] == popular
    assert "itemExplorationConfig" not in campaign.get("campaignConfig", {})
    assert len(recommended(aws, campaign_arn, "user-0")) == 10

    # And back: User-Personalization's defaults show again.
    p.update_campaign(campaignArn=campaign_arn, solutionVersionArn=personal)
    campaign = wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    assert campaign["solutionVersionArn"] == personal
    assert campaign["campaignConfig"]["itemExplorationConfig"] == DEFAULT_EXPLORATION

    # Asking for exploration on a popularity version still fails.
    message = fails(
        "InvalidInputException", p.update_campaign,
        campaignArn=campaign_arn, solutionVersionArn=popular, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}},
    )
    assert "itemExplorationConfig" in message
    assert p.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == personal


def test_update_exploration(aws: Clients, personal: str) -> None:
    p = aws.personalize
    campaign_arn = deploy(aws, personal)
    p.update_campaign(campaignArn=campaign_arn, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}})
    campaign = wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    assert campaign["solutionVersionArn"] == personal
    assert campaign["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.1"
    assert campaign["latestCampaignUpdate"]["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.1"

    message = fails(
        "InvalidInputException", p.update_campaign,
        campaignArn=campaign_arn, campaignConfig={"itemExplorationConfig": {"explorationWeight": "7"}},
    )
    assert "explorationWeight" in message
    assert p.describe_campaign(campaignArn=campaign_arn)["campaign"]["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.1"


def test_update_errors(aws: Clients, personal: str) -> None:
    p = aws.personalize
    ghost = arn("campaign", "ghost")
    assert ghost in fails("ResourceNotFoundException", p.update_campaign, campaignArn=ghost, minProvisionedTPS=2)
    campaign_arn = deploy(aws, personal)
    ghost_version = arn("solution", "ghost/0123abcd")
    assert ghost_version in fails("ResourceNotFoundException", p.update_campaign, campaignArn=campaign_arn, solutionVersionArn=ghost_version)
    assert p.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == personal


def test_delete(aws: Clients, personal: str) -> None:
    p = aws.personalize
    campaign_arn = deploy(aws, personal)
    p.delete_campaign(campaignArn=campaign_arn)
    assert fails("ResourceNotFoundException", p.describe_campaign, campaignArn=campaign_arn) == f"Resource Arn {campaign_arn} does not exist."
    assert p.list_campaigns()["campaigns"] == []
    fails("ResourceNotFoundException", aws.runtime.get_recommendations, campaignArn=campaign_arn, userId="user-0")
    assert campaign_arn in fails("ResourceNotFoundException", p.delete_campaign, campaignArn=campaign_arn)
