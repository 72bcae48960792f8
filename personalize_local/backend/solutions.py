"""Solutions, solution versions (training) and their metrics."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..data.schemas import dataset_label, metadata_fields
from ..errors import (
    InvalidInputException,
    NotYetSupportedException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    ServiceError,
)
from ..eval import METRIC_NAMES, evaluate
from ..recipes import EXTRA_DATASETS, TRAINERS, TrainingError, check_extra_data, check_minimum_data, check_solution_config, fit_recipe
from ..recipes.base import TrainedModel
from ..recipes.objective import RECIPES as OBJECTIVE_RECIPES
from ..recipes.objective import Objective
from ..recipes.training import (
    Trained, as_configured, check_tuning_config, chooses, configured_inputs, train_version,
)
from ..recipes.base import EVENT_WEIGHT, chronological, sequences
from ..recipes.catalog import RecipeInfo, get_legacy_recipe, get_recipe, known_recipe
from ..recipes.context import CONTEXT_COLUMNS
from ..recipes.item_metadata import FIELD_KINDS, schema_field_kinds
from . import quotas, training_processes
from .auto_training import Schedule, schedule_for
from .core import BackendCore, Resource, newest_first, now, short_id
from .dataset_groups import DatasetGroupsService
from .lifecycle import CREATE, Apply, JobFailed
from .core import refuse_if_used
from .store import Store

if TYPE_CHECKING:
    from .datasets import DatasetsService

log = logging.getLogger(__name__)
EVENTS_CONFIG_RECIPES = {
    "arn:aws:personalize:::recipe/aws-user-personalization-v2",
    "arn:aws:personalize:::recipe/aws-personalized-ranking-v2",
}
# solutionConfig members that only make sense for a known recipe.
FIXED_BY_RECIPE = {"algorithmHyperParameters", "featureTransformationParameters"}

KIND = "solution"
VERSION_KIND = "solution-version"
# Recipes whose versions may be trained incrementally (trainingMode UPDATE), per CreateSolutionVersion.
UPDATABLE_RECIPES = {"arn:aws:personalize:::recipe/aws-user-personalization"}
# No schedule: no moment is due.
NEVER = datetime.max.replace(tzinfo=timezone.utc)
# API_CreateSolution.md: AutoML picks the recipe, so recipeArn is left out with performAutoML and required
# without it. Keyed by (performAutoML, recipeArn given): the message each wrong pair raises.
RECIPE_CHOICE_ERRORS: dict[tuple[bool, bool], str] = {
    (True, True): "Value at 'recipeArn' must be left out when performAutoML is true: AutoML picks the recipe.",
    (False, False): "Value null at 'recipeArn': a recipe is required when performAutoML is not true.",
}


@dataclass(frozen=True)
class EventRule:
    """Interactions of one event type (any, for None) at or above a value threshold, weighing ``weight``."""

    event_type: str | None
    threshold: float | None
    weight: float = 1.0

    def matches(self, types: pd.Series, values: pd.Series) -> pd.Series:
        keep = pd.Series(True, index=types.index)
        if self.event_type is not None:
            keep &= types == self.event_type
        if self.threshold is not None:
            keep &= values >= self.threshold
        return keep.fillna(False).astype(bool)

    def accepts(self, event_type: str | None, event_value: float | None) -> bool:
        if self.event_type is not None and event_type != self.event_type:
            return False
        return self.threshold is None or (event_value is not None and event_value >= self.threshold)


@dataclass(frozen=True)
class TrainingFilter:
    """Which interactions a solution trains on, and how much each weighs.

    Its eventType and solutionConfig.eventValueThreshold, or solutionConfig.eventsConfig
    (optimizing-solution-events-config.md): only the listed event types, each at or above its
    threshold, each with its weight, which training reads from the EVENT_WEIGHT column.
    """

    rules: tuple[EventRule, ...]  # none: every interaction
    weighted: bool = False

    @classmethod
    def of(cls, event_type: str | None, config: dict[str, Any]) -> "TrainingFilter":
        listed = (config.get("eventsConfig") or {}).get("eventParametersList") or []
        if listed:
            return cls(tuple(EventRule(p.get("eventType"), p.get("eventValueThreshold"), p.get("weight", 1.0)) for p in listed), True)
        threshold = config.get("eventValueThreshold")
        if event_type is None and threshold is None:
            return cls(())
        return cls((EventRule(event_type, float(threshold) if threshold is not None else None),))

    def apply(self, interactions: pd.DataFrame) -> pd.DataFrame:
        if not self.rules:
            return interactions
        types = interactions.get("EVENT_TYPE", pd.Series(None, index=interactions.index))
        values = interactions.get("EVENT_VALUE", pd.Series(float("nan"), index=interactions.index))
        weight = pd.Series(float("nan"), index=interactions.index)
        for rule in reversed(self.rules):  # where two rules match, the first listed wins
            weight = weight.mask(rule.matches(types, values), rule.weight)
        kept = weight.notna()
        return interactions[kept].assign(**{EVENT_WEIGHT: weight[kept]}) if self.weighted else interactions[kept]

    def accepts(self, event_type: str | None, event_value: float | None) -> bool:
        return not self.rules or any(rule.accepts(event_type, event_value) for rule in self.rules)


@dataclass(frozen=True)
class TrainingData:
    """What a version trains on: the group's Interactions (filtered by the solution), Items and Users,
    and the recipe's extra datasets by fit() keyword."""

    interactions: pd.DataFrame
    items: pd.DataFrame | None
    users: pd.DataFrame | None
    extras: dict[str, pd.DataFrame | None]


