"""The domain use cases a recommender is created for, and what backs each of them.

Read off ECOMMERCE-use-cases.md and VIDEO_ON_DEMAND-use-cases.md (recipe ARNs as in
catalog.py). For every use case, on top of the minimums every recommender needs
(domain-use-cases.md: 1000 interactions, 25 users with 2 or more):

- ``model``: what fits it, a custom recipe's trainer. Popular items are
  Popularity-Count's model (ECOMMERCE counts every view or purchase, "how many
  times"; VIDEO_ON_DEMAND distinct viewers, "watched by the most users");
  personalized picks User-Personalization's, exploring; items related by who
  interacted with them SIMS's, every item with interactions taking part (the
  recipe's default leaves the most popular tenth out, and best sellers are what
  shoppers buy together); More like X Similar-Items' ("similar to a video":
  co-occurrence and metadata); Trending now Trending-Now's, on the two-hour
  interval its page gives ("Every two hours, Amazon Personalize ... identifies
  trending items").
- ``trains_on``: the event types the model learns from (None: every event).
- ``required_event``: the event type of which the data must hold ``MIN_EVENTS``
  (None: the general minimum of any events is enough).
- ``required_datasets``: datasets CreateRecommender needs in the group.
- ``excludes``: event types whose items GetRecommendations leaves out for the
  request's user ("automatically filters items the user purchased").
- ``user_id`` / ``item_id``: what GetRecommendations needs of them.
- ``explores``: whether the recommender takes an itemExplorationConfig.
- ``promotes``: whether GetRecommendations takes promotions (promoting-items-domain-dsg.md:
  "For all use cases except Trending now").
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable, Protocol

import pandas as pd

from . import check_minimum_data
from .base import EVENT_TYPE, ITEM_ID, TIMESTAMP, USER_ID, Model, RelatedItems, TrainingError, unique_interactions
from .catalog import RecipeInfo, known_recipe
from .popularity import PopularityCount
from .similar_items import SimilarItems
from .sims import Sims
from .trending import TrendingNow
from .user_personalization import UserPersonalization

# "At minimum, 1000 View events" (and Purchase, Watch): every required event type's minimum.
MIN_EVENTS = 1000

UseCaseModel = Model | RelatedItems


class Fits(Protocol):
    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> UseCaseModel: ...


class Need(Enum):
    """What GetRecommendations needs of a request member, as the use case pages put it."""

    REQUIRED = "Required"
    FOR_FILTERS = "Required only if you filter by CurrentUser"
    NOT_USED = "Not used"


@dataclass(frozen=True)
class UseCase:
    recipe_arn: str
    model: Callable[[], Fits]
    trains_on: frozenset[str] | None
    required_event: str | None
    required_datasets: tuple[str, ...]
    excludes: frozenset[str]
    user_id: Need
    item_id: Need
    explores: bool = False
    promotes: bool = True

    @property
    def recipe(self) -> RecipeInfo:
        return known_recipe(self.recipe_arn)

    def training_interactions(self, interactions: pd.DataFrame) -> pd.DataFrame:
        """The interactions the model learns from."""
        if self.trains_on is None:
            return interactions
        return interactions[interactions[EVENT_TYPE].isin(self.trains_on)]

    def check_data(self, interactions: pd.DataFrame) -> None:
        """Raise TrainingError unless ``interactions`` meet every recommender's minimums and the use case's."""
        check_minimum_data(interactions)
        if self.required_event is None:
            return
        unique = unique_interactions(interactions)
        found = int((unique[EVENT_TYPE] == self.required_event).sum())
        if found < MIN_EVENTS:
            kinds = ", ".join(sorted(unique[EVENT_TYPE].dropna().astype(str).unique())) or "none"
            raise TrainingError(
                f"Create failed. The use case {self.recipe.name} needs at least {MIN_EVENTS} {self.required_event} "
                f"events; the Interactions dataset has {found} (its event types: {kinds})."
            )

    def histories(self, interactions: pd.DataFrame) -> dict[str, list[str]]:
        """Each user's items the model learns from, oldest first."""
        ordered = self.training_interactions(interactions).sort_values(TIMESTAMP, kind="stable")
        groups = ordered.groupby(USER_ID, sort=False)[ITEM_ID]
        return {user: list(items) for user, items in groups}  # type: ignore[misc]  # pandas-stubs: any scalar key; USER_IDs are str

    def excluded_items(self, interactions: pd.DataFrame) -> dict[str, set[str]]:
        """Each user's items GetRecommendations leaves out: those of the ``excludes`` event types."""
        if not self.excludes:
            return {}
        kept = interactions[interactions[EVENT_TYPE].isin(self.excludes)]
        groups = kept.groupby(USER_ID)[ITEM_ID]
        return {user: set(items) for user, items in groups}  # type: ignore[misc]  # pandas-stubs: any scalar key; USER_IDs are str

    def learns_from(self, event_type: str | None) -> bool:
        return self.trains_on is None or event_type in self.trains_on


