"""Datasets and dataset import jobs."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, ClassVar, Protocol

import pandas as pd

from ..data.csv_import import DataImportError, read_csv_files
from ..data.s3 import S3ReadError, read_objects
from ..data.schemas import DATASET_TYPE_NAMES, SchemaError, check_dataset_schema, normalize_dataset_type
from ..data.events import EventLog
from ..data.table import RECORD_KEYS, DatasetTable
from ..errors import InvalidInputException, ResourceAlreadyExistsException, ResourceInUseException
from . import faults, quotas
from .core import BackendCore, Resource, now, require_s3_path
from .dataset_groups import DatasetGroupsService
from .lifecycle import GONE, Apply, JobFailed
from .schemas import DatasetSchema, SchemasService
from .store import Store

KIND = "dataset"
IMPORT_KIND = "dataset-import-job"
# limits.md: every import job into an Interactions dataset brings at least this many records.
MIN_IMPORTED_INTERACTIONS = 1000
# action-interaction-tracker-id.md: an Action interactions dataset comes with its own event tracker,
# whose ID PutActionInteractions takes and DescribeDataset shows.
OWN_TRACKER_TYPES = frozenset({"ACTION_INTERACTIONS"})


@dataclass(kw_only=True)
class DatasetUpdate(Resource):
    """latestDatasetUpdate: a schema waiting to replace the dataset's (UpdateDataset)."""

    schema: DatasetSchema

    def summary(self) -> dict[str, Any]:
        return {
            "schemaArn": self.schema.arn,
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


@dataclass(kw_only=True)
class Dataset(Resource):
    dataset_group_arn: str
    dataset_type: str
    schema: DatasetSchema
    table: DatasetTable
    events: EventLog = field(default_factory=EventLog)
    # Whether a bulk import has succeeded: INCREMENTAL imports need one before them.
    bulk_imported: bool = False
    # The tracking ID of the dataset's own event tracker, for the types that have one.
    tracking_id: str | None = None
    latest_update: DatasetUpdate | None = None
    # When replaced schemas added each of their new fields: solutions older than that don't train on it.
    columns_added: dict[str, datetime] = field(default_factory=dict)

    @property
    def schema_arn(self) -> str:
        return self.schema.arn if self.schema else ""

    def restored(self) -> None:
        """Read back from saved state: the event log's fingerprints are those of the rows recorded."""
        self.events.remember(self.table.recorded_since(0))

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "datasetGroupArn": self.dataset_group_arn,
            "schemaArn": self.schema_arn,
            "latestDatasetUpdate": self.latest_update.summary() if self.latest_update else None,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "datasetArn": self.arn,
            "datasetType": self.dataset_type,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


@dataclass(kw_only=True)
class DatasetImportJob(Resource):
    dataset_arn: str
    data_location: str
    role_arn: str | None = None
    import_mode: str = "FULL"
    publish_attribution_metrics_to_s3: bool | None = None
    rows: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "jobName": self.name,
            "datasetImportJobArn": self.arn,
            "datasetArn": self.dataset_arn,
            "dataSource": {"dataLocation": self.data_location},
            "roleArn": self.role_arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
            "importMode": self.import_mode,
            "publishAttributionMetricsToS3": self.publish_attribution_metrics_to_s3,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "datasetImportJobArn": self.arn,
            "jobName": self.name,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
            "importMode": self.import_mode,
        }


class ImportReporting(Protocol):
    """What a group's metric attribution checks and reports of the data an import job brings
    (the metric attributions family fills :attr:`DatasetsService.import_reporting`)."""

    def import_source_check(
        self, dataset: Dataset, publish_to_s3: bool | None
    ) -> Callable[[pd.DataFrame], str | None] | None: ...

    def report_import(self, job: DatasetImportJob, dataset: Dataset, rows: pd.DataFrame) -> None: ...


