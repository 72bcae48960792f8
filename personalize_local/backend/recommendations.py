"""personalize-runtime: answers from a campaign's model, the group's live interactions and its config."""
from __future__ import annotations

import time
import uuid
from typing import Any

from ..recipes.catalog import RecipeInfo, get_recipe
from ..wire.errors import InvalidInputException, NotYetSupportedException
from .campaigns import Campaign
from .core import BackendCore
from .solutions import SolutionVersion

DEFAULT_NUM_RESULTS = 25
# API_RS_GetRecommendations.md: "The maximum is 500" (the model states only the minimum).
MAX_NUM_RESULTS = 500
# API_RS_GetActionRecommendations.md: "The default is 5. The maximum is 100."
DEFAULT_NUM_ACTIONS = 5
MAX_NUM_ACTIONS = 100
# The runtime operation that answers a campaign, by its recipe's category; GetRecommendations for the others.
ANSWERED_BY = {"PERSONALIZED_ACTIONS": "GetActionRecommendations", "PERSONALIZED_RANKING": "GetPersonalizedRanking"}


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
        if not campaign_arn and not recommender_arn:
            raise InvalidInputException("Value null at 'campaignArn': give campaignArn or recommenderArn.")
        if campaign_arn and recommender_arn:
            raise InvalidInputException("Values at 'campaignArn' and 'recommenderArn': give one of them, not both.")
        for member, value in (("filterArn", filter_arn), ("promotions", promotions), ("metadataColumns", metadata_columns)):
            if value:
                raise NotYetSupportedException(f"{member} is not supported by personalize-local yet.")
        _check_num_results(num_results, MAX_NUM_RESULTS)
        if recommender_arn:
            return self.recommend_by_recommender(
                recommender_arn, user_id, item_id, num_results if num_results is not None else DEFAULT_NUM_RESULTS
            )
        campaign, recipe = self._serving("GetRecommendations", campaign_arn)
        version = campaign.solution_version
        # By the guide's category, not recipeType: Popularity-Count reports USER_PERSONALIZATION, yet its
        # POPULAR_ITEMS list needs a user only with a filter (working-with-predefined-recipes.md).
        if recipe.category == "USER_PERSONALIZATION" and not user_id:
            raise InvalidInputException(f"Value null at 'userId': campaigns of {recipe.name} recommend for a user.")
        weight, cutoff_days = campaign.exploration
        model = version.model
        items = model.recommend(
            user_id,
            self._history(version, user_id),
            num_results if num_results is not None else DEFAULT_NUM_RESULTS,
            exploration_weight=weight,
            exploration_item_age_cutoff_days=cutoff_days,
        )
        return {
            # Recipes whose scores the service does not show (popularity) answer with item IDs alone.
            "itemList": [{"itemId": item, "score": score if model.reports_scores else None} for item, score in items],
            "recommendationId": f"RID-{uuid.uuid4()}",
        }

    def get_action_recommendations(
        self,
        campaign_arn: str | None = None,
        user_id: str | None = None,
        num_results: int | None = None,
        filter_arn: str | None = None,
        filter_values: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if not campaign_arn:
            raise InvalidInputException("Value null at 'campaignArn': give the ARN of a campaign of a PERSONALIZED_ACTIONS recipe.")
        for member, value in (("filterArn", filter_arn), ("filterValues", filter_values)):
            if value:
                raise NotYetSupportedException(f"{member} is not supported by personalize-local yet.")
        _check_num_results(num_results, MAX_NUM_ACTIONS)
        campaign, recipe = self._serving("GetActionRecommendations", campaign_arn)
        if not user_id:
            raise InvalidInputException(f"Value null at 'userId': campaigns of {recipe.name} recommend actions for a user.")
        version = campaign.solution_version
        group_arn = version.dataset_group_arn
        actions = self.dataset_of(group_arn, "ACTIONS")
        action_interactions = self.dataset_of(group_arn, "ACTION_INTERACTIONS")
        recent = (
            action_interactions.table.recorded_for(user_id, since=version.marks.get("ACTION_INTERACTIONS", 0))
            if action_interactions
            else []
        )
        ranked = version.model.recommend_actions(
            user_id,
            self._history(version, user_id),
            recent,
            num_results if num_results is not None else DEFAULT_NUM_ACTIONS,
            now=time.time(),
            # The Actions dataset as it is now: new actions are explored and expirations apply at once.
            actions=actions.table.frame() if actions else None,
        )
        return {
            "actionList": [{"actionId": action, "score": score} for action, score in ranked],
            "recommendationId": f"RID-{uuid.uuid4()}",
        }

    def _serving(self, operation: str, campaign_arn: str) -> tuple[Campaign, RecipeInfo]:
        """The ACTIVE campaign and its recipe, if ``operation`` is the one that answers for it."""
        campaign: Campaign = self.get("campaign", campaign_arn)
        if campaign.status != "ACTIVE":
            raise InvalidInputException(f"The campaign {campaign_arn} is {campaign.status}, not ACTIVE.")
        recipe = get_recipe(campaign.solution_version.recipe_arn)
        answering = ANSWERED_BY.get(recipe.category, "GetRecommendations")
        if answering != operation:
            raise InvalidInputException(
                f"The campaign {campaign_arn} deploys {recipe.name}, a {recipe.category} recipe: use {answering} with it."
            )
        return campaign, recipe

    def _history(self, version: SolutionVersion, user_id: str) -> list[str]:
        """The user's items now, oldest first: the version's training data, then the events recorded since.

        Bulk imports after training reach recommendations only through a new version, as in the service.
        """
        accepts = version.solution.training_filter.accepts
        recorded = self.recorded_interactions(version.dataset_group_arn, user_id, version.marks.get("INTERACTIONS", 0))
        return version.histories.get(user_id, []) + [r["ITEM_ID"] for r in recorded if accepts(r.get("EVENT_TYPE"), r.get("EVENT_VALUE"))]


def _check_num_results(num_results: int | None, most: int) -> None:
    if num_results is not None and num_results > most:
        raise InvalidInputException(
            f"Value '{num_results}' at 'numResults' failed to satisfy constraint: "
            f"Member must have value less than or equal to {most}"
        )
