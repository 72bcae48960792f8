"""The backend's one clock (core.py: ``BackendCore.clock``), as a user's calls meet it.

Reading a status changes nothing (lifecycle.py: ``Lifecycle.status``); statuses move, work that finished after a call
watched it lands, and work that is due starts, at the clock that every call passes before it is answered, whatever
the call. The backend's resources are read directly here, between calls, to see what moved and when.
"""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest

from personalize_local.backend import PersonalizeBackend, backend_for, core, lifecycle, progress_of
from personalize_local.backend.solutions import SolutionsService
from personalize_local.mock import mock_personalize

from .conftest import INTERACTIONS_SCHEMA, ROLE_ARN, Clients, make_clients, transitions
from .datagen import to_csv
from .helpers import ACCOUNT, REGION, fails, loaded_group, small_rows
from .workflow import POPULARITY, create_group, wait

IN_PROGRESS = {"CREATE PENDING", "CREATE IN_PROGRESS"}
# A guard against work that never finishes, not a measure of speed.
PATIENCE_SECONDS = 120.0


def backend() -> PersonalizeBackend:
    return backend_for(ACCOUNT, REGION)


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def clients_on(transition: dict[str, Any]) -> Iterator[Clients]:
    with transitions(transition), mock_personalize():
        clients = make_clients()
        yield clients
    assert clients.shape_errors == [], "\n".join(clients.shape_errors)


@pytest.fixture
def one_by_one() -> Iterator[Clients]:
    """Statuses that move one step at each describe of their resource (moto's manual progression, times 1)."""
    yield from clients_on({"progression": "manual", "times": 1})


@pytest.fixture
def by_the_second() -> Iterator[Clients]:
    """Statuses that moto's state manager would move at any read of them once they are 0 seconds old (its time progression)."""
    yield from clients_on({"progression": "time", "seconds": 0})


def others(c: Clients) -> None:
    """Calls that observe no dataset group: each passes the clock, none describes or lists one."""
    p = c.personalize
    p.list_recipes()
    schema_arn = p.create_schema(name=unique("unrelated"), schema=INTERACTIONS_SCHEMA)["schemaArn"]
    p.describe_schema(schemaArn=schema_arn)
    p.list_schemas()
    p.describe_recipe(recipeArn=POPULARITY)
    fails("ResourceNotFoundException", p.describe_solution, solutionArn=schema_arn.replace(":schema/", ":solution/"))
    fails("ResourceNotFoundException", c.runtime.get_recommendations, campaignArn=schema_arn.replace(":schema/", ":campaign/"), userId="u")


# Reading a status changes nothing ------------------------------------------------------------------


def test_reading_a_status_changes_nothing_and_a_describe_moves_it_one_step(one_by_one: Clients) -> None:
    p = one_by_one.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    group = backend().dataset_groups.groups.get(group_arn)
    made = (group.status, group.last_updated_date_time)
    assert made[0] == "CREATE PENDING"
    assert {(group.status, group.last_updated_date_time) for _ in range(100)} == {made}

    others(one_by_one)
    other_arn = p.create_dataset_group(name="other")["datasetGroupArn"]
    for _ in range(3):
        p.describe_dataset_group(datasetGroupArn=other_arn)  # another group's describes move that one only
    assert backend().dataset_groups.groups.get(other_arn).status == "ACTIVE"
    assert (group.status, group.last_updated_date_time) == made

    answered = p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["status"]
    assert answered == group.status == "CREATE IN_PROGRESS"
    assert {group.status for _ in range(100)} == {"CREATE IN_PROGRESS"}
    others(one_by_one)
    assert group.status == "CREATE IN_PROGRESS"
    assert p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["status"] == group.status == "ACTIVE"


def test_reading_a_status_changes_nothing_even_where_moto_would_move_it_at_any_read(by_the_second: Clients) -> None:
    """moto's own models step at every read of their status once it is old enough: these step only at the clock."""
    p = by_the_second.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    group = backend().dataset_groups.groups.get(group_arn)
    made = (group.status, group.last_updated_date_time)
    assert made[0] in IN_PROGRESS
    for _ in range(100):
        time.sleep(0.001)  # older than 0 seconds at every read
        assert (group.status, group.last_updated_date_time) == made
    others(by_the_second)
    assert (group.status, group.last_updated_date_time) == made

    answered = p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["status"]
    assert answered == group.status != made[0]


# One clock: finished work lands at the next call, whatever the call ---------------------------------


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The work behind every status started meanwhile (an import, a training) begins only once the event is set
    (set at the end, before the mock ends)."""
    release = threading.Event()
    start = core.BackendCore.start

    def held_start(self: core.BackendCore, kind: str, resource: Any, work: Any = None, apply: Any = None) -> None:
        def held_work() -> Any:
            assert release.wait(600), "the test never released the work"
            return work()

        start(self, kind, resource, held_work if work is not None else None, apply)

    monkeypatch.setattr(core.BackendCore, "start", held_start)
    yield release
    release.set()


def until_done(arn: str) -> None:
    """Wait, making no call, until the work behind ``arn``'s status is done and its worker has ended (so it has
    said it finished: backend.finished)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while progress_of(arn) != 1.0 or any(job.alive for job in backend().jobs):
        assert time.monotonic() < deadline, f"the work behind {arn} never finished"
        time.sleep(0.01)


