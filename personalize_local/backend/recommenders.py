"""Recommenders: a domain dataset group's use cases, trained and served.

CreateRecommender trains the use case's model (recipes/use_cases.py) in the create's
worker, with its modelMetrics measured as evaluating-recommenders.md says;
UpdateRecommender changes the config (and trains again when the columns used in
training change), Stop/StartRecommender walk the recommender to INACTIVE and back
to ACTIVE, and GetRecommendations by recommenderArn answers from the model, the
user's events recorded since training and the use case's automatic exclusions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, cast

import pandas as pd

from ..data.schemas import dataset_label
from ..errors import InvalidInputException, ResourceInUseException, ResourceNotFoundException
from ..eval.use_cases import evaluate_use_case
from ..filters import Request
from ..recipes.base import Exploration, Model, Ranking, RelatedItems, Signals, TrainingError
from ..recipes.catalog import get_recipe
from ..recipes.trending import TrendingNow
from ..recipes.use_cases import USE_CASES, Need, UseCase, UseCaseModel, fit_use_case
from . import quotas, training_processes
from .core import BackendCore, Resource, now
from .dataset_groups import DatasetGroup, DatasetGroupsService
from .lifecycle import CREATE, DELETE, Apply, JobFailed
from .promotions import Rank
from .recommender_config import Setup, check_setup
from .store import Store
from .trends import data_revision, latest_trend

if TYPE_CHECKING:
    from .datasets import DatasetsService
    from .filters import FiltersService

KIND = "recommender"


@dataclass(frozen=True)
class Snapshot:
    """The data a training reads, taken when it is asked for, and where the recorded interactions then ended."""

    interactions: pd.DataFrame
    items: pd.DataFrame | None
    users: pd.DataFrame | None
    recorded_mark: int


@dataclass(frozen=True)
class Trained:
    """What a training leaves for answering: the model, its metrics, and what it knew of each user."""

    model: UseCaseModel
    metrics: dict[str, float]
    histories: dict[str, list[str]]
    excluded: dict[str, set[str]]
    recorded_mark: int


@dataclass(kw_only=True)
class RecommenderUpdate(Resource):
    """latestRecommenderUpdate: a config waiting to replace the one the recommender serves with."""

    setup: Setup

    def summary(self) -> dict[str, Any]:
        return {
            "recommenderConfig": self.setup.members(),
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


@dataclass(kw_only=True)
class Recommender(Resource):
    dataset_group_arn: str
    case: UseCase
    setup: Setup
    trained: Trained | None = None
    latest_update: RecommenderUpdate | None = None

    @property
    def serving(self) -> Setup:
        """The config answering requests: the latest update's once it is ACTIVE (its walk applies it)."""
        return self.setup

    def describe(self) -> dict[str, Any]:
        status = self.status
        # API_DescribeRecommender.md: "The modelMetrics key is null when the recommender is being created or deleted."
        metrics = self.trained.metrics if self.trained is not None and status not in CREATE + DELETE else None
        return {
            **self.summary(),
            "failureReason": self.failure_reason,
            "latestRecommenderUpdate": self.latest_update.summary() if self.latest_update else None,
            "modelMetrics": dict(metrics) if metrics is not None else None,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "recommenderArn": self.arn,
            "datasetGroupArn": self.dataset_group_arn,
            "recipeArn": self.case.recipe_arn,
            "recommenderConfig": self.serving.members(),
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }


@dataclass(frozen=True)
class Ask:
    """One GetRecommendations request to a recommender, with what is known of its user now."""

    user_id: str | None
    item_id: str | None
    history: list[str]
    excluded: set[str]
    num_results: int
    exploration: Exploration
    # The request's contextual metadata, for models that read it (contextual-metadata.md).
    context: Mapping[str, str] = field(default_factory=dict)


