"""How long a call waits for the work behind a status, and which calls wait at all.

Only a describe waits, for the resource it names, within PERSONALIZE_LOCAL_WAIT_SECONDS
(20 s by default) or ``personalize-local server --wait-seconds``; past it the status honestly
reads in progress. Lists never wait; other calls see statuses as the last describe or list left them.
Trainings here are held on an Event, so nothing depends on how fast a real one is.
"""
from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any, Callable

import pytest

from personalize_local import cli, mock_personalize
from personalize_local.backend import lifecycle

from .conftest import Clients
from .helpers import fails, loaded_group
from .workflow import POPULARITY, wait

IN_PROGRESS = {"CREATE PENDING", "CREATE IN_PROGRESS"}
# A guard against a call that hangs on a held training, not a measure of speed: far above any call's
# own time, far below the budget the listing test sets, so a call that waited is caught.
HANG_GUARD_SECONDS = 15.0
LONG_BUDGET = "300"





def held_version(c: Clients) -> tuple[str, str, str]:
    """A group with data, a solution, and a version of it whose training is held: their ARNs."""
    p = c.personalize
    group = loaded_group(c)
    solution = p.create_solution(name="held", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    return group.dataset_group_arn, solution, version


def answered(call: Callable[..., Any], **params: Any) -> Any:
    """``call``'s answer, which must come back while the training is still held (a hang guard, not a timing)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = call(**params)
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_SECONDS)
    assert not thread.is_alive(), f"{call.__name__} waited for a training it does not observe"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


# The budget --------------------------------------------------------------------------------------


def test_the_default_budget_is_well_under_botocores_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lifecycle.WAIT_ENV, raising=False)
    assert lifecycle.wait_budget() == lifecycle.DEFAULT_WAIT_SECONDS == 20.0
    monkeypatch.setenv(lifecycle.WAIT_ENV, "2.5")
    assert lifecycle.wait_budget() == 2.5  # read again at each call
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0")
    assert lifecycle.wait_budget() == 0.0


@pytest.mark.parametrize("value", ["-1", "soon", "", "nan", "inf"])
def test_a_bad_budget_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(lifecycle.WAIT_ENV, value)
    with pytest.raises(ValueError, match=lifecycle.WAIT_ENV):
        lifecycle.wait_budget()
    with pytest.raises(ValueError, match=lifecycle.WAIT_ENV):
        mock_personalize()  # said when the mock starts, not at its first call


# Describing a version whose training outlasts the budget ----------------------------------------


def test_a_describe_past_the_budget_answers_in_progress_then_the_final_status(
    aws: Clients, held: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = aws.personalize
    _, _, version = held_version(aws)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0.2")
    describe = lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]  # noqa: E731

    assert answered(describe)["status"] in IN_PROGRESS
    assert answered(describe)["status"] in IN_PROGRESS  # held still: it cannot have finished

    held.set()
    done = wait(describe)
    assert done["status"] == "ACTIVE", done.get("failureReason")


def test_a_budget_of_0_never_waits(aws: Clients, held: threading.Event, monkeypatch: pytest.MonkeyPatch) -> None:
    p = aws.personalize
    _, _, version = held_version(aws)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0")
    describe = lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]  # noqa: E731
    assert answered(describe)["status"] in IN_PROGRESS
    held.set()
    assert wait(describe)["status"] == "ACTIVE"


# Calls that don't observe the training never wait for it ----------------------------------------


def test_lists_and_quota_checks_never_wait_for_a_training(aws: Clients, held: threading.Event, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a budget far past the hang guard, a call that waited on the held training would be caught."""
    p = aws.personalize
    group, solution, version = held_version(aws)
    monkeypatch.setenv(lifecycle.WAIT_ENV, LONG_BUDGET)

    versions = answered(p.list_solution_versions, solutionArn=solution)["solutionVersions"]
    assert [(v["solutionVersionArn"], v["status"] in IN_PROGRESS) for v in versions] == [(version, True)]
    assert answered(p.list_solution_versions)["solutionVersions"][0]["status"] in IN_PROGRESS
    assert [s["solutionArn"] for s in answered(p.list_solutions, datasetGroupArn=group)["solutions"]] == [solution]
    assert answered(p.list_solutions)["solutions"][0]["status"] == "ACTIVE"
    assert [g["datasetGroupArn"] for g in answered(p.list_dataset_groups)["datasetGroups"]] == [group]
    # CreateDatasetGroup's quota check counts the region's groups; it doesn't wait on anybody's training.
    assert answered(p.create_dataset_group, name="meanwhile")["datasetGroupArn"]
    # DescribeSolution names the solution, not its version: the version shows as it is now.
    described = answered(p.describe_solution, solutionArn=solution)["solution"]
    assert described["status"] == "ACTIVE" and described["latestSolutionVersion"]["status"] in IN_PROGRESS
    # CreateSolutionVersion looks over the solution's other versions: one is training, so it is refused now.
    refused = answered(lambda: fails("ResourceInUseException", p.create_solution_version, solutionArn=solution))
    assert "already has a solution version in training" in refused
    assert not held.is_set()

    held.set()
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])["status"] == "ACTIVE"
    assert answered(p.list_solution_versions, solutionArn=solution)["solutionVersions"][0]["status"] == "ACTIVE"


# The server's flag ---------------------------------------------------------------------------------


def test_the_server_lists_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["server", "--help"])
    assert exited.value.code == 0
    assert "--wait-seconds" in capsys.readouterr().out


def test_a_bad_flag_exits_1_with_one_line_on_stderr() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "personalize_local", "server", "--port", "0", "--wait-seconds", "-1"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "--wait-seconds" in lines[0] and "'-1'" in lines[0], run.stderr


@pytest.mark.parametrize("value", ["soon", "nan"])
def test_a_bad_flag_or_variable_stops_the_server_before_it_serves(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda *args, **kwargs: served.append(args))
    monkeypatch.delenv(lifecycle.WAIT_ENV, raising=False)
    with pytest.raises(SystemExit, match="--wait-seconds"):
        cli.main(["server", "--port", "0", "--wait-seconds", value])
    monkeypatch.setenv(lifecycle.WAIT_ENV, value)
    with pytest.raises(SystemExit, match=lifecycle.WAIT_ENV):
        cli.main(["server", "--port", "0"])
    assert served == []


class _Writer:
    def stop(self) -> None:
        pass


def test_the_flag_sets_the_servers_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    budgets: list[float] = []
    monkeypatch.setattr(cli, "_log_to_stderr", _Writer)
    monkeypatch.setattr(cli, "serve", lambda *args, **kwargs: budgets.append(lifecycle.wait_budget()))
    # cli.main sets the variable: recorded as it is (set or not) so that it is put back afterwards for the next tests.
    monkeypatch.setenv(lifecycle.WAIT_ENV, "")
    monkeypatch.delenv(lifecycle.WAIT_ENV)

    cli.main(["server", "--port", "0", "--wait-seconds", "3.5"])
    cli.main(["server", "--port", "0", "--wait-seconds", "0"])
    monkeypatch.delenv(lifecycle.WAIT_ENV)
    cli.main(["server", "--port", "0"])
    assert budgets == [3.5, 0.0, lifecycle.DEFAULT_WAIT_SECONDS]
