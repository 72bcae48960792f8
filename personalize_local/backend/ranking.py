"""personalize-runtime GetPersonalizedRanking: a PERSONALIZED_RANKING campaign reorders the caller's items."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Mapping, cast

from ..errors import InvalidInputException
from ..filters import Request
from ..recipes.base import Model, Signals
from ..recipes.ranking import rank
from .answer_metadata import AnswerMetadata
from .core import BackendCore
from .recommendation_ids import new_recommendation_id
from .recommendations import RecommendationsService, Served

if TYPE_CHECKING:
    from .filters import FiltersService

# API_RS_GetPersonalizedRanking.md: "The maximum is 500" (the model states no bound).
MAX_INPUT_ITEMS = 500


class RankingService:
    """personalize-runtime's GetPersonalizedRanking, and the rankings batch inference jobs make the same way."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("GetPersonalizedRanking",)

    def __init__(
        self, core: BackendCore, recommendations: RecommendationsService, filters: FiltersService, metadata: AnswerMetadata
    ) -> None:
        self.core = core
        self.recommendations, self.filters, self.metadata = recommendations, filters, metadata

    def get_personalized_ranking(
        self,
        campaign_arn: str,
        input_list: list[str],
        user_id: str,
        context: dict[str, str] | None = None,
        filter_arn: str | None = None,
        filter_values: dict[str, str] | None = None,
        metadata_columns: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        if len(input_list) > MAX_INPUT_ITEMS:
            raise InvalidInputException(f"Value at 'inputList' has {len(input_list)} items; at most {MAX_INPUT_ITEMS} can be ranked.")
        campaign, _ = self.recommendations.serving("GetPersonalizedRanking", campaign_arn)
        ranked = self.rank_items(campaign, user_id, input_list, filter_arn, filter_values, context)
        listed = [{"itemId": item, "score": score} for item, score in ranked]
        group_arn = campaign.solution_version.dataset_group_arn
        recommendation_id = new_recommendation_id(campaign.arn)
        self.recommendations.remember_answer(group_arn, recommendation_id, [item for item, _ in ranked])
        return {
            "personalizedRanking": self.metadata.with_metadata(listed, metadata_columns, campaign.metadata_enabled, group_arn, campaign.arn),
            "recommendationId": recommendation_id,
        }

    def rank_items(
        self,
        served: Served,
        user_id: str,
        input_list: list[str],
        filter_arn: str | None,
        filter_values: dict[str, str] | None,
        context: Mapping[str, str] | None = None,
    ) -> list[tuple[str, float | None]]:
        """``input_list`` as ``served`` ranks it for the user (in ``context``), less what the filter keeps out:
        campaigns and batch jobs alike."""
        version = served.solution_version
        refused = self.filters.filtered_out(filter_arn, filter_values, version.dataset_group_arn, Request(user_id), input_list)
        candidates = [item for item in input_list if item not in refused]
        model = cast(Model, version.model)  # a PERSONALIZED_RANKING recipe's
        options = {"signals": Signals(context or {})} if getattr(model, "reads_signals", False) else {}
        return rank(model, user_id, self.recommendations.history(version, user_id), candidates, **options)
