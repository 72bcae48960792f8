"""Snapshots: a world built and trained once, saved, and loaded into a fresh mock (or server) as it was."""
from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest

from personalize_local import cli, mock_personalize, snapshot
from personalize_local.backend import backend_for
from personalize_local.state import StateError

from .catalogs import ITEM_COLUMNS, ITEMS_WITH_TEXT, action_group, co_watched_rows, group_items, item_rows
from .conftest import Clients, make_clients, moto_api, transitions
from .datagen import START, to_csv
from .helpers import ACCOUNT, REGION, active_version, create_dataset, loaded_group, popularity_campaign, recommended
from .workflow import USER_PERSONALIZATION, deploy, import_csv, wait
from .worlds import LISTS, World, action_campaign, build, observe, top_picks_for


@dataclass(frozen=True)
class Saved:
    path: Path
    world: World
    seen: dict[str, Any]
    picked: list[str]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Saved]:
    """The world built and trained once for the module, observed, and saved."""
    path = tmp_path_factory.mktemp("snapshots") / "world.db"
    with pytest.MonkeyPatch.context() as env, mock_personalize():
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        c = make_clients()
        world, picked = build(c)
        seen = observe(c, world)
        snapshot.save(path)
    yield Saved(path, world, seen, picked)


@pytest.fixture
def restored(saved: Saved) -> Iterator[Clients]:
    """A fresh mock with the saved world loaded into it."""
    with mock_personalize():
        c = make_clients()
        snapshot.load(saved.path)
        yield c
    assert c.shape_errors == [], "\n".join(c.shape_errors)


def test_a_loaded_world_lists_describes_and_answers_as_the_saved_one(saved: Saved, restored: Clients) -> None:
    after = observe(restored, saved.world)
    for aspect, before in saved.seen.items():
        assert after[aspect] == before, aspect
    # The observations are not empty: every family was there to compare.
    assert all(saved.seen[operation] for operation in LISTS), {op: len(saved.seen[op]) for op in LISTS}
    assert saved.seen["filtered"] != saved.seen["personal"]
    # The S3 objects are back too: the data, and what the jobs wrote.
    keys = {o["Key"] for o in restored.s3.list_objects_v2(Bucket="personalize-data")["Contents"]}
    assert {"demo.csv", "batch/users.json", "batch/out/users.json.out"} <= keys and any(k.startswith("exports/export/") for k in keys), keys
    assert restored.s3.get_object(Bucket="personalize-data", Key="demo.csv")["Body"].read().startswith(b"USER_ID,ITEM_ID")


def test_events_recorded_after_a_load_change_the_answers(saved: Saved, restored: Clients) -> None:
    world, user = saved.world, "user-0"  # a comedy fan
    horror = [f"horror-{i}" for i in range(10)]
    restored.events.put_events(
        trackingId=world.tracking_id,
        userId=user,
        sessionId="session-1",
        eventList=[{"eventType": "watch", "itemId": item, "sentAt": START + 10_000_000 + k} for k, item in enumerate(horror)],
    )
    after = recommended(restored, world.campaign_arn, user)
    assert after != saved.seen["personal"][user]
    assert sum(item.startswith("horror") for item in after) > sum(item.startswith("horror") for item in saved.seen["personal"][user])
    # The filter reads the recorded events at once: nothing just watched comes back.
    filtered = restored.runtime.get_recommendations(campaignArn=world.campaign_arn, userId=user, filterArn=world.filter_arn, numResults=50)
    assert not {i["itemId"] for i in filtered["itemList"]} & set(horror)


def test_a_stopped_recommender_stays_stopped_and_starts_with_its_model(saved: Saved, restored: Clients) -> None:
    p, arn = restored.personalize, saved.world.recommender_arn
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "INACTIVE"
    p.start_recommender(recommenderArn=arn)
    assert wait(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])["status"] == "ACTIVE"
    assert top_picks_for(restored, arn) == saved.picked


def test_a_loaded_world_trains_on_its_data_as_the_saved_one_did(saved: Saved, restored: Clients) -> None:
    again = popularity_campaign(restored, saved.world.group_arn, name="again")
    assert recommended(restored, again, "user-0") == saved.seen["popular"]


def test_resources_that_shared_an_object_still_share_it(saved: Saved, restored: Clients) -> None:
    backend = backend_for(ACCOUNT, REGION)
    campaign = backend.campaigns.campaigns.get(saved.world.campaign_arn)
    assert campaign.solution_version is backend.solutions.versions.get(campaign.solution_version.arn)
    assert campaign.solution_version.solution is backend.solutions.solutions.get(campaign.solution_version.solution.arn)


def test_work_running_when_saved_comes_back_failed_with_a_reason(aws: Clients, tmp_path: Path) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    with transitions({"progression": "manual", "times": 1000}, "personalize::solution_version"):
        version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
        assert p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["status"] == "CREATE PENDING"
        snapshot.save(tmp_path / "busy.db")
    with mock_personalize():
        c = make_clients()
        snapshot.load(tmp_path / "busy.db")
        version = c.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
        assert version["status"] == "CREATE FAILED"
        assert "emulator stopped" in version["failureReason"]
        # The solution and its data are there: training again works.
        again = c.personalize.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
        assert wait(lambda: c.personalize.describe_solution_version(solutionVersionArn=again)["solutionVersion"])["status"] == "ACTIVE"