# Calls that observe nothing of the resource whose work finished. ListRecipes is a List by its name, so the clock
# looks for listed resources of its kind (there are none); the others observe nothing at all.
UNRELATED: dict[str, Callable[[Clients], object]] = {
    "ListRecipes": lambda c: c.personalize.list_recipes(),
    "CreateSchema": lambda c: c.personalize.create_schema(name=unique("unrelated"), schema=INTERACTIONS_SCHEMA),
    "GetRecommendations refused": lambda c: fails(
        "ResourceNotFoundException",
        c.runtime.get_recommendations,
        campaignArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:campaign/none",
        userId="u",
    ),
}


def held_import(c: Clients) -> tuple[str, str]:
    """A dataset, and an import job into it whose work is held: their ARNs."""
    group = create_group(c)
    c.s3.create_bucket(Bucket="data")
    c.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = c.personalize.create_dataset_import_job(
        jobName="j", datasetArn=group.dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    return group.dataset_arn, job_arn


@pytest.mark.parametrize("call", UNRELATED.values(), ids=UNRELATED.keys())
def test_work_that_finishes_after_a_describe_watched_it_lands_at_the_next_call(
    aws: Clients, held: threading.Event, monkeypatch: pytest.MonkeyPatch, call: Callable[[Clients], object]
) -> None:
    p = aws.personalize
    dataset_arn, job_arn = held_import(aws)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0")  # a describe waits for no work
    job = backend().datasets.import_jobs.get(job_arn)
    dataset = backend().datasets.datasets.get(dataset_arn)
    watched = p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]["status"]
    assert watched in IN_PROGRESS

    held.set()
    until_done(job_arn)
    # Done, and nothing landed: no call has passed the clock since.
    assert (job.status, job.rows, dataset.bulk_imported) == (watched, 0, False)

    call(aws)
    assert (job.status, job.rows, dataset.bulk_imported) == ("ACTIVE", len(small_rows()), True)
    assert p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]["status"] == "ACTIVE"


@pytest.mark.parametrize("call", UNRELATED.values(), ids=UNRELATED.keys())
def test_a_training_that_finishes_after_a_describe_watched_it_lands_at_the_next_call(
    aws: Clients, monkeypatch: pytest.MonkeyPatch, call: Callable[[Clients], object]
) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(
        name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY, performAutoTraining=False
    )["solutionArn"]
    release = threading.Event()
    train = SolutionsService._train

    def held_train(self: Any, *args: Any, **kwargs: Any) -> Any:
        assert release.wait(600), "the test never released the training"
        return train(self, *args, **kwargs)

    monkeypatch.setattr(SolutionsService, "_train", held_train)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0")
    try:
        version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
        version = backend().solutions.versions.get(version_arn)
        watched = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["status"]
        assert watched in IN_PROGRESS
    finally:
        release.set()
    until_done(version_arn)
    assert version.status == watched and version.trained is None

    call(aws)
    assert version.status == "ACTIVE" and version.trained is not None
    described = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert described["status"] == "ACTIVE", described.get("failureReason")
    assert p.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]


def test_work_no_call_watched_lands_with_its_first_observation_not_at_another_call(
    aws: Clients, held: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A status not observed since its create shows its first step to any other call (a stop right after a create
    stops the work), finished or not; the first describe or list then steps it."""
    p = aws.personalize
    _, job_arn = held_import(aws)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0")
    job = backend().datasets.import_jobs.get(job_arn)
    held.set()
    until_done(job_arn)
    p.list_recipes()
    assert (job.status, job.rows) == ("CREATE PENDING", 0)
    listed = p.list_dataset_import_jobs()["datasetImportJobs"]
    assert [j["status"] for j in listed] == ["ACTIVE"] and job.rows == len(small_rows())


# Due work starts at the clock of any call ----------------------------------------------------------


@pytest.mark.parametrize("call", UNRELATED.values(), ids=UNRELATED.keys())
def test_a_due_automatic_training_starts_at_any_call(aws: Clients, call: Callable[[Clients], object]) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="auto", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert wait(lambda: p.describe_solution(solutionArn=solution_arn)["solution"])["status"] == "ACTIVE"
    solutions = backend().solutions
    solution = solutions.solutions.get(solution_arn)
    schedule = solution.schedule
    assert schedule is not None

    call(aws)  # not due yet: within the hour after the solution turned ACTIVE
    assert solutions.versions.find(lambda v: v.solution is solution) == []

    with backend().lock:
        schedule.next_due = datetime.now(timezone.utc) - timedelta(seconds=1)
    call(aws)
    # Started by that call's clock: no call has listed or described a version yet.
    [version] = solutions.versions.find(lambda v: v.solution is solution)
    assert version.training_type == "AUTOMATIC"
    assert schedule.next_due > datetime.now(timezone.utc)

    [listed] = p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    assert (listed["solutionVersionArn"], listed["trainingType"]) == (version.arn, "AUTOMATIC")
    done = wait(lambda: p.describe_solution_version(solutionVersionArn=version.arn)["solutionVersion"], patience=300)
    assert done["status"] == "ACTIVE", done.get("failureReason")
