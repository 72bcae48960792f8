"""Progress reported from inside the work behind a status, as in-process code reads it (progress_of)."""
from __future__ import annotations

import pytest

from personalize_local import progress, progress_of

from .conftest import Clients
from .datagen import GENRES, interactions, to_csv
from .helpers import arn
from .workflow import USER_PERSONALIZATION, create_group, import_csv, train





def assert_fills_up(seen: list[float], steps_at_least: int) -> None:
    assert seen == sorted(seen), seen
    assert 0.0 < seen[0] and seen[-1] == 1.0
    assert len(seen) >= steps_at_least, seen


def test_an_import_reports_each_file_and_column_then_reads_done(aws: Clients, fractions: list[float]) -> None:
    group = create_group(aws)
    job = import_csv(aws, group.dataset_arn, to_csv(interactions()))
    assert job["status"] == "ACTIVE"
    # Four columns (USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP): the file read, then each column checked.
    assert_fills_up(fractions, 4)
    assert progress_of(job["datasetImportJobArn"]) == 1.0


def test_a_training_reports_its_evaluation_and_final_fit_epoch_by_epoch(aws: Clients, fractions: list[float]) -> None:
    group = create_group(aws)
    import_csv(aws, group.dataset_arn, to_csv(interactions(tastes=GENRES)))
    fractions.clear()
    version = train(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION)
    assert version["status"] == "ACTIVE"
    # An evaluation and a final fit, each of LightFM's epochs reported: many steps, each half ending on its mark.
    assert_fills_up(fractions, 20)
    assert 0.5 in fractions
    assert progress_of(version["solutionVersionArn"]) == 1.0


def test_a_failed_import_ends_done_too(aws: Clients, fractions: list[float]) -> None:
    group = create_group(aws)
    job = import_csv(aws, group.dataset_arn, b"USER_ID,ITEM_ID,TIMESTAMP\nu,i,not-a-time\n")
    assert job["status"] == "CREATE FAILED"
    assert progress_of(job["datasetImportJobArn"]) == 1.0


def test_resources_without_work_read_done_and_unknown_ones_none(aws: Clients) -> None:
    group = create_group(aws)
    assert progress_of(group.dataset_group_arn) == 1.0
    assert progress_of(group.schema_arn) == 1.0
    assert progress_of(arn("dataset-group", "none")) is None
    assert progress_of("not an arn") is None


def test_steps_fill_their_own_share_and_reports_outside_a_job_go_nowhere() -> None:
    progress.report(1, 2)  # no job: nothing to report to, no error
    job = progress.Progress()
    with progress.tracking(job):
        with progress.part(0, 4):
            progress.report(1, 2)
            assert job.fraction == pytest.approx(0.125)
        assert job.fraction == pytest.approx(0.25)
        with progress.part(3, 4):
            with progress.part(0, 2):
                progress.report(5, 10)
                assert job.fraction == pytest.approx(0.75 + 0.0625)
            assert job.fraction == pytest.approx(0.875)
            progress.report(0, 1)  # never back
            assert job.fraction == pytest.approx(0.875)
    assert job.fraction == 1.0
