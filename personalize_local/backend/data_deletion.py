"""Data deletion jobs: users and all their data leave a dataset group (delete-records.md); Create, Describe, List.

The job reads a CSV file, or every file under a folder, with a single USER_ID column. When it
completes, every row of those users has left every dataset of the group: interactions, users
and action interactions, imported or recorded, with the events of anonymous sessions that
joined them, and what the group remembers of their events. Solution versions trained before
keep what they learnt, as in the service: the next training no longer sees the users.
Statuses: PENDING > IN_PROGRESS > COMPLETED or FAILED; ``numDeleted`` counts the rows deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..data.csv_import import DataImportError, read_csv_files
from ..data.s3 import S3ReadError, read_objects
from ..data.schemas import Field, Schema
from . import quotas
from .core import BackendCore, Resource, now, require_s3_path
from .dataset_groups import DatasetGroupsService
from .datasets import DatasetsService
from .lifecycle import Apply, JobFailed
from .store import Store

KIND = "data-deletion-job"
# The input: one USER_ID column (CreateDataDeletionJob), checked as a Users import checks its IDs.
USER_LIST = Schema("UserList", None, (Field("USER_ID", ("string",)),))
# delete-records.md: "The maximum total size of your data deletion input file or files is 50 MB."
MAX_INPUT_BYTES = 50 * 1024 * 1024


@dataclass(kw_only=True)
class DataDeletionJob(Resource):
    dataset_group_arn: str
    data_location: str
    role_arn: str
    num_deleted: int | None = None

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "dataSource": {"dataLocation": self.data_location},
            "roleArn": self.role_arn,
            "numDeleted": self.num_deleted,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "jobName": self.name,
            "dataDeletionJobArn": self.arn,
            "datasetGroupArn": self.dataset_group_arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


class DataDeletionService:
    """The data deletion jobs of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateDataDeletionJob", "DescribeDataDeletionJob", "ListDataDeletionJobs")

    def __init__(self, core: BackendCore, groups: DatasetGroupsService, datasets: DatasetsService) -> None:
        self.core, self.groups, self.datasets = core, groups, datasets
        self.deletion_jobs: Store[DataDeletionJob] = Store(core, KIND)

    def create_data_deletion_job(
        self,
        job_name: str,
        dataset_group_arn: str,
        data_source: dict[str, Any],
        role_arn: str,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        self.groups.groups.require_active(dataset_group_arn)
        location = require_s3_path(data_source.get("dataLocation"), "dataSource.dataLocation")
        quotas.PENDING_DATA_DELETION_JOBS.check(
            self.deletion_jobs.find(lambda j: j.dataset_group_arn == dataset_group_arn and j.status == "PENDING")
        )
        job = DataDeletionJob(
            arn=self.deletion_jobs.arn(job_name),
            name=job_name,
            dataset_group_arn=dataset_group_arn,
            data_location=location,
            role_arn=role_arn,
        )
        self.deletion_jobs.add(job, tags)
        # S3 is read now, inside the call: moto's S3 is not to be touched from a worker.
        try:
            files: list[tuple[str, bytes]] | S3ReadError = read_objects(self.core.account_id, self.core.partition, location)
        except S3ReadError as error:
            files = error
        self.deletion_jobs.start(job, lambda: self._delete_users(job, files))
        return {"dataDeletionJobArn": job.arn}

    def _delete_users(self, job: DataDeletionJob, files: list[tuple[str, bytes]] | S3ReadError) -> Apply:
        """Read the user list; the users' rows go as the job completes, from the datasets the group has then."""
        if isinstance(files, S3ReadError):
            raise JobFailed(str(files))
        size = sum(len(content) for _, content in files)
        if size > MAX_INPUT_BYTES:
            raise JobFailed(f"{job.data_location} holds {size} bytes; the files of a data deletion job hold {MAX_INPUT_BYTES} at most.")
        try:
            users = set(read_csv_files(files, USER_LIST, "USERS", only_schema_columns=True)["USER_ID"])
        except DataImportError as error:
            raise JobFailed(str(error)) from None

        def apply() -> None:
            deleted = 0
            for dataset in self.datasets.datasets.find(lambda d: d.dataset_group_arn == job.dataset_group_arn):
                gone = dataset.table.delete_users(dataset.events.forget_users(users))
                if gone:
                    dataset.last_updated_date_time = now()
                deleted += gone
            job.num_deleted = deleted

        return apply

    def describe_data_deletion_job(self, data_deletion_job_arn: str) -> dict[str, Any]:
        return {"dataDeletionJob": self.deletion_jobs.observe(data_deletion_job_arn).describe()}

    def list_data_deletion_jobs(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.deletion_jobs.list_page("dataDeletionJobs", next_token, max_results, dataset_group_arn=dataset_group_arn)
