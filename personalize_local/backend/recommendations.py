"""personalize-runtime: answers from a campaign's model, the group's live interactions and its config."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Protocol, cast

import numpy as np

from ..errors import InvalidInputException
from ..filters import Request
from .promotions import REASONED_RECIPES, Rank, promoted_answer
from ..recipes.base import ActionModel, Exploration, Model, Ranking, RelatedItems, Signals
from ..recipes.catalog import RecipeInfo
from ..recipes.trending import TrendingNow
from .answer_metadata import AnswerMetadata
from .campaigns import ServedCampaign
from .core import BackendCore
from .new_items import items_unknown_to, judged_items
from .ranking_influence import RankingInfluence
from .recommendation_ids import new_recommendation_id
from .recommenders import RecommendersService
from .solutions import SolutionVersion
from .trends import data_revision, latest_trend

if TYPE_CHECKING:
    from .campaigns import CampaignsService
    from .datasets import DatasetsService
    from .filters import FiltersService

DEFAULT_NUM_RESULTS = 25
# API_RS_GetRecommendations.md: "The maximum is 500" (the model states only the minimum).
MAX_NUM_RESULTS = 500
Ranked = Ranking


class Served(Protocol):
    """What answers: a campaign, or a batch inference job's solution version and its exploration."""

    @property
    def solution_version(self) -> SolutionVersion: ...

    @property
    def exploration(self) -> Exploration: ...

    @property
    def ranking_influence(self) -> Mapping[str, float]: ...


# One request's answers: (numResults, items kept out) -> (itemId, score), best first.
Answering = Callable[[int, "set[str] | frozenset[str]"], Ranked]
# (the recommendations service, what serves, userId, itemId, context) -> how it answers that request: what every
# answer of the request shares (the user's history, exploration, signals) read once, as a request with a promotion
# ranks twice.
Answerer = Callable[["RecommendationsService", Served, "str | None", "str | None", "Mapping[str, str]"], Answering]


def _for_user(
    service: RecommendationsService, served: Served, user_id: str | None, item_id: str | None, context: Mapping[str, str]
) -> Answering:
    version = served.solution_version
    model = service.answering_model(version)
    exploration = served.exploration
    history = service.history(version, user_id)
    options: dict[str, Any] = {"exploration": exploration}
    # Items put (or imported) since training are the newest of all: exploration offers them at once.
    since_training = service.items_since_training(version) if version.recipe_arn in EXPLORING and exploration.weight > 0 else None
    if getattr(model, "reads_signals", False):
        offsets = service.influence.influence_offsets(version, served.ranking_influence)
        options["signals"] = service.signals(version, context, RETRIEVAL_DEPTH.get(version.recipe.recipe_arn), offsets)

    def answer(n: int, refused: set[str] | frozenset[str]) -> Ranked:
        fresh = {} if since_training is None else {"new_items": [item for item in since_training if item not in refused]}
        return model.recommend(user_id, history, n, refused, **options, **fresh)

    return answer


def _related(
    service: RecommendationsService, served: Served, user_id: str | None, item_id: str | None, context: Mapping[str, str]
) -> Answering:
    model = cast(RelatedItems, served.solution_version.model)  # a RELATED_ITEMS recipe's
    assert item_id is not None, "RELATED_ITEMS campaigns require an itemId (ANSWERS)"
    return lambda n, refused: model.similar(item_id, n, refused)