def _for_user(model: UseCaseModel, ask: Ask) -> Ranking:
    options = {"signals": Signals(ask.context)} if getattr(model, "reads_signals", False) else {}
    ranker = cast(Model, model)  # the use case's category (ANSWERS) says which
    return ranker.recommend(ask.user_id or "", ask.history, ask.num_results, ask.excluded, exploration=ask.exploration, **options)


def _related(model: UseCaseModel, ask: Ask) -> Ranking:
    assert ask.item_id is not None, "RELATED_ITEMS use cases require an itemId"
    return cast(RelatedItems, model).similar(ask.item_id, ask.num_results, ask.excluded)


# How a use case's model answers, by the use case's category.
ANSWERS: dict[str, Callable[[UseCaseModel, Ask], Ranking]] = {
    "USER_PERSONALIZATION": _for_user,
    "POPULAR_ITEMS": _for_user,
    "RELATED_ITEMS": _related,
}


class RecommendersService:
    """The recommenders of one account and region: domain use cases, trained, and how they answer."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateRecommender", "DescribeRecommender", "ListRecommenders", "UpdateRecommender",
        "StopRecommender", "StartRecommender", "DeleteRecommender",
    )

    def __init__(self, core: BackendCore, groups: DatasetGroupsService, datasets: DatasetsService, filters: FiltersService) -> None:
        self.core = core
        self.groups, self.datasets, self.filters = groups, datasets, filters
        self.recommenders: Store[Recommender] = Store(core, KIND)
        core.depends("dataset-group", "recommender", lambda arn: self.recommenders.find(lambda r: r.dataset_group_arn == arn))

    def create_recommender(
        self,
        name: str,
        dataset_group_arn: str,
        recipe_arn: str,
        recommender_config: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        group = self.groups.groups.require_active(dataset_group_arn)
        case = self._use_case(group, recipe_arn)
        setup = self._checked_setup(case, group, recommender_config or {})
        quotas.RECOMMENDERS_PER_GROUP.check(self.recommenders.find(lambda r: r.dataset_group_arn == dataset_group_arn))
        quotas.RECOMMENDERS.check(self.recommenders.find())
        snapshot = self._snapshot(group, setup)
        recommender = Recommender(arn=self.recommenders.arn(name), name=name, dataset_group_arn=dataset_group_arn, case=case, setup=setup)
        self.recommenders.add(recommender, tags)
        self.recommenders.start(recommender, lambda: self._train_recommender(recommender, setup, snapshot))
        return {"recommenderArn": recommender.arn}

    def _use_case(self, group: DatasetGroup, recipe_arn: str) -> UseCase:
        """The use case of ``recipe_arn``, which must be of the group's domain (API_CreateRecommender.md)."""
        if not group.domain:
            raise InvalidInputException(
                f"The dataset group {group.arn} has no domain: recommenders are for ECOMMERCE and VIDEO_ON_DEMAND "
                "dataset groups; use a solution and a campaign in a custom dataset group."
            )
        case = USE_CASES.get(recipe_arn)
        if case is None:
            if get_recipe(recipe_arn) is None:
                raise ResourceNotFoundException.for_arn(recipe_arn)
            raise InvalidInputException(f"Value '{recipe_arn}' at 'recipeArn' is a custom recipe: a recommender takes a domain use case.")
        if case.recipe.domain != group.domain:
            raise InvalidInputException(
                f"Value '{recipe_arn}' at 'recipeArn' is a {case.recipe.domain} use case; the dataset group {group.arn} "
                f"is for {group.domain}."
            )
        return case

    def _checked_setup(self, case: UseCase, group: DatasetGroup, config: dict[str, Any]) -> Setup:
        """The config checked against the use case and the group, whose datasets must include the use case's."""
        datasets = {d.dataset_type: d for d in self.datasets.datasets.find(lambda d: d.dataset_group_arn == group.arn)}
        missing = [t for t in case.required_datasets if t not in datasets]
        if missing:
            raise InvalidInputException(
                f"The use case {case.recipe.name} needs {' and '.join(map(dataset_label, case.required_datasets))} "
                f"datasets; the dataset group {group.arn} has no {dataset_label(missing[0])} dataset."
            )
        return check_setup(case, config, {t: d.schema.parsed for t, d in datasets.items()}, group.domain)

    def _snapshot(self, group: DatasetGroup, setup: Setup) -> Snapshot:
        interactions = self.datasets.dataset_of(group.arn, "INTERACTIONS")
        assert interactions is not None, "every use case trains on Interactions (_checked_setup)"
        items, users = (self.datasets.dataset_of(group.arn, t) for t in ("ITEMS", "USERS"))
        return Snapshot(
            setup.training_columns(interactions.table.frame(interactions.events.session_users()), "INTERACTIONS", group.domain),
            setup.training_columns(items.table.frame(), "ITEMS", group.domain) if items else None,
            setup.training_columns(users.table.frame(), "USERS", group.domain) if users else None,
            interactions.table.recorded_count,
        )

    @staticmethod
    def _train_recommender(recommender: Recommender, setup: Setup, data: Snapshot) -> Apply:
        try:
            # In a worker process when the data is big (training_processes.py): serving goes on at full speed.
            trained = training_processes.run(len(data.interactions), _fit, setup.case.recipe_arn, setup.exploration_values, data)
        except TrainingError as error:
            raise JobFailed(str(error)) from None

        def apply() -> None:
            recommender.trained = trained

        return apply

    def describe_recommender(self, recommender_arn: str) -> dict[str, Any]:
        recommender = self.recommenders.observe(recommender_arn)
        return {"recommender": recommender.describe()}

    def list_recommenders(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.recommenders.list_page("recommenders", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def update_recommender(self, recommender_arn: str, recommender_config: dict[str, Any]) -> dict[str, Any]:
        recommender = self._steady(recommender_arn, "ACTIVE", "updated")
        current = recommender.serving
        group = self.groups.groups.get(recommender.dataset_group_arn)
        # What the request leaves out stays as it is.
        setup = self._checked_setup(recommender.case, group, {**current.given, **recommender_config})
        update = RecommenderUpdate(arn=recommender.arn, name=recommender.name, setup=setup)
        recommender.latest_update = update
        # UpdateRecommender: new columns in training start a full retraining; until it is done the old model serves.
        retrain = None
        if setup.columns != current.columns:
            snapshot = self._snapshot(group, setup)
            retrain = lambda: self._train_recommender(recommender, setup, snapshot)  # noqa: E731

        def apply() -> None:
            recommender.setup = setup
            recommender.last_updated_date_time = now()

        # The update walks the recommender's statuses: latestRecommenderUpdate, not a resource of its own store.
        self.core.start(KIND, update, retrain, apply)
        return {"recommenderArn": recommender.arn}

    def stop_recommender(self, recommender_arn: str) -> dict[str, Any]:
        self._steady(recommender_arn, "ACTIVE", "stopped").started.deactivate()
        return {"recommenderArn": recommender_arn}

    def start_recommender(self, recommender_arn: str) -> dict[str, Any]:
        self._steady(recommender_arn, "INACTIVE", "started").started.activate()
        return {"recommenderArn": recommender_arn}

    def delete_recommender(self, recommender_arn: str) -> None:
        recommender = self.recommenders.require_settled(recommender_arn)
        if recommender.latest_update is not None and recommender.latest_update.busy:
            raise ResourceInUseException(f"The recommender {recommender_arn} is being updated; delete it once the update is done.")
        self.recommenders.start_delete(recommender)

    def _steady(self, recommender_arn: str, status: str, change: str) -> Recommender:
        """The recommender, if it is ``status`` and no update of it is under way."""
        recommender = self.recommenders.get(recommender_arn)
        now_status = recommender.status
        if now_status != status:
            raise ResourceInUseException(f"The recommender {recommender_arn} is {now_status}: only an {status} recommender can be {change}.")
        if recommender.latest_update is not None and recommender.latest_update.busy:
            raise ResourceInUseException(f"The recommender {recommender_arn} is being updated; it can be {change} once the update is done.")
        return recommender

    # personalize-runtime -----------------------------------------------------
    def recommender_ranker(
        self,
        recommender_arn: str,
        user_id: str | None,
        item_id: str | None,
        promoting: bool = False,
        context: Mapping[str, str] | None = None,
    ) -> tuple[Recommender, Rank, bool]:
        """GetRecommendations with a recommenderArn: the recommender, how it ranks for this user and item,
        and whether its answers show scores.

        domain-dsg-recommendations.md: a filter applies "in addition" to the use case's automatic filtering,
        to promoted items as to the others."""
        recommender = self.recommenders.get(recommender_arn)
        status = recommender.status
        if status != "ACTIVE":
            raise InvalidInputException(f"The recommender {recommender_arn} is {status}, not ACTIVE.")
        case = recommender.case
        if promoting and not case.promotes:
            raise InvalidInputException(f"Value at 'promotions': recommenders of {case.recipe.name} don't take promotions.")
        given = {"userId": user_id, "itemId": item_id}
        for member, need in (("userId", case.user_id), ("itemId", case.item_id)):
            if need is Need.REQUIRED and not given[member]:
                raise InvalidInputException(f"Value null at '{member}': recommenders of {case.recipe.name} need it.")
        trained = recommender.trained
        assert trained is not None, "an ACTIVE recommender has trained"
        model, category = self._answering_model(recommender), case.recipe.category
        group_arn = recommender.dataset_group_arn
        request = Request(user_id, item_id if category == "RELATED_ITEMS" else None)
        recorded = self.datasets.recorded_interactions(group_arn, user_id, trained.recorded_mark) if user_id else []
        known, kept_out = (trained.histories.get(user_id, []), trained.excluded.get(user_id, set())) if user_id else ([], set())
        history = known + [r["ITEM_ID"] for r in recorded if case.learns_from(r.get("EVENT_TYPE"))]
        excluded = kept_out | {r["ITEM_ID"] for r in recorded if r.get("EVENT_TYPE") in case.excludes}
        exploration = recommender.serving.exploration_values

        def rank(n: int, filter_arn: str | None, filter_values: dict[str, str] | None, keep_out: set[str] | frozenset[str]) -> Ranking:
            refused = self.filters.filtered_out(filter_arn, filter_values, group_arn, request, model.item_ids)
            return ANSWERS[category](model, Ask(user_id, item_id, history, excluded | refused | keep_out, n, exploration, context or {}))

        return recommender, rank, model.reports_scores

    def _answering_model(self, recommender: Recommender) -> UseCaseModel:
        """The model that answers for ``recommender`` now: a trending-now use case's latest trend (trends.py)."""
        assert recommender.trained is not None, "an ACTIVE recommender has trained"
        model = recommender.trained.model
        if not isinstance(model, TrendingNow):
            return model
        group = self.groups.groups.get(recommender.dataset_group_arn)
        interactions, items = (self.datasets.dataset_of(group.arn, kind) for kind in ("INTERACTIONS", "ITEMS"))
        if interactions is None:
            return model
        setup = recommender.setup

        def read() -> tuple[pd.DataFrame, pd.DataFrame | None]:
            snapshot = self._snapshot(group, setup)  # as its training reads the data
            return setup.case.training_interactions(snapshot.interactions), snapshot.items

        return latest_trend(model, recommender.creation_date_time, data_revision(interactions, items), read)


def _fit(recipe_arn: str, exploration: Exploration, data: Snapshot) -> Trained:
    """The pure part of a recommender's training, which needs no backend state (so it may run in a worker process):
    its use case's model (by its recipe: a use case holds functions), metrics and what it knew of each user."""
    case = USE_CASES[recipe_arn]
    model = fit_use_case(case, data.interactions, data.items, data.users)
    metrics = evaluate_use_case(case, data.interactions, data.items, data.users, exploration)
    return Trained(model, metrics, case.histories(data.interactions), case.excluded_items(data.interactions), data.recorded_mark)