def _arn(name: str) -> str:
    return f"arn:aws:personalize:::recipe/{name}"


def _related_by_users() -> Sims:
    return Sims(min_item_interaction_count_percentile=0.0, max_item_interaction_count_percentile=1.0)


INTERACTIONS = ("INTERACTIONS",)
WITH_ITEMS = ("INTERACTIONS", "ITEMS")
VIEW, PURCHASE, WATCH = "View", "Purchase", "Watch"
# VIDEO_ON_DEMAND-use-cases.md, Trending now: evaluated every two hours, in seconds.
VOD_TREND_INTERVAL = 2 * 3600
NOTHING: frozenset[str] = frozenset()

USE_CASES: dict[str, UseCase] = {
    case.recipe_arn: case
    for case in (
        # ECOMMERCE-use-cases.md
        UseCase(_arn("aws-ecomm-popular-items-by-views"), lambda: PopularityCount(distinct_users=False),
                frozenset({VIEW}), VIEW, INTERACTIONS, NOTHING, Need.REQUIRED, Need.NOT_USED),
        UseCase(_arn("aws-ecomm-popular-items-by-purchases"), lambda: PopularityCount(distinct_users=False),
                frozenset({PURCHASE}), PURCHASE, INTERACTIONS, NOTHING, Need.REQUIRED, Need.NOT_USED),
        UseCase(_arn("aws-ecomm-frequently-bought-together"), _related_by_users,
                frozenset({PURCHASE}), PURCHASE, INTERACTIONS, NOTHING, Need.FOR_FILTERS, Need.REQUIRED),
        UseCase(_arn("aws-ecomm-customers-who-viewed-x-also-viewed"), _related_by_users,
                frozenset({VIEW}), VIEW, INTERACTIONS, frozenset({PURCHASE}), Need.REQUIRED, Need.REQUIRED),
        UseCase(_arn("aws-ecomm-recommended-for-you"), UserPersonalization,
                None, None, INTERACTIONS, frozenset({PURCHASE}), Need.REQUIRED, Need.NOT_USED, explores=True),
        # VIDEO_ON_DEMAND-use-cases.md
        UseCase(_arn("aws-vod-because-you-watched-x"), _related_by_users,
                frozenset({WATCH}), WATCH, INTERACTIONS, frozenset({WATCH}), Need.REQUIRED, Need.REQUIRED),
        UseCase(_arn("aws-vod-more-like-x"), SimilarItems,
                None, None, WITH_ITEMS, frozenset({WATCH}), Need.REQUIRED, Need.REQUIRED),
        UseCase(_arn("aws-vod-most-popular"), PopularityCount,
                frozenset({WATCH}), WATCH, INTERACTIONS, NOTHING, Need.REQUIRED, Need.NOT_USED),
        UseCase(_arn("aws-vod-trending-now"), lambda: TrendingNow(interval=VOD_TREND_INTERVAL),
                None, None, INTERACTIONS, NOTHING, Need.FOR_FILTERS, Need.NOT_USED, promotes=False),
        UseCase(_arn("aws-vod-top-picks"), UserPersonalization,
                None, None, WITH_ITEMS, frozenset({WATCH}), Need.REQUIRED, Need.NOT_USED, explores=True),
    )
}


def fit_use_case(case: UseCase, interactions: pd.DataFrame, items: pd.DataFrame | None, users: pd.DataFrame | None) -> UseCaseModel:
    """Fit the use case's model on what it learns from; TrainingError when the data is short of its minimums."""
    case.check_data(interactions)
    return case.model().fit(case.training_interactions(interactions), items, users)