def shows_scores(version: SolutionVersion) -> bool:
    """Whether answers from ``version`` show its scores: the model of a recipe a campaign or a batch inference
    job answers with (a Model, or RelatedItems by its category) says."""
    return cast("Model | RelatedItems", version.model).reports_scores


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
# Recipes whose campaigns explore new items (native-recipe-new-item-USER_PERSONALIZATION.md; User-Personalization-v2
# "handles exploration configuration for you", use-case-recipe-features.md).
EXPLORING = {"arn:aws:personalize:::recipe/aws-user-personalization", "arn:aws:personalize:::recipe/aws-user-personalization-v2"}
# How many of its best items a recipe's model retrieves before a filter applies (PredictedItem.reason: User-Personalization-v2
# fills an answer the filter left short with popular items that pass it). As many as the largest answer.
RETRIEVAL_DEPTH = {"arn:aws:personalize:::recipe/aws-user-personalization-v2": 500}
# How many unions of a refusal and a promotion's items the service keeps (past it, all are forgotten at once).
UNIONS_KEPT = 4096
# API_RS_GetActionRecommendations.md: "The default is 5. The maximum is 100."
DEFAULT_NUM_ACTIONS = 5
MAX_NUM_ACTIONS = 100
# The operation that answers campaigns of the other categories.
ANSWERED_BY = {
    "PERSONALIZED_RANKING": "GetPersonalizedRanking",
    "PERSONALIZED_ACTIONS": "GetActionRecommendations",
    "USER_SEGMENTATION": "CreateBatchSegmentJob",
}


