"""The backend: one typed method per operation of the three services, state per account and region."""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, ClassVar, Iterator, Protocol, cast

from botocore import xform_name

from moto.core.base_backend import BackendDict

from .batch_inference import BatchInferenceService
from .batch_jobs import BatchJobs
from .batch_segments import BatchSegmentsService
from .answer_metadata import AnswerMetadata
from .campaigns import CampaignsService
from .core import BackendCore
from .data_deletion import DataDeletionService
from .dataset_exports import DatasetExportsService
from .dataset_groups import DatasetGroupsService
from .dataset_updates import DatasetUpdatesService
from .datasets import DatasetsService
from .event_trackers import EventTrackersService
from .filters import FiltersService
from .metric_attributions import MetricAttributionsService
from .put_records import PutRecordsService
from .ranking import RankingService
from .recipes import RecipesService
from .recommendations import RecommendationsService
from .recommenders import RecommendersService
from .schemas import SchemasService
from .solutions import SolutionsService
from .tags import TaggingService


class Service(Protocol):
    """A family's service: the operations it answers, each by its method named after it (``create_solution``)."""

    OPERATIONS: ClassVar[tuple[str, ...]]


class PersonalizeBackend(BackendCore):
    """Amazon Personalize, Personalize Events and Personalize Runtime for one account in one region."""

    # Where moto's servers and stubber read a backend's routes (moto.<service>.urls for moto's own): urls.py,
    # which sits above the wire. The entry that lends these backends to moto sets it (mock.lend_backends).
    routes: ClassVar[ModuleType | None] = None

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # The families' services, each made after those it depends on; the operations route to their methods.
        self.schemas = SchemasService(self)
        self.dataset_groups = DatasetGroupsService(self)
        self.datasets = DatasetsService(self, self.dataset_groups, self.schemas)
        # Before the solutions: a dataset's delete names an import job, then an export job, then a training version.
        self.dataset_exports = DatasetExportsService(self, self.datasets)
        # Training and filters: right after the datasets, as a group's delete names a dataset, then a solution, then a filter.
        self.solutions = SolutionsService(self, self.dataset_groups, self.datasets)
        self.campaigns = CampaignsService(self, self.solutions)
        self.filters = FiltersService(self, self.dataset_groups, self.datasets)
        self.dataset_updates = DatasetUpdatesService(self, self.datasets, self.schemas, self.dataset_groups)
        self.put_records = PutRecordsService(self, self.datasets)
        self.data_deletion = DataDeletionService(self, self.dataset_groups, self.datasets)
        self.recipes = RecipesService(self)
        self.tagging = TaggingService(self)
        # Serving: recommenders, and the answers of campaigns and recommenders.
        self.recommenders = RecommendersService(self, self.dataset_groups, self.datasets, self.filters)
        self.answer_metadata = AnswerMetadata(self.datasets)
        self.recommendations = RecommendationsService(
            self, self.datasets, self.filters, self.campaigns, self.recommenders, self.answer_metadata
        )
        self.ranking = RankingService(self, self.recommendations, self.filters, self.answer_metadata)
        # Events and metric attributions (which check and report what the datasets' imports bring), batch jobs.
        self.metric_attributions = MetricAttributionsService(self, self.dataset_groups, self.datasets, self.campaigns, self.recommenders)
        self.event_trackers = EventTrackersService(self, self.dataset_groups, self.datasets, self.metric_attributions)
        self.batch_jobs = BatchJobs(self, self.solutions, self.filters)
        self.batch_inference = BatchInferenceService(self, self.batch_jobs, self.ranking, self.recommendations, self.datasets)
        self.batch_segments = BatchSegmentsService(self, self.batch_jobs, self.filters)
        self.services: tuple[Service, ...] = (
            self.schemas, self.dataset_groups, self.datasets, self.dataset_exports, self.solutions, self.campaigns, self.filters,
            self.dataset_updates, self.put_records, self.data_deletion, self.recipes, self.tagging,
            self.recommenders, self.answer_metadata, self.recommendations, self.ranking,
            self.metric_attributions, self.event_trackers, self.batch_jobs, self.batch_inference, self.batch_segments,
        )
        self.handlers: dict[str, Callable[..., Any]] = {
            xform_name(operation): getattr(service, xform_name(operation))
            for service in self.services
            for operation in service.OPERATIONS
        }

    def handler(self, name: str) -> Callable[..., Any] | None:
        """The method that answers the operation ``name`` (``create_solution`` ...), of its family's service."""
        return self.handlers.get(name)

    @property
    def _url_module(self) -> ModuleType | None:
        return self.routes


# moto's BackendDict gives per-account/region state that moto's own reset clears with the rest.
personalize_backends: BackendDict[PersonalizeBackend] = BackendDict(PersonalizeBackend, "personalize")


def backend_for(account_id: str, region: str) -> PersonalizeBackend:
    # A backend made before is found with plain dict reads: moto's own lookups take its lock and scan lists, each call.
    made = dict.get(personalize_backends, account_id)
    backend = None if made is None else dict.get(made, region)
    if backend is not None:
        return backend
    regions = personalize_backends[account_id]
    if region not in regions:
        # botocore builds an endpoint for any region name; serve it like a known one.
        regions[region] = PersonalizeBackend(region, account_id)
    return regions[region]


def _each_backend() -> Iterator[tuple[str, str, PersonalizeBackend]]:
    """moto's iter_backends, which types the backends it yields as BaseBackend: (account ID, region, backend)."""
    return cast("Iterator[tuple[str, str, PersonalizeBackend]]", personalize_backends.iter_backends())


def make_auto_training_due(solution_arn: str | None = None) -> list[str]:
    """Make automatic training due now, for one solution or every one, and start it; the versions started.

    For tests: the service would train within the hour, then every N days (auto_training.py).
    """
    started: list[str] = []
    for _, _, backend in _each_backend():
        with backend.serving():
            started += backend.solutions.start_due_auto_training(solution_arn, force=True)
    return started


def progress_of(arn: str) -> float | None:
    """How far the work behind the resource ``arn``'s status has got (1.0 once done, or when it has none);
    None if no account and region holds it. Never waits for the work (progress.py says how it is reported)."""
    fields = arn.split(":")
    if len(fields) < 6:
        return None
    for account_id, region, backend in _each_backend():
        if (account_id, region) != (fields[4], fields[3]):
            continue
        for table in list(backend.resources.values()):
            resource = table.get(arn)
            if resource is not None:
                return resource.lifecycle.progress if resource.lifecycle is not None else 1.0
    return None
