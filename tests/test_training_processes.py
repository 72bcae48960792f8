"""Trainings in a worker process (backend/training_processes.py), as a user meets them through boto3: the same
model as a training in a thread, its progress, a killed worker, a stopped training, the variable that says which
trainings use a process."""
from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from personalize_local import cli, mock_personalize, progress_of
from personalize_local.backend import training_processes
from personalize_local.backend.training_processes import PROCESS_FROM_ENV, parse_process_from

from .conftest import Clients, make_clients
from .datagen import GENRES, interactions, to_csv
from .helpers import domain_group, recommender, use_case
from .workflow import POPULARITY, USER_PERSONALIZATION, Group, create_group, deploy, import_csv, train, wait

ROOT = Path(__file__).resolve().parents[1]
USERS = [f"user-{u}" for u in range(0, 100, 7)]
PATIENCE = 120.0  # seconds a worker process may take to show up or go: a bound on a hang, not a measure


@pytest.fixture
def in_processes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every training in worker processes; the work each of them was given."""
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    started: list[str] = []
    start = training_processes._start

    def recorded(work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started.append(f"{work.__module__}.{work.__name__}")
        return start(work, *args, **kwargs)

    monkeypatch.setattr(training_processes, "_start", recorded)
    return started





def loaded(c: Clients) -> Group:
    group = create_group(c)
    assert import_csv(c, group.dataset_arn, to_csv(interactions(tastes=GENRES)))["status"] == "ACTIVE"
    return group


def answers(c: Clients, version: dict[str, Any], name: str) -> tuple[dict[str, float], list[list[str]]]:
    """The version's metrics, and its campaign's recommendations for a few users."""
    metrics = c.personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]
    campaign = deploy(c, version["solutionVersionArn"], name=name)
    recommended = [
        [i["itemId"] for i in c.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=10)["itemList"]]
        for user in USERS
    ]
    return metrics, recommended


def until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + PATIENCE
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {PATIENCE:.0f} s")
        time.sleep(0.01)
    return found


def worker_pids() -> list[int]:
    """The worker processes training now (one training at a time here: its evaluation and its final fit)."""
    return until(lambda: len(pids := list(training_processes.running)) == 2 and pids, "no worker processes started")


def gone(pid: int) -> bool:
    """Whether the process ``pid`` has ended and been reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def start_version(c: Clients, group_arn: str, recipe: str = USER_PERSONALIZATION) -> str:
    p = c.personalize
    solution = p.create_solution(name="solution", datasetGroupArn=group_arn, recipeArn=recipe)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
    return p.create_solution_version(solutionArn=solution)["solutionVersionArn"]


# The same results --------------------------------------------------------------------------------


def test_a_version_trained_in_a_process_answers_as_one_trained_in_the_thread(
    aws: Clients, monkeypatch: pytest.MonkeyPatch, in_processes: list[str]
) -> None:
    group = loaded(aws)
    monkeypatch.setenv(PROCESS_FROM_ENV, str(10**9))
    in_thread = train(aws, group.dataset_group_arn, name="in-thread")
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")  # read at each training's start
    in_process = train(aws, group.dataset_group_arn, name="in-process")

    # Its evaluation and its final fit, independent, each in a process of its own.
    assert in_processes == ["personalize_local.backend.solutions._evaluated", "personalize_local.backend.solutions._fitted"]
    assert in_thread["status"] == in_process["status"] == "ACTIVE", in_process.get("failureReason")
    assert answers(aws, in_process, "in-process") == answers(aws, in_thread, "in-thread")
    assert in_process["recipeArn"] == in_thread["recipeArn"]
    assert not training_processes.running


