"""What one family of operations asks another: the methods a mixin calls through ``self`` that another mixin defines.

PersonalizeBackend is all the mixins over BackendCore, so at run time each of these calls finds the mixin
that defines it. A mixin alone does not inherit that one, so BackendCore declares this interface while
type checking (core.py), and a mixin's calls across families type-check against one named list.
A new call across families adds its method here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping, Protocol, Sequence

if TYPE_CHECKING:
    import pandas as pd

    from ..filters import Request
    from .campaigns import Campaign
    from .datasets import Dataset, DatasetImportJob
    from .metric_attributions import MetricAttribution
    from .promotions import Rank
    from .recommenders import Recommender


class Families(Protocol):
    # DatasetsMixin: the group's dataset of a type (the Interactions dataset ...), and what was recorded one by one.
    def dataset_of(self, dataset_group_arn: str, dataset_type: str) -> Dataset | None: ...

    def recorded_interactions(self, dataset_group_arn: str, user_id: str, since: int) -> list[dict[str, Any]]: ...

    # MetricAttributionsMixin: what the group's metric attribution checks and reports of recorded and imported data.
    def reporting_attribution(self, group_arn: str) -> MetricAttribution | None: ...

    def check_event_sources(self, group_arn: str, given: Sequence[str | None], member: Callable[[int], str]) -> None: ...

    def report_events(self, group_arn: str, records: list[dict[str, Any]]) -> None: ...

    def import_source_check(
        self, dataset: Dataset, publish_to_s3: bool | None
    ) -> Callable[[pd.DataFrame], str | None] | None: ...

    def report_import(self, job: DatasetImportJob, dataset: Dataset, rows: pd.DataFrame) -> None: ...

    # FiltersMixin: what a request's filter keeps out of an answer.
    def filtered_out(
        self,
        filter_arn: str | None,
        filter_values: Mapping[str, str] | None,
        dataset_group_arn: str,
        request: Request,
        candidates: Collection[str],
        target: str = "ITEM_ID",
    ) -> set[str] | frozenset[str]: ...

    # AnswerMetadataMixin: metadataColumns of an answer's items.
    def with_metadata(
        self,
        items: list[dict[str, Any]],
        metadata_columns: Mapping[str, Sequence[str]] | None,
        enabled: bool,
        dataset_group_arn: str,
        source_arn: str,
    ) -> list[dict[str, Any]]: ...

    # CampaignsMixin: a campaign following its solution's newest ACTIVE version.
    def follow_latest(self, campaign: Campaign) -> None: ...

    # RecommendersMixin: how a recommender ranks for a request.
    def recommender_ranker(
        self,
        recommender_arn: str,
        user_id: str | None,
        item_id: str | None,
        promoting: bool = False,
        context: Mapping[str, str] | None = None,
    ) -> tuple[Recommender, Rank, bool]: ...