class RecommendationsService:
    """personalize-runtime's GetRecommendations and GetActionRecommendations: answers of campaigns and recommenders."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("GetRecommendations", "GetActionRecommendations")

    def __init__(
        self,
        core: BackendCore,
        datasets: DatasetsService,
        filters: FiltersService,
        campaigns: CampaignsService,
        recommenders: RecommendersService,
        metadata: AnswerMetadata,
    ) -> None:
        self.core = core
        self.datasets, self.filters, self.campaigns = datasets, filters, campaigns
        self.recommenders, self.metadata = recommenders, metadata
        self.influence = RankingInfluence(datasets)
        # (a filter's refusal, the items a promotion took) -> that refusal and the two together (_union).
        self._unions: dict[tuple[int, frozenset[str]], tuple[frozenset[str], frozenset[str]]] = {}

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
        wanted = num_results if num_results is not None else DEFAULT_NUM_RESULTS
        if recommender_arn:
            recommender, rank, shown = self.recommenders.recommender_ranker(recommender_arn, user_id, item_id, bool(promotions), context)
            listed = promoted_answer(rank, wanted, filter_arn, filter_values, promotions, shown, f"{recommender_arn}|{user_id}|{item_id}")
            enabled = recommender.serving.members()["enableMetadataWithRecommendations"]
            return self._answer(listed, recommender.dataset_group_arn, recommender_arn, metadata_columns, enabled)
        assert campaign_arn is not None  # refused above without it or a recommenderArn
        campaign, recipe = self.serving("GetRecommendations", campaign_arn)
        version = campaign.solution_version

        rank = self.ranker(campaign, recipe, user_id, item_id, context)
        # Recipes whose scores the service does not show (popularity, related items) answer with item IDs alone.
        listed = promoted_answer(
            rank, wanted, filter_arn, filter_values, promotions, shows_scores(version),
            f"{campaign.arn}|{user_id}|{item_id}", version.recipe_arn in REASONED_RECIPES,
        )
        return self._answer(listed, version.dataset_group_arn, campaign.arn, metadata_columns, campaign.metadata_enabled)

    def _answer(
        self, listed: list[dict[str, Any]], group_arn: str, source_arn: str, metadata_columns: dict[str, list[str]] | None, enabled: bool
    ) -> dict[str, Any]:
        """The GetRecommendations answer of ``listed``, remembered as what its recommendationId showed (implicit impressions)."""
        recommendation_id = new_recommendation_id(source_arn)
        self.remember_answer(group_arn, recommendation_id, [entry["itemId"] for entry in listed])
        return {
            "itemList": self.metadata.with_metadata(listed, metadata_columns, enabled, group_arn, source_arn),
            "recommendationId": recommendation_id,
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
    ) -> Ranked:
        """What ``served`` recommends for the request, best first: campaigns and batch inference jobs alike."""
        return self.ranker(served, recipe, user_id, item_id)(num_results, filter_arn, filter_values, frozenset())

    def ranker(
        self, served: Served, recipe: RecipeInfo, user_id: str | None, item_id: str | None, context: Mapping[str, str] | None = None
    ) -> Rank:
        """How ``served`` ranks for one request (``context``: its contextual metadata), under whichever filter each
        ranking applies, keeping out the items given besides (a promotion's)."""
        how = ANSWERS[recipe.category]
        given = {"userId": user_id, "itemId": item_id}
        if how.required and not given[how.required]:
            raise InvalidInputException(f"Value null at '{how.required}': campaigns of {recipe.name} {how.purpose}.")
        version = served.solution_version
        request = Request(user_id, item_id if recipe.category == "RELATED_ITEMS" else None)
        answer = how.answer(self, served, user_id, item_id, context or {})

        def rank(n: int, filter_arn: str | None, filter_values: dict[str, str] | None, keep_out: set[str] | frozenset[str]) -> Ranked:
            # The model ranks what passes the filter, so the answer still holds numResults items when enough pass.
            refused = keep_out
            if filter_arn:
                filtered = self.filters.filtered_out(filter_arn, filter_values, version.dataset_group_arn, request, self._judged(version))
                refused = self._union(filtered, keep_out) if keep_out else filtered
            return answer(n, refused)

        return rank

    def _union(self, refused: set[str] | frozenset[str], keep_out: set[str] | frozenset[str]) -> set[str] | frozenset[str]:
        """What a filter ``refused`` and the items a promotion took (``keep_out``), together: the same frozenset while
        the two stay. A filter hands over the same refusal while its answer stays, a promotion takes the same items
        for the same request, and a model keeps the positions of each set it is handed: a request asked again reads
        none of them anew."""
        if not isinstance(refused, frozenset):  # a set of this request's own
            return set(keep_out) | refused
        key = (id(refused), frozenset(keep_out))
        found = self._unions.get(key)
        if found is not None and found[0] is refused:
            return found[1]
        union = refused.union(keep_out)
        if len(self._unions) >= UNIONS_KEPT:
            self._unions.clear()
        self._unions[key] = (refused, union)  # kept with it: its id names no other set while it is here
        return union

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
        campaign, recipe = self.serving("GetActionRecommendations", campaign_arn)
        if not user_id:
            raise InvalidInputException(f"Value null at 'userId': campaigns of {recipe.name} recommend actions for a user.")
        version = campaign.solution_version
        model = cast(ActionModel, version.model)  # a PERSONALIZED_ACTIONS recipe's (serving)
        group_arn = version.dataset_group_arn
        actions = self.datasets.dataset_of(group_arn, "ACTIONS")
        action_interactions = self.datasets.dataset_of(group_arn, "ACTION_INTERACTIONS")
        recent = (
            action_interactions.table.recorded_for(user_id, since=version.marks.get("ACTION_INTERACTIONS", 0))
            if action_interactions
            else []
        )
        current = actions.table.frame() if actions else None
        known = current["ACTION_ID"].astype(str) if current is not None else model.action_ids
        refused = self.filters.filtered_out(filter_arn, filter_values, group_arn, Request(user_id), known, target="ACTION_ID")
        # Every action ranked, then the filter: the answer still holds numResults actions when enough pass.
        ranked = model.recommend_actions(
            user_id,
            self.history(version, user_id),
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

    def serving(self, operation: str, campaign_arn: str) -> tuple[ServedCampaign, RecipeInfo]:
        """The ACTIVE campaign as this request sees it, and its recipe, if ``operation`` is the one that answers for it."""
        found = self.campaigns.campaigns.get(campaign_arn)
        if found.status != "ACTIVE":
            raise InvalidInputException(f"The campaign {campaign_arn} is {found.status}, not ACTIVE.")
        campaign = found.answering()
        recipe = campaign.solution_version.recipe
        answering = ANSWERED_BY.get(recipe.category, "GetRecommendations")
        if answering != operation:
            raise InvalidInputException(
                f"The campaign {campaign_arn} deploys {recipe.name}, a {recipe.category} recipe: use {answering} with it."
            )
        return campaign, recipe

    def items_since_training(self, version: SolutionVersion) -> tuple[str, ...]:
        """Items of the group's Items dataset that ``version``'s model doesn't know, the latest put first."""
        items = self.datasets.dataset_of(version.dataset_group_arn, "ITEMS")
        return items_unknown_to(version.model, items.table) if items is not None else ()

    def _judged(self, version: SolutionVersion) -> frozenset[str]:
        """The items a filter judges: the answering model's, and for exploring recipes those put since training."""
        items = self.datasets.dataset_of(version.dataset_group_arn, "ITEMS") if version.recipe_arn in EXPLORING else None
        return judged_items(self.answering_model(version), items.table if items is not None else None)

    def answering_model(self, version: SolutionVersion) -> Any:
        """The model that answers for ``version`` now: a Trending-Now version's latest trend (trends.py)."""
        model = version.model
        if not isinstance(model, TrendingNow):
            return model
        interactions, items = (self.datasets.dataset_of(version.dataset_group_arn, kind) for kind in ("INTERACTIONS", "ITEMS"))
        if interactions is None:
            return model

        def read() -> tuple[Any, Any]:
            # As the version's training read them: the solution's event filter, sessions joined to their users.
            frame = version.solution.training_filter.apply(interactions.table.frame(interactions.events.session_users()))
            return frame, items.table.frame() if items is not None else None

        return latest_trend(model, version.creation_date_time, data_revision(interactions, items), read)

    def history(self, version: SolutionVersion, user_id: str | None) -> list[str]:
        """The user's items now, oldest first: the version's training data, then the events recorded since.

        The anonymous sessions that have become the user's (an event carried the session and the user) count
        as the user's at once: what training knew of them under the session follows the user's own, and the
        events recorded since come in time order with the user's. Bulk imports after training reach
        recommendations only through a new version, as in the service.
        """
        if user_id is None:
            return []  # a request for no one (popular items without a userId)
        mark = version.marks.get("INTERACTIONS", 0)
        interactions = self.datasets.dataset_of(version.dataset_group_arn, "INTERACTIONS")
        if interactions is None:
            return list(version.histories.get(user_id, []))
        sessions = interactions.events.sessions_of(user_id) if user_id else []
        trained = version.histories.get(user_id, []) if not sessions else [
            item for who in (user_id, *sessions) for item in version.histories.get(who, [])
        ]
        recorded = interactions.table.recorded_for(user_id, since=mark)
        for session in sessions:
            recorded = [*recorded, *interactions.table.recorded_for(session, since=mark)]
        if not recorded:  # most users' since training: their history is the trained one
            return list(trained)
        accepts = version.solution.training_filter.accepts
        recorded.sort(key=lambda r: r["TIMESTAMP"])
        return trained + [r["ITEM_ID"] for r in recorded if accepts(r.get("EVENT_TYPE"), r.get("EVENT_VALUE"))]

    def signals(
        self, version: SolutionVersion, context: Mapping[str, str], retrieval_depth: int | None = None, offsets: np.ndarray | None = None
    ) -> Signals:
        """What a request tells ``version``'s model besides the user: its context, the group's impressions now,
        and its campaign's rankingInfluence ``offsets``."""
        interactions = self.datasets.dataset_of(version.dataset_group_arn, "INTERACTIONS")
        impressions: Mapping[str, int] = {}
        if interactions is not None:
            impressions = interactions.events.impressions.shown(interactions.table.bulk(), interactions.table.revision[0])
        return Signals(context, impressions, retrieval_depth, offsets)

    def remember_answer(self, group_arn: str, recommendation_id: str, items: list[str]) -> None:
        """Keep what ``recommendation_id`` answered: events citing it were shown these items (implicit impressions)."""
        interactions = self.datasets.dataset_of(group_arn, "INTERACTIONS")
        if interactions is not None:
            interactions.events.impressions.remember(recommendation_id, items)


def _check_num_results(num_results: int | None, most: int) -> None:
    if num_results is not None and num_results > most:
        raise InvalidInputException(
            f"Value '{num_results}' at 'numResults' failed to satisfy constraint: "
            f"Member must have value less than or equal to {most}"
        )