def test_a_start_under_way_ends_started_and_a_delete_under_way_is_undone(saved: Saved, restored: Clients, tmp_path: Path) -> None:
    p, world = restored.personalize, saved.world
    with transitions({"progression": "manual", "times": 1000}, "personalize::recommender", "personalize::filter"):
        p.start_recommender(recommenderArn=world.recommender_arn)
        p.delete_filter(filterArn=world.filter_arn)
        assert p.describe_recommender(recommenderArn=world.recommender_arn)["recommender"]["status"] == "START PENDING"
        assert p.describe_filter(filterArn=world.filter_arn)["filter"]["status"] == "DELETE PENDING"
        snapshot.save(tmp_path / "moving.db")
    snapshot.load(tmp_path / "moving.db")
    assert p.describe_recommender(recommenderArn=world.recommender_arn)["recommender"]["status"] == "ACTIVE"
    assert top_picks_for(restored, world.recommender_arn) == saved.picked
    assert p.describe_filter(filterArn=world.filter_arn)["filter"]["status"] == "ACTIVE"
    p.delete_filter(filterArn=world.filter_arn)  # and it can be deleted again
    assert p.list_filters()["Filters"] == []


def test_work_saved_before_anyone_looked_lands_first(aws: Clients, tmp_path: Path) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    snapshot.save(tmp_path / "fresh.db")  # no describe since the create: the training lands as a describe would land it
    with mock_personalize():
        c = make_clients()
        snapshot.load(tmp_path / "fresh.db")
        assert c.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["status"] == "ACTIVE"
        assert c.personalize.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]


def test_every_region_comes_back(tmp_path: Path) -> None:
    regions = ("us-east-1", "eu-west-1", "ap-southeast-2")
    with mock_personalize():
        for region in regions:
            boto3.client("personalize", region_name=region).create_dataset_group(name=f"group-{region}")
        snapshot.save(tmp_path / "regions.db")
    with mock_personalize():
        for region in regions:
            assert boto3.client("personalize", region_name=region).list_dataset_groups()["datasetGroups"] == []
        snapshot.load(tmp_path / "regions.db")
        for region in regions:
            groups = boto3.client("personalize", region_name=region).list_dataset_groups()["datasetGroups"]
            assert [(g["name"], g["datasetGroupArn"].split(":")[3]) for g in groups] == [(f"group-{region}", region)]


def _edit(source: Path, target: Path, sql: str, *args: Any) -> Path:
    target.write_bytes(source.read_bytes())
    with sqlite3.connect(target) as connection:
        connection.execute(sql, args)
    connection.close()
    return target


def test_a_snapshot_of_an_unknown_format_is_refused_naming_both_versions(saved: Saved, aws: Clients, tmp_path: Path) -> None:
    newer = _edit(saved.path, tmp_path / "newer.db", "UPDATE meta SET value = '99' WHERE key = 'format_version'")
    group_arn = loaded_group(aws).dataset_group_arn
    with pytest.raises(StateError) as refused:
        snapshot.load(newer)
    message = str(refused.value)
    assert "format 99" in message and "reads formats 2 and 3" in message and "personalize-local 0.1.0" in message
    # Nothing changed.
    assert [g["datasetGroupArn"] for g in aws.personalize.list_dataset_groups()["datasetGroups"]] == [group_arn]
    not_one = tmp_path / "not-one.db"
    not_one.write_bytes(b"personalize")
    with pytest.raises(StateError, match="not a personalize-local snapshot"):
        snapshot.load(not_one)


@pytest.mark.parametrize("named", ["snapshot_payload.Runner", "os._wrap_close", "personalize_local.backend.campaigns.Campaign"])
def test_a_snapshot_naming_a_class_outside_the_registry_is_refused(saved: Saved, aws: Clients, tmp_path: Path, named: str) -> None:
    tampered = _edit(saved.path, tmp_path / "tampered.db", "UPDATE records SET state = replace(state, ?, ?)", '"Campaign",', f'"{named}",')
    with pytest.raises(StateError) as refused:
        snapshot.load(tampered)
    assert named in str(refused.value) and "refused" in str(refused.value)
    assert "snapshot_payload" not in sys.modules
    assert aws.personalize.list_campaigns()["campaigns"] == []


def test_fields_added_since_a_snapshot_take_their_defaults_and_others_are_refused(saved: Saved, aws: Clients, tmp_path: Path) -> None:
    # As a snapshot written before DatasetGroup had domain (a field with a default) would hold it.
    older = _edit(saved.path, tmp_path / "older.db", "UPDATE records SET state = replace(state, ?, ?) WHERE kind = 'dataset-group'", ',"domain":null', "")
    assert '"domain"' not in sqlite3.connect(older).execute("SELECT state FROM records WHERE key = ?", (saved.world.group_arn,)).fetchone()[0]
    snapshot.load(older)
    assert recommended(aws, saved.world.campaign_arn, "user-0") == saved.seen["personal"]["user-0"]
    assert aws.personalize.describe_dataset_group(datasetGroupArn=saved.world.group_arn)["datasetGroup"].get("domain") is None
    # Without campaign_config, which has no default, a deployment can't be made: refused, naming it.
    lacking = _edit(saved.path, tmp_path / "lacking.db", "UPDATE records SET state = replace(state, ?, ?)", '"campaign_config":', '"retired_member":')
    with pytest.raises(StateError, match="Deployment has a field 'retired_member', which Deployment does not declare"):
        snapshot.load(lacking)


