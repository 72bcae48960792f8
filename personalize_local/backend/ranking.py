"""personalize-runtime GetPersonalizedRanking: a PERSONALIZED_RANKING campaign reorders the caller's items."""
from __future__ import annotations

from typing import Any, Mapping, cast

from ..errors import InvalidInputException
from ..filters import Request
from ..recipes.base import Model, Signals
from ..recipes.ranking import rank
from .recommendation_ids import new_recommendation_id
from .recommendations import RecommendationsMixin, Served

# API_RS_GetPersonalizedRanking.md: "The maximum is 500" (the model states no bound).
MAX_INPUT_ITEMS = 500


class RankingMixin(RecommendationsMixin):
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
        campaign, _ = self._serving("GetPersonalizedRanking", campaign_arn)
        ranked = self.rank_items(campaign, user_id, input_list, filter_arn, filter_values, context)
        listed = [{"itemId": item, "score": score} for item, score in ranked]
        group_arn = campaign.solution_version.dataset_group_arn
        recommendation_id = new_recommendation_id(campaign.arn)
        self.remember_answer(group_arn, recommendation_id, [item for item, _ in ranked])
        return {
            "personalizedRanking": self.with_metadata(listed, metadata_columns, campaign.metadata_enabled, group_arn, campaign.arn),
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
        refused = self.filtered_out(filter_arn, filter_values, version.dataset_group_arn, Request(user_id), input_list)
        candidates = [item for item in input_list if item not in refused]
        model = cast(Model, version.model)  # a PERSONALIZED_RANKING recipe's
        options = {"signals": Signals(context or {})} if getattr(model, "reads_signals", False) else {}
        return rank(model, user_id, self._history(version, user_id), candidates, **options)
