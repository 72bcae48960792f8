"""Automatic training: on by default, on the solution's schedule, made due at once by a test."""
from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path
from typing import Iterator
from unittest.mock import ANY

import pytest

import personalize_local
from personalize_local.backend import solutions

from .conftest import Clients, Clock, make_clients
from .helpers import fails, loaded_group, new_group
from .workflow import POPULARITY

MEMBER = "solutionConfig.autoTrainingConfig.schedulingExpression"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(solutions, "now", clock)
    yield clock


def versions(c: Clients, solution_arn: str) -> list[tuple[str, str]]:
    """(trainingType, status) of the solution's versions, oldest first, each as its describe shows it:
    a List shows a training as it is now, where a describe waits for it (within the call's budget)."""
    p = c.personalize
    listed = p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    described = [p.describe_solution_version(solutionVersionArn=v["solutionVersionArn"])["solutionVersion"] for v in reversed(listed)]
    return [(v["trainingType"], v["status"]) for v in described]


def test_on_by_default_and_off_when_asked(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    default = p.create_solution(name="default", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert p.describe_solution(solutionArn=default)["solution"]["performAutoTraining"] is True
    off = p.create_solution(name="off", datasetGroupArn=group_arn, recipeArn=POPULARITY, performAutoTraining=False)["solutionArn"]
    assert p.describe_solution(solutionArn=off)["solution"]["performAutoTraining"] is False


@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(31 days)", "rate(100 days)"])
def test_the_rate_is_1_to_30_days(aws: Clients, expression: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    config = {"autoTrainingConfig": {"schedulingExpression": expression}}
    message = fails("InvalidInputException", p.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY, solutionConfig=config)
    assert MEMBER in message and expression in message
    assert p.list_solutions()["solutions"] == []


def test_made_due_now_trains_an_automatic_version(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    auto = p.create_solution(name="auto", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    off = p.create_solution(name="off", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY, performAutoTraining=False)["solutionArn"]
    manual = p.create_solution_version(solutionArn=auto)["solutionVersionArn"]
    assert p.describe_solution_version(solutionVersionArn=manual)["solutionVersion"]["trainingType"] == "MANUAL"

    started = personalize_local.make_auto_training_due()
    assert len(started) == 1 and started[0].startswith(auto + "/")
    version = p.describe_solution_version(solutionVersionArn=started[0])["solutionVersion"]
    assert (version["trainingType"], version["trainingMode"], version["status"]) == ("AUTOMATIC", "FULL", "ACTIVE")
    assert p.describe_solution(solutionArn=auto)["solution"]["latestSolutionVersion"]["solutionVersionArn"] == started[0]
    assert versions(aws, auto) == [("MANUAL", "ACTIVE"), ("AUTOMATIC", "ACTIVE")]
    assert versions(aws, off) == []
    assert p.get_solution_metrics(solutionVersionArn=started[0])["metrics"]


def test_the_schedule_follows_the_clock(aws: Clients, clock: Clock) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    config = {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY, solutionConfig=config)["solutionArn"]

    clock.forward(minutes=59)
    assert versions(aws, solution_arn) == []
    clock.forward(minutes=2)  # the first, within an hour of the solution being ACTIVE
    assert versions(aws, solution_arn) == [("AUTOMATIC", "ACTIVE")]
    clock.forward(days=2, hours=23)
    assert len(versions(aws, solution_arn)) == 1
    clock.forward(hours=1, minutes=1)  # then every 3 days
    assert versions(aws, solution_arn) == [("AUTOMATIC", "ACTIVE")] * 2


def test_a_version_by_hand_within_the_hour_skips_the_first(aws: Clients, clock: Clock) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    clock.forward(minutes=30)
    p.create_solution_version(solutionArn=solution_arn)
    clock.forward(hours=2)
    assert versions(aws, solution_arn) == [("MANUAL", "ACTIVE")]
    clock.forward(days=7)  # the default rate: 7 days after the skipped first
    assert versions(aws, solution_arn) == [("MANUAL", "ACTIVE"), ("AUTOMATIC", "ACTIVE")]


def test_an_automatic_training_without_data_leaves_the_solution_as_it_was(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "empty")
    solution_arn = p.create_solution(name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert personalize_local.make_auto_training_due(solution_arn) == []
    assert versions(aws, solution_arn) == []


def test_made_due_over_http(endpoint: str, remote: Clients) -> None:
    p = remote.personalize
    group = loaded_group(remote)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    request = urllib.request.Request(
        f"{endpoint}/personalize-local/auto-training/make-due", data=json.dumps({"solutionArn": solution_arn}).encode(), method="POST"
    )
    with urllib.request.urlopen(request) as response:
        started = json.loads(response.read())["solutionVersionArns"]
    assert len(started) == 1
    assert versions(remote, solution_arn) == [("AUTOMATIC", "ACTIVE")]


# UpdateSolution ---------------------------------------------------------------------------------


def test_update_turns_automatic_training_off_and_on(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert p.update_solution(solutionArn=solution_arn, performAutoTraining=False) == {"solutionArn": solution_arn, "ResponseMetadata": ANY}
    solution = p.describe_solution(solutionArn=solution_arn)["solution"]
    assert solution["performAutoTraining"] is False
    update = solution["latestSolutionUpdate"]
    assert (update["status"], update["performAutoTraining"], update["performIncrementalUpdate"]) == ("ACTIVE", False, False)
    assert personalize_local.make_auto_training_due(solution_arn) == []

    config = {"autoTrainingConfig": {"schedulingExpression": "rate(2 days)"}}
    p.update_solution(solutionArn=solution_arn, performAutoTraining=True, solutionUpdateConfig=config)
    solution = p.describe_solution(solutionArn=solution_arn)["solution"]
    assert solution["performAutoTraining"] is True
    assert solution["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(2 days)"}
    assert solution["latestSolutionUpdate"]["solutionUpdateConfig"] == config
    assert len(personalize_local.make_auto_training_due(solution_arn)) == 1


def test_an_updated_rate_runs_from_the_update(aws: Clients, clock: Clock) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    clock.forward(minutes=50)
    p.update_solution(solutionArn=solution_arn, solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}})
    clock.forward(minutes=30)  # past the hour from the solution, not from the update
    assert versions(aws, solution_arn) == []
    clock.forward(minutes=31)
    assert versions(aws, solution_arn) == [("AUTOMATIC", "ACTIVE")]
    clock.forward(days=1, minutes=1)
    assert len(versions(aws, solution_arn)) == 2


def test_update_statuses_and_what_waits_for_them(manual: Clients) -> None:
    p = manual.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    for _ in range(4):
        p.describe_dataset_group(datasetGroupArn=group_arn)
    solution_arn = p.create_solution(name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert solution_arn in fails("ResourceInUseException", p.update_solution, solutionArn=solution_arn, performAutoTraining=False)
    for _ in range(4):
        p.describe_solution(solutionArn=solution_arn)

    p.update_solution(solutionArn=solution_arn, performAutoTraining=False)
    assert solution_arn in fails("ResourceInUseException", p.update_solution, solutionArn=solution_arn, performAutoTraining=True)
    seen = []
    for _ in range(4):
        solution = p.describe_solution(solutionArn=solution_arn)["solution"]
        seen.append((solution["latestSolutionUpdate"]["status"], solution["performAutoTraining"]))
    assert seen == [("CREATE PENDING", True), ("CREATE IN_PROGRESS", True), ("CREATE IN_PROGRESS", True), ("ACTIVE", False)]


@pytest.mark.parametrize(
    "params, member",
    [
        ({"solutionUpdateConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(45 days)"}}}, MEMBER),
        ({"performIncrementalUpdate": True}, "performIncrementalUpdate"),
        ({"solutionUpdateConfig": {"eventsConfig": {"eventParametersList": [{"eventType": "watch", "weight": 0.5}]}}}, "solutionUpdateConfig.eventsConfig"),
    ],
)
def test_update_errors(aws: Clients, params: dict, member: str) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    solution_arn = p.create_solution(name="s", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert member in fails("InvalidInputException", p.update_solution, solutionArn=solution_arn, **params)
    solution = p.describe_solution(solutionArn=solution_arn)["solution"]
    assert "latestSolutionUpdate" not in solution and solution["performAutoTraining"] is True
    ghost = solution_arn + "-ghost"
    assert ghost in fails("ResourceNotFoundException", p.update_solution, solutionArn=ghost, performAutoTraining=False)


def test_an_automatic_training_a_describe_starts_is_kept_by_the_data_directory_at_once(tmp_path: Path, clock: Clock) -> None:
    """A read that starts work changed the state: the data directory holds the new version before the answer leaves."""
    with personalize_local.ThreadedServer(data_dir=tmp_path) as server:
        c = make_clients(endpoint_url=server.endpoint)
        group = loaded_group(c)
        solution_arn = c.personalize.create_solution(name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
        clock.forward(minutes=61)
        c.personalize.describe_solution(solutionArn=solution_arn)  # due: this describe starts the automatic training
        with sqlite3.connect(tmp_path / "state.db") as db:  # read beside the server, as a restart after a kill would
            kept = [key for (key,) in db.execute("SELECT key FROM records WHERE kind = 'solution-version'")]
        assert len(kept) == 1 and kept[0].startswith(solution_arn + "/")