@dataclass(kw_only=True)
class SolutionUpdate(Resource):
    """latestSolutionUpdate: an automatic training setting waiting to take effect (UpdateSolution)."""

    update_config: dict[str, Any]
    perform_auto_training: bool

    def summary(self) -> dict[str, Any]:
        return {
            "solutionUpdateConfig": dict(self.update_config),
            "status": self.status,
            "performAutoTraining": self.perform_auto_training,
            "performIncrementalUpdate": False,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


@dataclass(kw_only=True)
class Solution(Resource):
    dataset_group_arn: str
    # None with AutoML, which picks the recipe at training (best_recipe_arn).
    recipe_arn: str | None
    event_type: str | None = None
    solution_config: dict[str, Any] = field(default_factory=dict)
    perform_hpo: bool = False
    perform_auto_ml: bool = False
    schedule: Schedule | None = None
    latest_version: "SolutionVersion | None" = None
    # AutoML's choice, once a version has made it.
    best_recipe_arn: str | None = None
    latest_update: SolutionUpdate | None = None

    @property
    def training_filter(self) -> TrainingFilter:
        return TrainingFilter.of(self.event_type, self.solution_config)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "solutionArn": self.arn,
            "performHPO": self.perform_hpo,
            "performAutoML": self.perform_auto_ml,
            "performAutoTraining": self.schedule is not None,
            "recipeArn": self.recipe_arn or None,
            "datasetGroupArn": self.dataset_group_arn,
            "eventType": self.event_type,
            # {} when none was given, as the guide's describe-solution example shows.
            "solutionConfig": dict(self.solution_config),
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "latestSolutionVersion": self.latest_version.summary() if self.latest_version else None,
            "autoMLResult": {"bestRecipeArn": self.best_recipe_arn} if self.best_recipe_arn else None,
            "latestSolutionUpdate": self.latest_update.summary() if self.latest_update else None,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "solutionArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "recipeArn": self.recipe_arn or None,
        }


