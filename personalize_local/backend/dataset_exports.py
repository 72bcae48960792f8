"""Dataset export jobs: a dataset's rows as CSV files in S3 (export-data.md); Create, Describe, List.

``ingestionMode`` picks the rows: BULK what import jobs brought, PUT what PutEvents, PutItems
and PutUsers recorded one by one (the default), ALL both, where an item or user keeps only its
newest record. Records that match in every field are exported once. The rows are those of the
moment the job is created; the file lands in S3 with the job's ACTIVE, readable by an import job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import pandas as pd

from ..data.csv_export import to_csv
from ..data.s3 import S3Folder, S3WriteError, output_folder
from ..data.schemas import Schema
from ..data.table import DatasetTable
from .core import BackendCore, Resource, require_s3_path
from .datasets import KIND as DATASET_KIND
from .datasets import DatasetsService
from .lifecycle import Apply, JobFailed
from .store import Store

KIND = "dataset-export-job"
DEFAULT_INGESTION_MODE = "PUT"
# The file each job writes under the output path, in a folder named after the job.
OUTPUT_FILE = "part-00000.csv"


def _newest(table: DatasetTable) -> pd.DataFrame:
    frame = table.frame()
    return frame.drop_duplicates(table.key, keep="last") if table.key else frame


# The rows each ingestionMode exports, before records that match exactly are made one.
EXPORTED: dict[str, Callable[[DatasetTable], pd.DataFrame]] = {
    "BULK": lambda table: table.bulk(),
    "PUT": lambda table: table.recorded(),
    "ALL": _newest,
}


@dataclass(kw_only=True)
class DatasetExportJob(Resource):
    dataset_arn: str
    ingestion_mode: str = DEFAULT_INGESTION_MODE
    role_arn: str
    destination: dict[str, str]

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "datasetArn": self.dataset_arn,
            "ingestionMode": self.ingestion_mode,
            "roleArn": self.role_arn,
            "jobOutput": {"s3DataDestination": self.destination},
        }

    def summary(self) -> dict[str, Any]:
        return {
            "jobName": self.name,
            "datasetExportJobArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


class DatasetExportsService:
    """The dataset export jobs of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateDatasetExportJob", "DescribeDatasetExportJob", "ListDatasetExportJobs")

    def __init__(self, core: BackendCore, datasets: DatasetsService) -> None:
        self.core, self.datasets = core, datasets
        self.export_jobs: Store[DatasetExportJob] = Store(core, KIND)
        # API_DeleteDataset.md: a dataset is not deleted while an export job reads it.
        core.depends(DATASET_KIND, "export job", lambda arn: self.export_jobs.find(lambda j: j.dataset_arn == arn and j.busy))

    def create_dataset_export_job(
        self,
        job_name: str,
        dataset_arn: str,
        role_arn: str,
        job_output: dict[str, Any],
        ingestion_mode: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        dataset = self.datasets.datasets.require_active(dataset_arn)
        destination = job_output["s3DataDestination"]
        path = require_s3_path(destination["path"], "jobOutput.s3DataDestination.path")
        mode = ingestion_mode or DEFAULT_INGESTION_MODE
        job = DatasetExportJob(
            arn=self.export_jobs.arn(job_name),
            name=job_name,
            dataset_arn=dataset_arn,
            ingestion_mode=mode,
            role_arn=role_arn,
            destination=dict(destination),
        )
        self.export_jobs.add(job, tags)
        # What S3 and the dataset hold now, read inside the call: the worker touches neither.
        try:
            folder: S3Folder | S3WriteError = output_folder(self.core.account_id, self.core.partition, path)
        except S3WriteError as error:
            folder = error
        rows = EXPORTED[mode](dataset.table)
        schema = dataset.schema.parsed
        self.export_jobs.start(job, lambda: self._export(job, rows, schema, folder))
        return {"datasetExportJobArn": job.arn}

    def _export(self, job: DatasetExportJob, rows: pd.DataFrame, schema: Schema, folder: S3Folder | S3WriteError) -> Apply:
        if isinstance(folder, S3WriteError):
            raise JobFailed(str(folder))
        body = to_csv(rows.drop_duplicates(), schema)
        return lambda: self.core.post(lambda: folder.put(f"{job.name}/{OUTPUT_FILE}", body))

    def describe_dataset_export_job(self, dataset_export_job_arn: str) -> dict[str, Any]:
        return {"datasetExportJob": self.export_jobs.observe(dataset_export_job_arn).describe()}

    def list_dataset_export_jobs(
        self, dataset_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.export_jobs.list_page("datasetExportJobs", next_token, max_results, dataset_arn=dataset_arn)
