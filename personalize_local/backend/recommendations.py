"""personalize-runtime: answers from a campaign's model, the group's live interactions and its config."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..filters import Request
from .promotions import check as check_promotion
from .promotions import REASONED_RECIPES, interleave, promoted_count
from ..recipes.catalog import RecipeInfo, get_recipe
from ..wire.errors import InvalidInputException, NotYetSupportedException
from .campaigns import Campaign
from .core import BackendCore
from .new_items import items_unknown_to, judged_items
from .recommendation_ids import new_recommendation_id
from .solutions import SolutionVersion

DEFAULT_NUM_RESULTS = 25
# API_RS_GetRecommendations.md: "The maximum is 500" (the model states only the minimum).
MAX_NUM_RESULTS = 500
Ranked = list[tuple[str, float]]


class Served(Protocol):
    """What answers: a campaign, or a batch inference job's solution version and its exploration."""

    @property
    def solution_version(self) -> SolutionVersion: ...

    @property
    def exploration(self) -> tuple[float, float]: ...


# (backend, what serves, userId, itemId, numResults, items a filter keeps out) -> (itemId, score), best first
Answerer = Callable[["RecommendationsMixin", Served, "str | None", "str | None", int, "set[str]"], Ranked]


def _for_user(backend: RecommendationsMixin, served: Served, user_id: str | None, item_id: str | None, n: int, refused: set[str]) -> Ranked:
    version = served.solution_version
    weight, cutoff_days = served.exploration
    history = backend._history(version, user_id)
    options: dict[str, Any] = {"exploration_weight": weight, "exploration_item_age_cutoff_days": cutoff_days}
    if version.recipe_arn in EXPLORING and weight > 0:
        # Items put (or imported) since training are the newest of all: exploration offers them at once.
        options["new_items"] = [item for item in backend.items_since_training(version) if item not in refused]
    return version.model.recommend(user_id, history, n, refused, **options)


def _related(backend: RecommendationsMixin, served: Served, user_id: str | None, item_id: str | None, n: int, refused: set[str]) -> Ranked:
    return served.solution_version.model.similar(item_id, n, refused)


@dataclass(frozen=True)
class Answer:
    """How campaigns of a recipe category answer: the member they need, said how, and the answer."""

    required: str | None
    purpose: str
    answer: Answerer