def test_a_tuned_training_evaluates_first_then_fits_in_one_process(
    aws: Clients, monkeypatch: pytest.MonkeyPatch, in_processes: list[str]
) -> None:
    group = loaded(aws)
    config = {"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "2"}}}
    monkeypatch.setenv(PROCESS_FROM_ENV, str(10**9))
    in_thread = train(aws, group.dataset_group_arn, name="in-thread", performHPO=True, solutionConfig=config)
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    in_process = train(aws, group.dataset_group_arn, name="in-process", performHPO=True, solutionConfig=config)

    # HPO chooses by its evaluations before the final fit: one process, one after the other.
    assert in_processes == ["personalize_local.backend.solutions._fit"]
    assert in_thread["status"] == in_process["status"] == "ACTIVE", in_process.get("failureReason")
    assert answers(aws, in_process, "in-process") == answers(aws, in_thread, "in-thread")


def test_a_recommender_trained_in_a_process_answers_as_one_trained_in_the_thread(
    aws: Clients, monkeypatch: pytest.MonkeyPatch, in_processes: list[str]
) -> None:
    from .datagen import shop_events

    group_arn = domain_group(aws, "ECOMMERCE", shop_events())
    name = "aws-ecomm-recommended-for-you"
    monkeypatch.setenv(PROCESS_FROM_ENV, str(10**9))
    p = aws.personalize
    in_thread = p.create_recommender(name="in-thread", datasetGroupArn=group_arn, recipeArn=use_case(name))["recommenderArn"]
    in_thread_done = wait(lambda: p.describe_recommender(recommenderArn=in_thread)["recommender"])
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    in_process_done = recommender(aws, group_arn, name)

    assert in_processes == ["personalize_local.backend.recommenders._fit"]
    assert in_thread_done["status"] == in_process_done["status"] == "ACTIVE", in_process_done.get("failureReason")
    assert in_process_done["modelMetrics"] == in_thread_done["modelMetrics"]

    def recommended(arn: str) -> list[list[str]]:
        return [
            [i["itemId"] for i in aws.runtime.get_recommendations(recommenderArn=arn, userId=user, numResults=10)["itemList"]]
            for user in USERS
        ]

    assert recommended(in_process_done["recommenderArn"]) == recommended(in_thread)


def test_a_training_error_in_the_process_fails_the_version_as_in_the_thread(
    aws: Clients, monkeypatch: pytest.MonkeyPatch, in_processes: list[str]
) -> None:
    group = loaded(aws)  # only "watch" events: nothing to train a "click" solution on
    monkeypatch.setenv(PROCESS_FROM_ENV, str(10**9))
    in_thread = train(aws, group.dataset_group_arn, name="in-thread", recipe=POPULARITY, eventType="click")
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    in_process = train(aws, group.dataset_group_arn, name="in-process", recipe=POPULARITY, eventType="click")

    assert len(in_processes) == 2
    assert in_process["status"] == in_thread["status"] == "CREATE FAILED"
    assert in_process["failureReason"] == in_thread["failureReason"]
    assert "1000" in in_process["failureReason"]


# Progress ----------------------------------------------------------------------------------------


def test_a_training_in_a_process_reports_its_progress_here(aws: Clients, fractions: list[float], in_processes: list[str]) -> None:
    group = loaded(aws)
    fractions.clear()
    version = train(aws, group.dataset_group_arn)

    assert version["status"] == "ACTIVE" and len(in_processes) == 2
    # The evaluation and the final fit side by side, epoch by epoch: each fills half of the bar as it goes.
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(fractions) >= 20, fractions
    assert progress_of(version["solutionVersionArn"]) == 1.0


# A worker that dies, a training stopped, the mock left ---------------------------------------------


def test_a_killed_worker_fails_its_version_with_the_reason(aws: Clients, in_processes: list[str]) -> None:
    group = loaded(aws)
    version_arn = start_version(aws, group.dataset_group_arn)
    pid, other = worker_pids()
    os.kill(pid, signal.SIGKILL)

    version = wait(lambda: aws.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"] == training_processes.DIED.format(code=-signal.SIGKILL)
    assert "stopped unexpectedly (exit code -9)" in version["failureReason"]
    assert until(lambda: gone(pid), "the killed worker was not reaped") and not training_processes.running
    assert gone(other)  # the training's other part ended with it

    # Nothing else is hurt: the next training succeeds.
    retrained = train(aws, group.dataset_group_arn, name="again")
    assert retrained["status"] == "ACTIVE", retrained.get("failureReason")


def test_stopping_the_training_ends_its_worker(aws: Clients, in_processes: list[str]) -> None:
    group = loaded(aws)
    version_arn = start_version(aws, group.dataset_group_arn)
    pids = worker_pids()

    aws.personalize.stop_solution_version_creation(solutionVersionArn=version_arn)

    until(lambda: all(gone(pid) for pid in pids), "the stopped training's workers still run")
    assert not training_processes.running
    version = aws.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "CREATE STOPPED"


def test_leaving_the_mock_ends_the_worker(monkeypatch: pytest.MonkeyPatch, in_processes: list[str]) -> None:
    with mock_personalize():
        c = make_clients()
        start_version(c, loaded(c).dataset_group_arn)
        pids = worker_pids()
    # Leaving cancels the work and waits for its worker thread, which ends the processes first.
    assert all(gone(pid) for pid in pids) and not training_processes.running


def test_no_worker_outlives_its_interpreter() -> None:
    """A program that exits while a training runs in a worker process (its mock never left) takes the worker along."""
    program = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        os.environ.update(AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_DEFAULT_REGION="us-east-1")
        os.environ[{PROCESS_FROM_ENV!r}] = "0"
        from personalize_local import mock_personalize
        from personalize_local.backend import training_processes
        from tests.conftest import make_clients
        from tests.test_training_processes import loaded, start_version
        mock_personalize().start()
        c = make_clients()
        start_version(c, loaded(c).dataset_group_arn)
        while len(training_processes.running) < 2:
            time.sleep(0.01)
        print(*training_processes.running, flush=True)
        """
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=PATIENCE, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    pids = [int(pid) for pid in run.stdout.split()[-2:]]
    until(lambda: all(gone(pid) for pid in pids), "a worker outlived its interpreter")


# Which trainings use a process ----------------------------------------------------------------------


def test_small_trainings_stay_in_the_thread_by_default(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROCESS_FROM_ENV, raising=False)
    started: list[Any] = []
    monkeypatch.setattr(training_processes, "_start", lambda *args, **kwargs: started.append(args))
    version = train(aws, loaded(aws).dataset_group_arn)  # 1,500 interactions
    assert version["status"] == "ACTIVE" and started == []
    assert training_processes.process_from() == training_processes.DEFAULT_PROCESS_FROM == 20_000


@pytest.mark.parametrize(("text", "count"), [("0", 0), ("20000", 20000), (" 5 ", 5)])
def test_the_variable_reads_a_number_of_interactions(text: str, count: int) -> None:
    assert parse_process_from(text) == count


@pytest.mark.parametrize("value", ["-1", "lots", "", "1.5", "nan"])
def test_a_bad_variable_is_refused_naming_it(aws: Clients, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    with pytest.raises(ValueError, match=PROCESS_FROM_ENV):
        parse_process_from(value)
    monkeypatch.setenv(PROCESS_FROM_ENV, value)
    version = train(aws, loaded(aws).dataset_group_arn)
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"].startswith(f"{PROCESS_FROM_ENV} must be a whole number of interactions, 0 or more")
    assert repr(value) in version["failureReason"]


@pytest.mark.parametrize("value", ["-1", "lots"])
def test_a_bad_variable_stops_the_mock_and_the_server_before_they_serve(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(PROCESS_FROM_ENV, value)
    with pytest.raises(ValueError, match=PROCESS_FROM_ENV):
        mock_personalize()
    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda *args, **kwargs: served.append(args))
    with pytest.raises(SystemExit, match=PROCESS_FROM_ENV):
        cli.main(["server", "--port", "0"])
    assert served == []


# The helper itself --------------------------------------------------------------------------------


def test_work_in_a_process_returns_its_result_or_raises_its_error_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    assert training_processes.run(1, operator.add, 2, 3) == 5
    with pytest.raises(KeyError, match="missing") as raised:
        training_processes.run(1, operator.getitem, {}, "missing")
    assert "KeyError" in str(raised.value.__cause__)  # the worker's traceback
    # A result that can't cross back fails with the reason.
    with pytest.raises(TypeError, match="pickle"):
        training_processes.run(1, threading.Lock)
    assert not training_processes.running


def threads_niceness() -> list[int]:
    """The niceness of every thread of this process, numpy's BLAS threads among them (imported first)."""
    import numpy  # noqa: F401  # starts BLAS's threads, as a training's imports do

    return [int(open(f"/proc/self/task/{task}/stat").read().rsplit(")", 1)[1].split()[16]) for task in os.listdir("/proc/self/task")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads each thread's priority from /proc")
def test_every_thread_of_a_worker_runs_at_its_lowered_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    assert min(training_processes.run(1, threads_niceness)) >= training_processes.NICENESS


def test_workers_side_by_side_keep_blas_to_one_thread_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESS_FROM_ENV, "0")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    asked = (os.getenv, ("OPENBLAS_NUM_THREADS",), {})
    assert training_processes.run_side_by_side(1, asked, asked) == ["1", "1"]
    assert training_processes.run(1, os.getenv, "OPENBLAS_NUM_THREADS") is None  # alone, BLAS keeps its threads
