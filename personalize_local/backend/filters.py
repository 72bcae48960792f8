"""Filters: Create, Describe, List, Delete; and what a filter lets through at runtime."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Collection, Mapping

from ..data.table import DatasetTable
from ..errors import InvalidInputException
from ..filters import CheckedFilter, FilterError, Request, check, parse, select
from ..filters.evaluation import INTERACTION_DATASETS, per_request
from ..filters.validation import TARGETS
from . import quotas
from .core import BackendCore, Resource
from .dataset_groups import DatasetGroupsService
from .store import Store

if TYPE_CHECKING:
    from .datasets import DatasetsService

KIND = "filter"
# How many requests' refusals a filter that reads the request keeps (the oldest forgotten first).
REFUSALS_KEPT = 4096


@dataclass(kw_only=True)
class Filter(Resource):
    dataset_group_arn: str
    filter_expression: str
    checked: CheckedFilter
    # Whether it reads nothing of the request (no interactions, CurrentUser or CurrentItem): it selects the same for all.
    same_for_all: bool = False
    # For a filter the same for all, what it refused last: (filterValues and the group's tables at their
    # revisions, the candidates, what it refused).
    last_refusal: tuple[Any, Collection[str], frozenset[str]] | None = field(default=None, repr=False, compare=False)

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "filterExpression": self.filter_expression}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "filterArn": self.arn,
            "datasetGroupArn": self.dataset_group_arn,
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


class FiltersService:
    """The filters of one account and region, and what a request's filter keeps out of an answer."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("CreateFilter", "DescribeFilter", "ListFilters", "DeleteFilter")

    def __init__(self, core: BackendCore, groups: DatasetGroupsService, datasets: DatasetsService) -> None:
        self.core, self.groups, self.datasets = core, groups, datasets
        self.filters: Store[Filter] = Store(core, KIND)
        # Per filter that reads the request (by ARN, with the filter it was for): what it refused for recent requests,
        # by the request and what the evaluation read (_read), with the candidates it judged.
        self._refusals: dict[str, tuple[Filter, dict[Any, tuple[Collection[str], frozenset[str]]]]] = {}
        core.depends("dataset-group", "filter", lambda arn: self.filters.find(lambda f: f.dataset_group_arn == arn))

    def create_filter(
        self, name: str, dataset_group_arn: str, filter_expression: str, tags: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        self.groups.groups.require_active(dataset_group_arn)
        datasets = self.datasets.datasets.find(lambda d: d.dataset_group_arn == dataset_group_arn)
        try:
            checked = check(parse(filter_expression), {d.dataset_type: d.schema.parsed for d in datasets})
        except FilterError as error:
            raise InvalidInputException(str(error)) from None
        in_group = self.filters.find(lambda f: f.dataset_group_arn == dataset_group_arn)
        quotas.FILTERS_PER_GROUP.check(in_group)
        fields = checked.dataset_fields().union(*(f.checked.dataset_fields() for f in in_group))
        quotas.FILTER_FIELDS_PER_GROUP.check_total(fields)
        filter_ = Filter(
            arn=self.filters.arn(name),
            name=name,
            dataset_group_arn=dataset_group_arn,
            filter_expression=filter_expression,
            checked=checked,
            same_for_all=not per_request(checked.expression),
        )
        self.filters.add(filter_, tags)
        self.filters.start(filter_)
        return {"filterArn": filter_.arn}

    def describe_filter(self, filter_arn: str) -> dict[str, Any]:
        return {"filter": self.filters.observe(filter_arn).describe()}

    def list_filters(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.filters.list_page("Filters", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def delete_filter(self, filter_arn: str) -> None:
        self.filters.start_delete(self.filters.require_settled(filter_arn))
        self._refusals.pop(filter_arn, None)  # it answers no more requests

    # personalize-runtime -----------------------------------------------------
    def usable_filter(self, filter_arn: str, dataset_group_arn: str, target: str) -> Filter:
        """The filter, if it is ACTIVE, of the solution's dataset group, and selects ``target`` IDs."""
        filter_ = self.filters.get(filter_arn)
        if filter_.dataset_group_arn != dataset_group_arn:
            raise InvalidInputException(
                f"Value '{filter_arn}' at 'filterArn': the filter belongs to {filter_.dataset_group_arn}, "
                f"the solution or the recommender to {dataset_group_arn}."
            )
        status = filter_.status
        if status != "ACTIVE":
            raise InvalidInputException(f"Value '{filter_arn}' at 'filterArn': the filter is {status}, not ACTIVE.")
        if filter_.checked.target.key != target:
            wanted = next(rule.label for rule in TARGETS.values() if rule.key == target)
            raise InvalidInputException(
                f"Value '{filter_arn}' at 'filterArn': the filter selects {filter_.checked.target.label}s; "
                f"this operation takes {wanted} filters."
            )
        return filter_

    def filtered_out(
        self,
        filter_arn: str | None,
        filter_values: Mapping[str, str] | None,
        dataset_group_arn: str,
        request: Request,
        candidates: Collection[str],
        target: str = "ITEM_ID",
    ) -> set[str] | frozenset[str]:
        """The ``candidates`` (items, or by ``target`` actions or users) the request's filter (if any) keeps out of the answer.

        A filter that reads nothing of the request refuses the same until the data or the filterValues change:
        asked again about the same candidates (the same object), it answers what it refused before."""
        if not filter_arn:
            return set()
        filter_ = self.usable_filter(filter_arn, dataset_group_arn, target)
        found = self.datasets.group_datasets(dataset_group_arn)
        datasets = {kind: dataset.table for kind, dataset in found.items()}
        interactions = found.get("INTERACTIONS")
        if request.user_id and interactions is not None:
            sessions = interactions.events.sessions_of(request.user_id)
            if sessions:  # most users joined none
                request = replace(request, sessions=tuple(sessions))
        limit = quotas.FILTER_INTERACTIONS_PER_EVENT_TYPE.limit
        same_for_all = filter_.same_for_all
        key: Any
        if same_for_all:
            key = (sorted((filter_values or {}).items()), [(kind, table, table.revision) for kind, table in sorted(datasets.items())])
            last = filter_.last_refusal
            if last is not None and last[1] is candidates and last[0] == key:
                return last[2]
        else:
            refusals = self._refusals_of(filter_)
            key = (tuple(sorted(filter_values.items())) if filter_values else (), request, limit, _read(filter_, request, datasets))
            known = refusals.get(key)
            if known is not None and known[0] is candidates:
                return known[1]
        try:
            selection = select(filter_.checked, filter_values, request, datasets, limit)
        except FilterError as error:
            raise InvalidInputException(str(error)) from None
        kept = frozenset(selection.refused(candidates))
        if same_for_all:
            filter_.last_refusal = (key, candidates, kept)
        else:
            refusals.pop(key, None)
            if len(refusals) >= REFUSALS_KEPT:
                del refusals[next(iter(refusals))]
            refusals[key] = (candidates, kept)
        return kept

    def _refusals_of(self, filter_: Filter) -> dict[Any, tuple[Collection[str], frozenset[str]]]:
        """What ``filter_`` refused for recent requests: a filter made again under the same ARN starts afresh."""
        found = self._refusals.get(filter_.arn)
        if found is None or found[0] is not filter_:
            found = self._refusals[filter_.arn] = (filter_, {})
        return found[1]


def _read(filter_: Filter, request: Request, tables: Mapping[str, DatasetTable]) -> tuple[Any, ...]:
    """What evaluating ``filter_`` for ``request`` reads of ``tables``, as it stands: equal while its answer would be.

    Item and action filters read the interactions of the requesting user and their sessions only (filters/records.py:
    the bulk rows, and the rows each of them recorded since), so another user's events leave their answers as they were;
    anything else is read whole, at its revision."""
    own = filter_.checked.target.key != "USER_ID"
    owners = (request.user_id, *request.sessions) if request.user_id is not None else ()
    return tuple(
        (kind, table, table.bulk_revision, tuple(table.recorded_count_for(owner) for owner in owners))
        if own and kind in INTERACTION_DATASETS
        else (kind, table, table.revision)
        for kind, table in tables.items()
    )