def test_state_that_is_not_data_is_not_saved(aws: Clients, tmp_path: Path) -> None:
    group_arn = loaded_group(aws).dataset_group_arn
    backend_for(ACCOUNT, REGION).dataset_groups.groups.get(group_arn).role_arn = lambda: None  # what no API call could store
    with pytest.raises(StateError) as refused:
        snapshot.save(tmp_path / "never.db")
    assert f"resources['dataset-group'][{group_arn!r}].role_arn" in str(refused.value)
    assert not (tmp_path / "never.db").exists()


def test_the_server_snapshots_and_restores_through_the_cli(remote: Clients, endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = loaded_group(remote)
    campaign = popularity_campaign(remote, group.dataset_group_arn)
    before = recommended(remote, campaign, "user-0")
    path = tmp_path / "server.db"
    cli.main(["snapshot", str(path), "--endpoint", endpoint])
    assert "saved" in capsys.readouterr().out
    moto_api(endpoint, "reset")
    assert remote.personalize.list_campaigns()["campaigns"] == []
    cli.main(["restore", str(path), "--endpoint", endpoint])
    assert "restored" in capsys.readouterr().out
    assert recommended(remote, campaign, "user-0") == before
    assert remote.personalize.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "ACTIVE"
    # A file that is no snapshot: refused with the reason, the state untouched.
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"nothing")
    with pytest.raises(SystemExit) as exited:
        cli.main(["restore", str(bogus), "--endpoint", endpoint])
    assert "The file given is not a personalize-local snapshot" in str(exited.value.code)
    assert recommended(remote, campaign, "user-0") == before


@pytest.mark.parametrize("command", ["snapshot", "restore"])
def test_each_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"personalize-local {command}" in out and "--endpoint" in out


# Every recipe's model ---------------------------------------------------------------------------------
RANKED = {"aws-user-personalization", "aws-user-personalization-v2", "aws-popularity-count"}
RANKING = {"aws-personalized-ranking", "aws-personalized-ranking-v2"}
RELATED = {"aws-sims", "aws-similar-items", "aws-trending-now"}
SEGMENTS = {"aws-item-affinity", "aws-item-attribute-affinity"}


def answers(c: Clients, campaigns: dict[str, str], nba: str) -> dict[str, Any]:
    """What each recipe's campaign answers (segmentation versions serve no campaign: their metrics)."""
    runtime, seen = c.runtime, {}
    for recipe, arn in campaigns.items():
        if recipe in RANKED:
            seen[recipe] = runtime.get_recommendations(campaignArn=arn, userId="user-1-2", numResults=10)["itemList"]
        elif recipe in RANKING:
            seen[recipe] = runtime.get_personalized_ranking(campaignArn=arn, userId="user-1-2", inputList=sorted(group_items(1)))["personalizedRanking"]
        elif recipe in RELATED:
            seen[recipe] = runtime.get_recommendations(campaignArn=arn, itemId="g1-2", numResults=10)["itemList"]
        else:
            seen[recipe] = c.personalize.get_solution_metrics(solutionVersionArn=arn)["metrics"]
    seen["aws-next-best-action"] = runtime.get_action_recommendations(campaignArn=nba, userId="user-1", numResults=5)["actionList"]
    return seen


def test_every_recipes_model_answers_after_a_load_as_before(aws: Clients, tmp_path: Path) -> None:
    campaigns = {}
    # Two groups: a group serves five campaigns at most.
    for name, recipes in (("ranked", RANKED | RANKING), ("related", RELATED | SEGMENTS)):
        group_arn = loaded_group(aws, name, rows=co_watched_rows()).dataset_group_arn
        items_arn = create_dataset(aws, group_arn, f"{name}-items", ITEMS_WITH_TEXT, "Items")
        assert import_csv(aws, items_arn, to_csv(item_rows(), ITEM_COLUMNS), key=f"{name}-items.csv", job=f"{name}-items")["status"] == "ACTIVE"
        for recipe in sorted(recipes):
            version = active_version(aws, group_arn, name=recipe, recipe=f"arn:aws:personalize:::recipe/{recipe}")
            campaigns[recipe] = version if recipe in SEGMENTS else deploy(aws, version, name=recipe)
    nba = action_campaign(aws, action_group(aws))
    before = answers(aws, campaigns, nba)
    assert all(before.values()), [recipe for recipe, answer in before.items() if not answer]
    snapshot.save(tmp_path / "recipes.db")
    with mock_personalize():
        c = make_clients()
        snapshot.load(tmp_path / "recipes.db")
        assert answers(c, campaigns, nba) == before