@dataclass(kw_only=True)
class SolutionVersion(Resource):
    solution: Solution
    # The solution's recipe, or AutoML's choice once training has made it.
    recipe_arn: str | None
    tuned_hyperparameters: dict[str, str] | None = None
    # What training made (model, recipe, hyperparameters, metrics): what an UPDATE version builds on.
    trained: Trained | None = None
    training_mode: str = "FULL"
    training_type: str = "MANUAL"
    training_hours: float | None = None
    model: TrainedModel | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    # What the version knows of each user: their items in its training data, oldest first ...
    histories: dict[str, list[str]] = field(default_factory=dict)
    # ... and where, among the records each dataset took one by one, its training data ends, by dataset type.
    marks: dict[str, int] = field(default_factory=dict)

    @property
    def solution_arn(self) -> str:
        return self.solution.arn

    @property
    def dataset_group_arn(self) -> str:
        return self.solution.dataset_group_arn

    @property
    def recipe(self) -> RecipeInfo:
        """The recipe it trained with: the solution's, or AutoML's choice (every ACTIVE version has one)."""
        assert self.recipe_arn is not None, f"{self.arn} has no recipe before AutoML's training picks one"
        return known_recipe(self.recipe_arn)

    def describe(self) -> dict[str, Any]:
        solution = self.solution
        return {
            "name": self.name,
            "solutionVersionArn": self.arn,
            "solutionArn": solution.arn,
            "performHPO": solution.perform_hpo,
            "performAutoML": solution.perform_auto_ml,
            "recipeArn": self.recipe_arn or None,
            "eventType": solution.event_type,
            "datasetGroupArn": solution.dataset_group_arn,
            "solutionConfig": dict(solution.solution_config),  # {} when none was given, like DescribeSolution
            "trainingHours": self.training_hours,
            "tunedHPOParams": (
                {"algorithmHyperParameters": self.tuned_hyperparameters} if self.tuned_hyperparameters is not None else None
            ),
            "trainingMode": self.training_mode,
            "trainingType": self.training_type,
            "status": self.status,
            "failureReason": self.failure_reason,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "solutionVersionArn": self.arn,
            "status": self.status,
            "trainingMode": self.training_mode,
            "trainingType": self.training_type,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


class SolutionsService:
    """The solutions of one account and region, their versions (training), metrics and automatic training."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateSolution", "DescribeSolution", "UpdateSolution", "ListSolutions", "DeleteSolution",
        "CreateSolutionVersion", "StopSolutionVersionCreation", "DescribeSolutionVersion", "ListSolutionVersions",
        "GetSolutionMetrics",
    )

    def __init__(self, core: BackendCore, groups: DatasetGroupsService, datasets: DatasetsService) -> None:
        self.core, self.groups, self.datasets = core, groups, datasets
        self.solutions: Store[Solution] = Store(core, KIND)
        self.versions: Store[SolutionVersion] = Store(core, VERSION_KIND)
        core.depends("dataset-group", "solution", lambda arn: self.solutions.find(lambda s: s.dataset_group_arn == arn))
        # API_DeleteDataset.md: not while a solution version of its group is pending or in progress.
        core.depends("dataset", "training solution version", self._training_on)
        # The clock's answer that no automatic training is due before a moment: (the tables, resources made, changes
        # to schedules, the moment).
        self._quiet: tuple[object, int, int, datetime] | None = None
        core.scheduled.append(self._train_when_due)

    def _training_on(self, dataset_arn: str) -> list[SolutionVersion]:
        """The versions training on the dataset ``dataset_arn``: those of its group still being created."""
        found = self.datasets.datasets.find(lambda d: d.arn == dataset_arn)
        if not found:
            return []
        group_arn = found[0].dataset_group_arn
        return self.versions.find(lambda v: v.dataset_group_arn == group_arn and v.busy)

    # Solutions ---------------------------------------------------------------
    def create_solution(
        self,
        name: str,
        dataset_group_arn: str,
        perform_hpo: bool | None = None,
        perform_auto_ml: bool | None = None,
        perform_auto_training: bool | None = None,
        perform_incremental_update: bool | None = None,
        recipe_arn: str | None = None,
        event_type: str | None = None,
        solution_config: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        self.groups.groups.require_active(dataset_group_arn)
        wrong_choice = RECIPE_CHOICE_ERRORS.get((bool(perform_auto_ml), bool(recipe_arn)))
        if wrong_choice is not None:
            raise InvalidInputException(wrong_choice)
        if recipe_arn:
            self._check_recipe(recipe_arn)
            check_solution_config(recipe_arn, solution_config or {})
        elif set(solution_config or {}) & FIXED_BY_RECIPE:
            raise InvalidInputException(
                f"Values at 'solutionConfig.{'/'.join(sorted(set(solution_config or {}) & FIXED_BY_RECIPE))}' need a recipe: "
                "with performAutoML the recipe is chosen at training."
            )
        check_tuning_config(solution_config or {}, bool(perform_auto_ml), lambda arn: arn in TRAINERS, METRIC_NAMES)
        self._check_objective(dataset_group_arn, recipe_arn, solution_config or {})
        self._check_events_config(recipe_arn, solution_config or {}, "solutionConfig")
        if perform_incremental_update:
            raise InvalidInputException(
                "Value 'true' at 'performIncrementalUpdate': incremental updates are for the semantic-similarity recipe only."
            )
        quotas.SOLUTIONS_PER_GROUP.check(self.solutions.find(lambda s: s.dataset_group_arn == dataset_group_arn))
        config = dict(solution_config or {})
        threshold = config.get("eventValueThreshold")
        if threshold is not None:
            try:
                float(threshold)
            except ValueError:
                raise InvalidInputException(
                    f"Value '{threshold}' at 'solutionConfig.eventValueThreshold' must be a number."
                ) from None
        # The model's default: performAutoTraining is true unless the request says false.
        schedule = schedule_for(perform_auto_training is not False, config, now())
        solution = Solution(
            arn=self.solutions.arn(name),
            name=name,
            dataset_group_arn=dataset_group_arn,
            recipe_arn=recipe_arn,
            event_type=event_type,
            solution_config=config,
            perform_hpo=bool(perform_hpo),
            perform_auto_ml=bool(perform_auto_ml),
            schedule=schedule,
        )
        self.solutions.add(solution, tags)
        self.solutions.start(solution)
        return {"solutionArn": solution.arn}

    @staticmethod
    def _check_recipe(recipe_arn: str) -> None:
        if get_legacy_recipe(recipe_arn) is not None:
            raise InvalidInputException(f"The recipe {recipe_arn} at 'recipeArn' is a legacy recipe and no longer available.")
        recipe = get_recipe(recipe_arn)
        if recipe is None:
            raise ResourceNotFoundException.for_arn(recipe_arn)
        if recipe.domain is not None:
            raise InvalidInputException(
                f"The recipe {recipe_arn} at 'recipeArn' is a {recipe.domain} use case: create a recommender with it."
            )
        if recipe_arn not in TRAINERS:
            raise NotYetSupportedException(f"Training the recipe {recipe_arn} is not supported by personalize-local yet.")

    def _check_objective(self, dataset_group_arn: str, recipe_arn: str | None, config: dict[str, Any]) -> None:
        """optimizing-solution-for-objective.md: a User-Personalization or Personalized-Ranking solution,
        and a numerical, non-null column of the group's Items dataset."""
        objective = Objective.from_config(config)
        if objective is None:
            return
        if recipe_arn not in OBJECTIVE_RECIPES:
            raise InvalidInputException(
                "Value at 'solutionConfig.optimizationObjective' applies only to the User-Personalization and "
                f"Personalized-Ranking recipes, not {recipe_arn or 'AutoML'}."
            )
        items = self.datasets.dataset_of(dataset_group_arn, "ITEMS")
        column = items.schema.parsed.field(objective.attribute) if items else None
        if column is None or not column.is_numeric or column.nullable:
            raise InvalidInputException(
                f"Value '{objective.attribute}' at 'solutionConfig.optimizationObjective.itemAttribute' must name a "
                f"numerical column of the Items dataset of {dataset_group_arn} whose type doesn't include null."
            )

    def describe_solution(self, solution_arn: str) -> dict[str, Any]:
        solution = self.solutions.observe(solution_arn)
        return {"solution": solution.describe()}

    def update_solution(
        self,
        solution_arn: str,
        perform_auto_training: bool | None = None,
        perform_incremental_update: bool | None = None,
        solution_update_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        solution = self.solutions.require_active(solution_arn)
        if solution.latest_update is not None and solution.latest_update.busy:
            raise ResourceInUseException(f"The solution {solution_arn} is already being updated.")
        if perform_incremental_update:
            raise InvalidInputException(
                "Value 'true' at 'performIncrementalUpdate': incremental updates are for the semantic-similarity recipe only."
            )
        given = dict(solution_update_config or {})
        config = {**solution.solution_config, **given}
        self._check_events_config(solution.recipe_arn, given, "solutionUpdateConfig")
        auto = (solution.schedule is not None) if perform_auto_training is None else perform_auto_training
        schedule_for(auto, config, now())  # refuses a bad rate now, before anything changes
        update = SolutionUpdate(arn=solution.arn, name=solution.name, update_config=given, perform_auto_training=auto)
        solution.latest_update = update

        def apply() -> None:
            # updating-solution.md: the first automatic training comes within the hour after the update completes.
            solution.solution_config = config
            solution.schedule = schedule_for(auto, config, now())
            solution.last_updated_date_time = now()

        # The update walks a solution's create statuses; it is no resource of the store: it is the solution's.
        self.core.start(KIND, update, apply=apply)
        return {"solutionArn": solution.arn}

    @staticmethod
    def _check_events_config(recipe_arn: str | None, config: dict[str, Any], parent: str) -> None:
        """optimizing-solution-events-config.md: only the v2 item recommendation recipes take an eventsConfig."""
        if config.get("eventsConfig") and recipe_arn not in EVENTS_CONFIG_RECIPES:
            raise InvalidInputException(
                f"Value at '{parent}.eventsConfig' applies only to the User-Personalization-v2 and "
                f"Personalized-Ranking-v2 recipes, not {recipe_arn or 'AutoML'}."
            )

    def list_solutions(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.solutions.list_page("solutions", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def delete_solution(self, solution_arn: str) -> None:
        solution = self.solutions.require_settled(solution_arn)
        versions = self.versions.find(lambda v: v.solution is solution)
        refuse_if_used(solution_arn, [v for v in versions if v.busy], "training solution version")
        version_arns = {v.arn for v in versions}
        # Campaigns deploying one of its versions (their family says which: BackendCore.depends).
        self.core.refuse_delete_if_used(KIND, solution_arn)

        def remove() -> None:
            for arn in version_arns:
                self.versions.remove(arn)
            self.solutions.remove(solution_arn)

        self.solutions.start_delete(solution, remove)

    # Solution versions -------------------------------------------------------
    def create_solution_version(
        self,
        solution_arn: str,
        name: str | None = None,
        training_mode: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        solution = self.solutions.require_active(solution_arn)
        mode = training_mode or "FULL"
        arn = self._new_version(solution, name, mode, tags, "MANUAL")
        if solution.schedule is not None:
            solution.schedule.trained_by_hand(now())
        return {"solutionVersionArn": arn}

    def _new_version(
        self, solution: Solution, name: str | None, mode: str, tags: list[dict[str, str]] | None, training_type: str
    ) -> str:
        """Start training a version of ``solution``, by hand or automatically; its ARN."""
        solution_arn = solution.arn
        if mode == "UPDATE":
            if solution.recipe_arn not in UPDATABLE_RECIPES:
                raise InvalidInputException(f"trainingMode UPDATE is not available for the recipe {solution.recipe_arn}.")
            if not self.versions.find(lambda v: v.solution is solution and v.status == "ACTIVE" and v.training_mode == "FULL"):
                raise InvalidInputException(f"trainingMode UPDATE needs an ACTIVE solution version of {solution_arn} trained in FULL mode.")
        if name is not None and self.versions.find(lambda v: v.solution is solution and v.name == name):
            raise ResourceAlreadyExistsException(f"The solution {solution_arn} already has a version named {name}.")
        if self.versions.find(lambda v: v.solution is solution and v.busy):
            raise ResourceInUseException(f"The solution {solution_arn} already has a solution version in training.")
        quotas.TRAINING_SOLUTION_VERSIONS.check(self.versions.find(lambda v: v.busy))
        # The snapshot first: a request that cannot train leaves nothing behind.
        data = self._training_data(solution)
        # UPDATE builds on the latest ACTIVE version: its model takes the data now, without a retraining.
        builds_on = newest_first(self.versions.find(lambda v: v.solution is solution and v.status == "ACTIVE"))[0] if mode == "UPDATE" else None
        group_arn = solution.dataset_group_arn
        version = SolutionVersion(
            arn=f"{solution.arn}/{short_id()}",
            name=name or solution.name,
            solution=solution,
            recipe_arn=solution.recipe_arn,
            training_mode=mode,
            training_type=training_type,
            marks={d.dataset_type: d.table.recorded_count for d in self.datasets.datasets.find(lambda d: d.dataset_group_arn == group_arn)},
        )
        self.versions.add(version, tags)
        solution.latest_version = version
        self.versions.start(version, lambda: self._train(version, data, builds_on))
        return version.arn

    def stop_solution_version_creation(self, solution_version_arn: str) -> None:
        version = self.versions.get(solution_version_arn)
        status = version.status
        if status not in CREATE:
            raise ResourceInUseException(
                f"The solution version {solution_version_arn} is {status}: only one in CREATE PENDING or CREATE IN_PROGRESS can be stopped."
            )
        version.started.stop()

    def start_due_auto_training(self, solution_arn: str | None = None, force: bool = False) -> list[str]:
        """Start the automatic trainings that are due (or, forced, all of them); the versions started."""
        started: list[str] = []
        scheduled = self.solutions.find(lambda s: s.schedule is not None and solution_arn in (None, s.arn))
        if not scheduled:
            return started
        moment = now()
        for solution in scheduled:
            schedule = solution.schedule
            if schedule is None or not (force or schedule.due(moment)) or solution.status != "ACTIVE":
                continue
            if self.versions.find(lambda v: v.solution is solution and v.busy):
                continue  # still training: look again at the next read
            schedule.trained(moment)
            try:
                started.append(self._new_version(solution, None, "FULL", None, "AUTOMATIC"))
            except ServiceError as refused:  # no data to train on, or the quota is full: wait for the next turn
                log.info("automatic training of %s skipped: %s", solution.arn, refused)
        return started

    def _train_when_due(self) -> None:
        """At every call's clock: the automatic trainings that are due start. The schedules are read only once the
        earliest could be due, or after a solution was made (a create, a restore), given a new schedule (an update)
        or a schedule changed; a schedule due but passed over (its solution busy) keeps them read at each call."""
        core, quiet = self.core, self._quiet
        if (
            quiet is not None and quiet[0] is core.resources and quiet[1] == core.made and quiet[2] == Schedule.changes
            and now() < quiet[3]
        ):
            return
        self._quiet = None
        self.start_due_auto_training()
        moments = [schedule.next_due for s in self.solutions.find() if (schedule := s.schedule) is not None]
        self._quiet = (core.resources, core.made, Schedule.changes, min(moments, default=NEVER))

    def _training_data(self, solution: Solution) -> TrainingData:
        """The snapshot a version trains on, taken when training is asked for."""
        group_arn = solution.dataset_group_arn
        interactions = self.datasets.dataset_of(group_arn, "INTERACTIONS")
        if interactions is None:
            raise InvalidInputException(f"The dataset group {group_arn} has no Interactions dataset to train on.")
        items, users = (self.datasets.dataset_of(group_arn, kind) for kind in ("ITEMS", "USERS"))
        extras: dict[str, pd.DataFrame | None] = {}
        for extra in EXTRA_DATASETS.get(solution.recipe_arn, ()):
            dataset = self.datasets.dataset_of(group_arn, extra.dataset_type)
            if dataset is None and extra.required:
                raise InvalidInputException(
                    f"The dataset group {group_arn} has no {dataset_label(extra.dataset_type)} dataset: "
                    f"the recipe {solution.recipe_arn} trains on it."
                )
            extras[extra.keyword] = dataset.table.frame(dataset.events.session_users()) if dataset else None
        trained_on = solution.training_filter.apply(interactions.table.frame(interactions.events.session_users()))
        # Which columns hold context (contextual-metadata.md): the schema's categorical strings.
        trained_on.attrs[CONTEXT_COLUMNS] = [
            f.name for f in metadata_fields(interactions.schema.parsed, "INTERACTIONS") if f.categorical and not f.is_numeric
        ]
        return TrainingData(
            trained_on,
            self._metadata(solution, items),
            self._metadata(solution, users),
            extras,
        )

    @staticmethod
    def _metadata(solution: Solution, dataset: Any) -> pd.DataFrame | None:
        """An Items or Users frame as the solution trains on it: without the fields schema
        replacements added after the solution was created (updating-dataset-schema.md)."""
        if dataset is None:
            return None
        newer = [name for name, added in dataset.columns_added.items() if added > solution.creation_date_time]
        frame = dataset.table.frame().drop(columns=newer)
        # How the schema reads each field (categorical, textual...), for the recipes; on this snapshot only.
        frame.attrs[FIELD_KINDS] = schema_field_kinds(dataset.schema.parsed.fields)
        return frame

    def _train(self, version: SolutionVersion, data: TrainingData, builds_on: SolutionVersion | None = None) -> Apply:
        solution = version.solution
        started = time.perf_counter()
        try:
            # In a worker process when the data is big (training_processes.py): serving goes on at full speed.
            update = builds_on.trained if builds_on else None
            if chooses(solution.perform_auto_ml, solution.perform_hpo, update):
                trained, known = training_processes.run(
                    len(data.interactions), _fit, solution.recipe_arn, solution.solution_config, solution.perform_auto_ml,
                    solution.perform_hpo, solution.event_type, data, update,
                )
            else:  # the evaluation and the final fit are independent: in two processes at once
                assert solution.recipe_arn is not None, "a solution without AutoML names its recipe"
                part_args = (solution.recipe_arn, solution.solution_config, solution.event_type, data)
                metrics, (model, known) = training_processes.run_side_by_side(
                    len(data.interactions), (_evaluated, part_args, {}), (_fitted, part_args, {})
                )
                trained = as_configured(solution.recipe_arn, solution.solution_config, metrics, model)
        except TrainingError as error:
            raise JobFailed(str(error)) from None
        hours = round((time.perf_counter() - started) / 3600, 6)
        choice = trained.choice

        def apply() -> None:
            version.model, version.metrics, version.histories, version.training_hours = trained.model, choice.metrics, known, hours
            version.trained = trained
            version.recipe_arn = choice.recipe_arn
            version.tuned_hyperparameters = dict(choice.hyperparameters) if trained.tuned else None
            if solution.perform_auto_ml:
                solution.best_recipe_arn = choice.recipe_arn

        return apply

    def describe_solution_version(self, solution_version_arn: str) -> dict[str, Any]:
        return {"solutionVersion": self.versions.observe(solution_version_arn).describe()}

    def list_solution_versions(
        self, solution_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        if solution_arn is not None:
            self.solutions.get(solution_arn)
        return self.versions.list_page("solutionVersions", next_token, max_results, solution_arn=solution_arn)

    def get_solution_metrics(self, solution_version_arn: str) -> dict[str, Any]:
        version = self.versions.require_active(solution_version_arn)
        return {"solutionVersionArn": version.arn, "metrics": dict(version.metrics)}


def _fit(
    recipe_arn: str | None,
    config: dict[str, Any],
    perform_auto_ml: bool,
    perform_hpo: bool,
    event_type: str | None,
    data: TrainingData,
    update: Trained | None,
) -> tuple[Trained, dict[str, list[str]]]:
    """The pure part of a version's training, which needs no backend state (so it may run in a worker process):
    the data checks, the training, and what it knows of each user, oldest first."""
    interactions = data.interactions
    _check(recipe_arn, event_type, data)
    trained = train_version(
        recipe_arn, config, perform_auto_ml, perform_hpo, interactions, data.items, data.users, data.extras, evaluate, update
    )
    return trained, sequences(chronological(interactions))


def _check(recipe_arn: str | None, event_type: str | None, data: TrainingData) -> None:
    """The data checks a training makes before it fits (TrainingError)."""
    check_minimum_data(data.interactions, event_type)
    check_extra_data(recipe_arn, **data.extras)


def _evaluated(recipe_arn: str, config: dict[str, Any], event_type: str | None, data: TrainingData) -> dict[str, float]:
    """The evaluation of a training that chooses nothing (its metrics), after the data checks: one of the two
    independent parts, which may run beside :func:`_fitted`."""
    _check(recipe_arn, event_type, data)
    return evaluate(configured_inputs(recipe_arn, config, data.interactions, data.items, data.users, data.extras))


def _fitted(
    recipe_arn: str, config: dict[str, Any], event_type: str | None, data: TrainingData
) -> tuple[TrainedModel, dict[str, list[str]]]:
    """The final fit of a training that chooses nothing, after the data checks, and what it knows of each user,
    oldest first."""
    _check(recipe_arn, event_type, data)
    model = fit_recipe(configured_inputs(recipe_arn, config, data.interactions, data.items, data.users, data.extras))
    return model, sequences(chronological(data.interactions))
