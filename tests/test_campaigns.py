"""Campaigns: Create, Describe, List, Update, Delete, and the item exploration config."""
from __future__ import annotations

import pytest

import personalize_local

from .conftest import MANUAL, Clients, Restore, transitions
from .datagen import to_csv
from .helpers import SMALL_USERS, active_version, arn, fails, loaded_group, padded, rows_for
from .workflow import POPULARITY, USER_PERSONALIZATION, deploy, import_csv, recommended, wait

DEFAULT_EXPLORATION = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}


def build_personal(c: Clients) -> str:
    group = loaded_group(c)
    return active_version(c, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)


@pytest.fixture
def personal(from_snapshot: Restore) -> str:
    """An ACTIVE aws-user-personalization solution version (trained once a session)."""
    return from_snapshot(build_personal)


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


# Automatic campaign updates (campaigns.md) -----------------------------------------------------------


def latest_of(aws: Clients, version_arn: str) -> str:
    """The SolutionArn/$LATEST form naming the newest ACTIVE version of ``version_arn``'s solution."""
    return aws.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["solutionArn"] + "/$LATEST"


def brings_newcomer(aws: Clients, dataset_arn: str, item: str) -> None:
    """Everybody watches ``item``: a popularity model trained after this recommends it first."""
    job = import_csv(aws, dataset_arn, to_csv(padded(rows_for(item, range(SMALL_USERS)))), key=f"{item}.csv", job=item, mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job.get("failureReason")


def test_a_synced_campaign_follows_each_new_version(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    first = active_version(aws, group.dataset_group_arn, name="popular")
    latest = latest_of(aws, first)
    solution_arn = latest.removesuffix("/$LATEST")
    synced = deploy(aws, latest, name="synced", campaignConfig={"syncWithLatestSolutionVersion": True})
    pinned = deploy(aws, first, name="pinned")
    campaign = p.describe_campaign(campaignArn=synced)["campaign"]
    assert campaign["solutionVersionArn"] == first and campaign["status"] == "ACTIVE"
    assert campaign["campaignConfig"] == {"syncWithLatestSolutionVersion": True} and "latestCampaignUpdate" not in campaign

    # A version trained by hand: the synced campaign deploys it, through an update of its own.
    brings_newcomer(aws, group.dataset_arn, "newcomer")
    second = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=second)["solutionVersion"])["status"] == "ACTIVE"
    campaign = p.describe_campaign(campaignArn=synced)["campaign"]
    assert campaign["solutionVersionArn"] == second and campaign["campaignConfig"] == {"syncWithLatestSolutionVersion": True}
    update = campaign["latestCampaignUpdate"]
    assert update["solutionVersionArn"] == second and update["status"] == "ACTIVE"
    assert update["campaignConfig"] == {"syncWithLatestSolutionVersion": True}
    assert recommended(aws, synced, "user-0")[0] == "newcomer"
    assert recommended(aws, pinned, "user-0")[0] != "newcomer"  # without sync, a campaign stays where it was put
    assert p.describe_campaign(campaignArn=pinned)["campaign"]["solutionVersionArn"] == first

    # An automatic training: the campaign answers from it at once, without being described first.
    # More people watch the latecomer than ever watched the newcomer.
    job = import_csv(aws, group.dataset_arn, to_csv(padded(rows_for("latecomer", range(2 * SMALL_USERS)))), key="latecomer.csv",
                     job="latecomer", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    (third,) = personalize_local.make_auto_training_due(solution_arn)
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=third)["solutionVersion"])["trainingType"] == "AUTOMATIC"
    assert recommended(aws, synced, "user-0")[0] == "latecomer"
    assert p.describe_campaign(campaignArn=synced)["campaign"]["solutionVersionArn"] == third
    assert [c["campaignArn"] for c in p.list_campaigns(solutionArn=solution_arn)["campaigns"]] == [pinned, synced]


def test_sync_rules(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    first = active_version(aws, group.dataset_group_arn, name="popular")
    latest = latest_of(aws, first)
    sync = {"syncWithLatestSolutionVersion": True}
    message = fails("InvalidInputException", p.create_campaign, name="plain", solutionVersionArn=first, campaignConfig=sync)
    assert "syncWithLatestSolutionVersion" in message and "$LATEST" in message
    # A solution with no ACTIVE version yet has nothing to deploy.
    idle = p.create_solution(name="idle", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=idle)["solution"])
    assert idle in fails("ResourceInUseException", p.create_campaign, name="idle", solutionVersionArn=f"{idle}/$LATEST", campaignConfig=sync)
    ghost = arn("solution", "ghost") + "/$LATEST"
    fails("ResourceNotFoundException", p.create_campaign, name="ghost", solutionVersionArn=ghost)
    assert p.list_campaigns()["campaigns"] == []

    # $LATEST without sync deploys the newest version once; an update can turn the sync on later.
    once = deploy(aws, latest, name="once")
    assert p.describe_campaign(campaignArn=once)["campaign"]["solutionVersionArn"] == first
    brings_newcomer(aws, group.dataset_arn, "newcomer")
    second = p.create_solution_version(solutionArn=latest.removesuffix("/$LATEST"))["solutionVersionArn"]
    wait(lambda: p.describe_solution_version(solutionVersionArn=second)["solutionVersion"])
    assert p.describe_campaign(campaignArn=once)["campaign"]["solutionVersionArn"] == first
    # Turning it on needs the $LATEST form: a campaign already on it may leave solutionVersionArn out.
    p.update_campaign(campaignArn=once, campaignConfig=sync)
    campaign = wait(lambda: p.describe_campaign(campaignArn=once)["campaign"]["latestCampaignUpdate"])
    assert campaign["solutionVersionArn"] == second and campaign["campaignConfig"] == sync
    assert recommended(aws, once, "user-0")[0] == "newcomer"
    # A campaign pinned to a version can't sync without naming $LATEST.
    pinned = deploy(aws, first, name="pinned")
    assert "$LATEST" in fails("InvalidInputException", p.update_campaign, campaignArn=pinned, campaignConfig=sync)
    p.update_campaign(campaignArn=pinned, solutionVersionArn=latest, campaignConfig=sync)
    assert wait(lambda: p.describe_campaign(campaignArn=pinned)["campaign"])["solutionVersionArn"] == second


def test_a_synced_update_walks_its_statuses(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    first = active_version(aws, group.dataset_group_arn, name="popular")
    synced = deploy(aws, latest_of(aws, first), name="synced", campaignConfig={"syncWithLatestSolutionVersion": True})
    brings_newcomer(aws, group.dataset_arn, "newcomer")
    second = p.create_solution_version(solutionArn=latest_of(aws, first).removesuffix("/$LATEST"))["solutionVersionArn"]
    wait(lambda: p.describe_solution_version(solutionVersionArn=second)["solutionVersion"])
    with transitions(MANUAL, "personalize::campaign"):
        statuses = []
        while not statuses or statuses[-1] != "ACTIVE":
            campaign = p.describe_campaign(campaignArn=synced)["campaign"]
            update = campaign["latestCampaignUpdate"]
            statuses.append(update["status"])
            assert update["solutionVersionArn"] == second and campaign["status"] == "ACTIVE"
            # The campaign serves its version until the update is ACTIVE.
            serving = campaign["solutionVersionArn"]
            assert serving == (second if update["status"] == "ACTIVE" else first)
    assert list(dict.fromkeys(statuses)) == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert recommended(aws, synced, "user-0")[0] == "newcomer"