# By the guide's category, not recipeType: Popularity-Count reports USER_PERSONALIZATION, yet its POPULAR_ITEMS
# list needs a user only with a filter; RELATED_ITEMS need itemId and use userId only for filters
# (working-with-predefined-recipes.md, API_RS_GetRecommendations.md).
ANSWERS: dict[str, Answer] = {
    "USER_PERSONALIZATION": Answer("userId", "recommend for a user", _for_user),
    "POPULAR_ITEMS": Answer(None, "recommend the same items to everybody", _for_user),
    "RELATED_ITEMS": Answer("itemId", "recommend items related to an item", _related),
}
# Recipes whose campaigns explore new items (native-recipe-new-item-USER_PERSONALIZATION.md).
EXPLORING = {"arn:aws:personalize:::recipe/aws-user-personalization"}
# API_RS_GetActionRecommendations.md: "The default is 5. The maximum is 100."
DEFAULT_NUM_ACTIONS = 5
MAX_NUM_ACTIONS = 100
# The operation that answers campaigns of the other categories.
ANSWERED_BY = {
    "PERSONALIZED_RANKING": "GetPersonalizedRanking",
    "PERSONALIZED_ACTIONS": "GetActionRecommendations",
    "USER_SEGMENTATION": "CreateBatchSegmentJob",
}


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
        _check_num_results(num_results, MAX_NUM_RESULTS)
        if recommender_arn:
            if promotions:
                raise NotYetSupportedException("promotions with a recommenderArn are not supported by personalize-local yet.")
            answer = self.recommend_by_recommender(
                recommender_arn, user_id, item_id, num_results if num_results is not None else DEFAULT_NUM_RESULTS, filter_arn, filter_values
            )
            recommender = self.get("recommender", recommender_arn)
            enabled = recommender.serving.members()["enableMetadataWithRecommendations"]
            answer["itemList"] = self.with_metadata(answer["itemList"], metadata_columns, enabled, recommender.dataset_group_arn, recommender_arn)
            return answer
        campaign, recipe = self._serving("GetRecommendations", campaign_arn)
        wanted = num_results if num_results is not None else DEFAULT_NUM_RESULTS
        shown = campaign.solution_version.model.reports_scores
        promoted: Ranked = []
        promotion = (promotions or [None])[0]
        if promotion is not None:
            check_promotion(promotion)
            count = promoted_count(wanted, promotion["percentPromotedItems"])
            promoted = self.recommend_items(campaign, recipe, user_id, item_id, count, promotion["filterArn"], promotion.get("filterValues"))
        items = self.recommend_items(
            campaign, recipe, user_id, item_id, wanted - len(promoted), filter_arn, filter_values, {item for item, _ in promoted}
        )
        # Recipes whose scores the service does not show (popularity, related items) answer with item IDs alone.
        scored = lambda ranked: [(item, score if shown else None) for item, score in ranked]  # noqa: E731
        if promotion is not None:
            reasons = campaign.solution_version.recipe_arn in REASONED_RECIPES
            seed = f"{campaign.arn}|{user_id}|{item_id}|{promotion['name']}"
            listed = interleave(scored(items), scored(promoted), promotion["name"], seed, reasons)
        else:
            listed = [{"itemId": item, "score": score} for item, score in scored(items)]
        return {
            "itemList": self.with_metadata(listed, metadata_columns, campaign.metadata_enabled, campaign.solution_version.dataset_group_arn, campaign.arn),
            "recommendationId": new_recommendation_id(campaign.arn),
        }

    def recommend_items(
        self,
        served: Served,
        recipe: RecipeInfo,
        user_id: str | None,
        item_id: str | None,
        num_results: int,
        filter_arn: str | None,
        filter_values: dict[str, str] | None,
        keep_out: set[str] | frozenset[str] = frozenset(),
    ) -> Ranked:
        """What ``served`` recommends for the request, best first: campaigns and batch inference jobs alike.

        ``keep_out``: items left out besides those the filter keeps out (a promotion's items)."""
        how = ANSWERS[recipe.category]
        given = {"userId": user_id, "itemId": item_id}
        if how.required and not given[how.required]:
            raise InvalidInputException(f"Value null at '{how.required}': campaigns of {recipe.name} {how.purpose}.")
        version = served.solution_version
        # The model ranks what passes the filter, so the answer still holds numResults items when enough pass.
        request = Request(user_id, item_id if recipe.category == "RELATED_ITEMS" else None)
        refused = keep_out
        if filter_arn:
            filtered = self.filtered_out(filter_arn, filter_values, version.dataset_group_arn, request, self._judged(version))
            refused = filtered | keep_out if keep_out else filtered
        return how.answer(self, served, user_id, item_id, num_results, refused)

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
        current = actions.table.frame() if actions else None
        known = current["ACTION_ID"].astype(str) if current is not None else version.model.action_ids
        refused = self.filtered_out(filter_arn, filter_values, group_arn, Request(user_id), known, target="ACTION_ID")
        # Every action ranked, then the filter: the answer still holds numResults actions when enough pass.
        ranked = version.model.recommend_actions(
            user_id,
            self._history(version, user_id),
            recent,
            len(known),
            now=time.time(),
            # The Actions dataset as it is now: new actions are explored and expirations apply at once.
            actions=current,
        )
        wanted = num_results if num_results is not None else DEFAULT_NUM_ACTIONS
        return {
            "actionList": [{"actionId": action, "score": score} for action, score in ranked if action not in refused][:wanted],
            "recommendationId": new_recommendation_id(campaign.arn),
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

    def items_since_training(self, version: SolutionVersion) -> list[str]:
        """Items of the group's Items dataset that ``version``'s model doesn't know, the latest put first."""
        items = self.dataset_of(version.dataset_group_arn, "ITEMS")
        return list(items_unknown_to(version.model, items.table)) if items is not None else []

    def _judged(self, version: SolutionVersion) -> frozenset[str]:
        """The items a filter judges: the model's, and for exploring recipes those put since training."""
        items = self.dataset_of(version.dataset_group_arn, "ITEMS") if version.recipe_arn in EXPLORING else None
        return judged_items(version.model, items.table if items is not None else None)

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