class DatasetsService:
    """The datasets and dataset import jobs of one account and region."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateDataset", "DescribeDataset", "ListDatasets", "DeleteDataset",
        "CreateDatasetImportJob", "DescribeDatasetImportJob", "ListDatasetImportJobs",
    )

    def __init__(self, core: BackendCore, groups: DatasetGroupsService, schemas: SchemasService) -> None:
        self.core, self.groups, self.schemas = core, groups, schemas
        self.datasets: Store[Dataset] = Store(core, KIND)
        self.import_jobs: Store[DatasetImportJob] = Store(core, IMPORT_KIND)
        # What an import checks and reports for the group's metric attribution; None: nothing to check or report.
        self.import_reporting: ImportReporting | None = None
        # The tracking ID of a group's event tracker, which its Interactions dataset shows (the event trackers family
        # fills it: trackers read datasets, so datasets ask them through this).
        self.tracking_id_of: Callable[[str], str | None] = lambda _group_arn: None
        # Per dataset group, the table its datasets were found in, resources made and the table's size then, and them by type.
        self._by_group: dict[str, tuple[dict[str, Dataset], int, int, dict[str, Dataset]]] = {}
        core.depends("dataset-group", "dataset", lambda arn: self.datasets.find(lambda d: d.dataset_group_arn == arn))
        core.depends("schema", "dataset", lambda arn: self.datasets.find(lambda d: d.schema_arn == arn))
        # API_DeleteDataset.md: not while an import job into it is pending or in progress.
        core.depends(KIND, "import job", lambda arn: self.import_jobs.find(lambda j: j.dataset_arn == arn and j.busy))

    # Datasets ----------------------------------------------------------------
    def create_dataset(
        self,
        name: str,
        schema_arn: str,
        dataset_group_arn: str,
        dataset_type: str,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        canonical = normalize_dataset_type(dataset_type)
        if canonical is None:
            raise InvalidInputException(
                f"Value '{dataset_type}' at 'datasetType' is not a dataset type: use {', '.join(DATASET_TYPE_NAMES)}."
            )
        group = self.groups.groups.require_active(dataset_group_arn)
        schema = self.schemas.schemas.get(schema_arn)
        if schema.domain != group.domain:
            raise InvalidInputException(
                f"The schema {schema_arn} is for domain {schema.domain or 'none (custom)'}, "
                f"but the dataset group {dataset_group_arn} is for {group.domain or 'none (custom)'}."
            )
        try:
            check_dataset_schema(schema.parsed, canonical, group.domain)
        except SchemaError as error:
            raise InvalidInputException(f"The schema {schema_arn} does not fit a {canonical} dataset: {error}") from None
        if self.datasets.find(lambda d: d.dataset_group_arn == dataset_group_arn and d.dataset_type == canonical):
            raise ResourceAlreadyExistsException(f"The dataset group {dataset_group_arn} already has a {canonical} dataset.")
        dataset = Dataset(
            arn=self.datasets.arn(group.name, canonical),
            name=name,
            dataset_group_arn=dataset_group_arn,
            dataset_type=canonical,
            schema=schema,
            table=DatasetTable(schema.parsed.names, RECORD_KEYS.get(canonical)),
            tracking_id=str(uuid.uuid4()) if canonical in OWN_TRACKER_TYPES else None,
        )
        self.datasets.add(dataset, tags)
        self.datasets.start(dataset)
        return {"datasetArn": dataset.arn}

    def describe_dataset(self, dataset_arn: str) -> dict[str, Any]:
        dataset = self.datasets.observe(dataset_arn)
        # The Interactions dataset shows the tracking ID of the group's event tracker; an Action interactions dataset its own.
        tracking_id = dataset.tracking_id
        if tracking_id is None and dataset.dataset_type == "INTERACTIONS":
            tracking_id = self.tracking_id_of(dataset.dataset_group_arn)
        return {"dataset": {**dataset.describe(), "trackingId": tracking_id}}

    def list_datasets(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.datasets.list_page("datasets", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def delete_dataset(self, dataset_arn: str) -> None:
        dataset = self.datasets.require_settled(dataset_arn)
        # API_DeleteDataset.md: not while an import job into it or a solution version of its group is pending or in progress;
        # nor while an export job reads it. Their families say so (``BackendCore.depends``).
        self.core.refuse_delete_if_used(KIND, dataset_arn)
        self.datasets.start_delete(dataset)

    def start_update(self, dataset: Dataset, update: DatasetUpdate, apply: Apply) -> None:
        """UpdateDataset: ``update`` becomes the dataset's latestDatasetUpdate and walks a dataset's create statuses;
        ``apply`` lands what it brings with its ACTIVE. (The update is no resource of the store: it is the dataset's.)"""
        dataset.latest_update = update
        self.core.start(KIND, update, apply=apply)

    def dataset_of(self, dataset_group_arn: str, dataset_type: str) -> Dataset | None:
        dataset = self._kept(dataset_group_arn).get(dataset_type)
        if dataset is not None and dataset.status == GONE:  # its delete ended since: found again
            dataset = self._found(dataset_group_arn).get(dataset_type)
        return dataset

    def group_datasets(self, dataset_group_arn: str) -> dict[str, Dataset]:
        """The group's datasets by type (a delete that ended leaves none behind), read only."""
        datasets = self._kept(dataset_group_arn)
        if any(dataset.status == GONE for dataset in datasets.values()):
            datasets = self._found(dataset_group_arn)
        return datasets

    def _kept(self, dataset_group_arn: str) -> dict[str, Dataset]:
        """The group's datasets as last found, unless a resource was made or the table changed since: every runtime
        call asks several times. (One whose delete ended since may be among them.)"""
        table = self.datasets.table
        kept = self._by_group.get(dataset_group_arn)
        if kept is not None and kept[0] is table and kept[1] == self.core.made and kept[2] == len(table):
            return kept[3]
        return self._found(dataset_group_arn)

    def _found(self, dataset_group_arn: str) -> dict[str, Dataset]:
        table = self.datasets.table
        datasets: dict[str, Dataset] = {}
        for dataset in table.values():  # a group has one dataset of each type (create_dataset)
            if dataset.dataset_group_arn == dataset_group_arn and dataset.status != GONE:
                datasets.setdefault(dataset.dataset_type, dataset)
        self._by_group[dataset_group_arn] = (table, self.core.made, len(table), datasets)
        return datasets

    def recorded_interactions(self, dataset_group_arn: str, user_id: str, since: int) -> list[dict[str, Any]]:
        """The user's interactions recorded one by one from the mark ``since`` on, oldest first."""
        dataset = self.dataset_of(dataset_group_arn, "INTERACTIONS")
        recorded = dataset.table.recorded_for(user_id, since=since) if dataset else []
        return sorted(recorded, key=lambda r: r["TIMESTAMP"])

    # Import jobs -------------------------------------------------------------
    def create_dataset_import_job(
        self,
        job_name: str,
        dataset_arn: str,
        data_source: dict[str, Any],
        role_arn: str | None = None,
        tags: list[dict[str, str]] | None = None,
        import_mode: str | None = None,
        publish_attribution_metrics_to_s3: bool | None = None,
    ) -> dict[str, Any]:
        dataset = self.datasets.require_active(dataset_arn)
        location = require_s3_path(data_source.get("dataLocation"), "dataSource.dataLocation")
        # API_CreateDatasetImportJob.md: without a previous bulk import, only FULL is allowed.
        if import_mode == "INCREMENTAL" and not dataset.bulk_imported:
            raise InvalidInputException(
                f"Value 'INCREMENTAL' at 'importMode' needs a previous bulk import into {dataset_arn}: import it FULL first."
            )
        if self.import_jobs.find(lambda j: j.dataset_arn == dataset_arn and j.busy):
            raise ResourceInUseException(f"The dataset {dataset_arn} already has an import job in progress.")
        quotas.RUNNING_IMPORT_JOBS.check(self.import_jobs.find(lambda j: j.busy))
        job = DatasetImportJob(
            arn=self.import_jobs.arn(job_name),
            name=job_name,
            dataset_arn=dataset_arn,
            data_location=location,
            role_arn=role_arn,
            import_mode=import_mode or "FULL",
            publish_attribution_metrics_to_s3=publish_attribution_metrics_to_s3,
        )
        reporting = self.import_reporting
        sources_check = reporting.import_source_check(dataset, publish_attribution_metrics_to_s3) if reporting else None
        self.import_jobs.add(job, tags)
        # S3 is read now, inside the call: moto's S3 is not to be touched from a worker while moto resets.
        try:
            files: list[tuple[str, bytes]] | S3ReadError = read_objects(self.core.account_id, self.core.partition, location)
        except S3ReadError as error:
            files = error
        bad_row = faults.bad_row(dataset_arn, files, dataset.schema.parsed.fields[0].name)
        self.import_jobs.start(job, lambda: self._import(job, dataset, files, sources_check, bad_row))
        return {"datasetImportJobArn": job.arn}

    def _import(
        self,
        job: DatasetImportJob,
        dataset: Dataset,
        files: list[tuple[str, bytes]] | S3ReadError,
        sources_check: Callable[[pd.DataFrame], str | None] | None,
        bad_row: DataImportError | None = None,
    ) -> Apply:
        """Read and check every row; the dataset changes only when all of them pass, as the job turns ACTIVE.
        ``bad_row``: a row a test's fault makes fail, unless the data fails earlier (backend/faults.py)."""
        try:
            if isinstance(files, S3ReadError):
                raise files
            frame = read_csv_files(files, dataset.schema.parsed, dataset.dataset_type)
        except (S3ReadError, DataImportError) as error:
            raise JobFailed(str(faults.first_failure(error, bad_row))) from None
        if bad_row is not None:
            raise JobFailed(str(bad_row))
        if dataset.dataset_type == "INTERACTIONS" and len(frame) < MIN_IMPORTED_INTERACTIONS:
            raise JobFailed(
                f"{job.data_location} holds {len(frame)} interactions records; an import job needs at least "
                f"{MIN_IMPORTED_INTERACTIONS}. Record fewer interactions with PutEvents instead."
            )
        problem = sources_check(frame) if sources_check else None
        if problem is not None:
            raise JobFailed(problem)

        def apply() -> None:
            if job.import_mode == "INCREMENTAL":
                dataset.table.append(frame)
            else:
                dataset.table.replace(frame)
            dataset.bulk_imported = True
            dataset.last_updated_date_time = now()
            job.rows = len(frame)
            if self.import_reporting is not None:
                self.import_reporting.report_import(job, dataset, frame)

        return apply

    def describe_dataset_import_job(self, dataset_import_job_arn: str) -> dict[str, Any]:
        return {"datasetImportJob": self.import_jobs.observe(dataset_import_job_arn).describe()}

    def list_dataset_import_jobs(
        self, dataset_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.import_jobs.list_page("datasetImportJobs", next_token, max_results, dataset_arn=dataset_arn)
