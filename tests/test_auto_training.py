"""Automatic training: on by default, on the solution's schedule, made due at once by a test."""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest

import personalize_local
from personalize_local.backend import solutions

from .conftest import Clients
from .helpers import fails, loaded_group, new_group
from .workflow import POPULARITY

MEMBER = "solutionConfig.autoTrainingConfig.schedulingExpression"


class Clock:
    """The emulator's clock, moved by hand as freezegun would move it."""

    def __init__(self) -> None:
        self.moment = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def forward(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(solutions, "now", clock)
    yield clock


def versions(c: Clients, solution_arn: str) -> list[tuple[str, str]]:
    """(trainingType, status) of the solution's versions, oldest first."""
    listed = c.personalize.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    return [(v["trainingType"], v["status"]) for v in reversed(listed)]


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
