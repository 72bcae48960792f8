"""personalize-runtime: answers from a campaign's model, the group's live interactions and its config."""
from __future__ import annotations

import uuid
from typing import Any

from ..filters import Request
from ..recipes.catalog import get_recipe
from ..wire.errors import InvalidInputException, NotYetSupportedException
from .campaigns import Campaign
from .core import BackendCore
from .solutions import SolutionVersion

DEFAULT_NUM_RESULTS = 25
# API_RS_GetRecommendations.md: "The maximum is 500" (the model states only the minimum).
MAX_NUM_RESULTS = 500
# Recipe categories that GetRecommendations does not answer, and the operation that does.
SERVED_BY_OTHERS = {"PERSONALIZED_RANKING": "GetPersonalizedRanking"}


class RecommendationsMixin(BackendCore):
    def get_recommendations(
        self,
        campaign_arn: str | None = None,
        item_id: str | None = None,
        user_id: str | None = None,
        num_results: int | None = None,
        context: dict[str, str] | None = None,
        filter_arn: str | None = None,
        filter_values: dict[str, str] | None = None,
        recommender_arn: str | None = None,
        promotions: list[dict[str, Any]] | None = None,
        metadata_columns: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        if recommender_arn:
            raise NotYetSupportedException("Recommenders are not supported by personalize-local yet: use campaignArn.")
        if not campaign_arn:
            raise InvalidInputException("Value null at 'campaignArn': give campaignArn or recommenderArn.")
        for member, value in (("promotions", promotions), ("metadataColumns", metadata_columns)):
            if value:
                raise NotYetSupportedException(f"{member} is not supported by personalize-local yet.")
        if num_results is not None and num_results > MAX_NUM_RESULTS:
            raise InvalidInputException(
                f"Value '{num_results}' at 'numResults' failed to satisfy constraint: "
                f"Member must have value less than or equal to {MAX_NUM_RESULTS}"
            )
        campaign, version = self.active_campaign(campaign_arn)
        recipe = get_recipe(version.recipe_arn)
        if recipe.category in SERVED_BY_OTHERS:
            raise InvalidInputException(
                f"The campaign {campaign_arn} serves a {recipe.category} recipe: ask it with {SERVED_BY_OTHERS[recipe.category]}."
            )
        # By the guide's category, not recipeType: Popularity-Count reports USER_PERSONALIZATION, yet its
        # POPULAR_ITEMS list needs a user only with a filter (working-with-predefined-recipes.md).
        if recipe.category == "USER_PERSONALIZATION" and not user_id:
            raise InvalidInputException(f"Value null at 'userId': campaigns of {recipe.name} recommend for a user.")
        weight, cutoff_days = campaign.exploration
        model = version.model
        # The model ranks what passes the filter, so the answer still holds numResults items when enough pass.
        request = Request(user_id, item_id if recipe.category == "RELATED_ITEMS" else None)
        items = model.recommend(
            user_id,
            self._history(version, user_id),
            num_results if num_results is not None else DEFAULT_NUM_RESULTS,
            self.filtered_out(filter_arn, filter_values, version.dataset_group_arn, request, model.item_ids),
            exploration_weight=weight,
            exploration_item_age_cutoff_days=cutoff_days,
        )
        return {
            # Recipes whose scores the service does not show (popularity) answer with item IDs alone.
            "itemList": [{"itemId": item, "score": score if model.reports_scores else None} for item, score in items],
            "recommendationId": f"RID-{uuid.uuid4()}",
        }

    def active_campaign(self, arn: str) -> tuple[Campaign, SolutionVersion]:
        """An ACTIVE campaign and the solution version it answers from."""
        campaign: Campaign = self.get("campaign", arn)
        status = campaign.status
        if status != "ACTIVE":
            raise InvalidInputException(f"The campaign {arn} is {status}, not ACTIVE.")
        return campaign, campaign.solution_version

    def _history(self, version: SolutionVersion, user_id: str) -> list[str]:
        """The user's items now, oldest first: the version's training data, then the events recorded since.

        Bulk imports after training reach recommendations only through a new version, as in the service.
        """
        trained = version.histories.get(user_id, [])
        dataset = self.dataset_of(version.dataset_group_arn, "INTERACTIONS")
        if dataset is None:
            return trained
        accepts = version.solution.training_filter.accepts
        recorded = sorted(dataset.table.recorded_for(user_id, since=version.events_mark), key=lambda r: r["TIMESTAMP"])
        return trained + [r["ITEM_ID"] for r in recorded if accepts(r.get("EVENT_TYPE"), r.get("EVENT_VALUE"))]
