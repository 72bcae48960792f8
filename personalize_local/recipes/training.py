"""How a solution version trains: AutoML and HPO choose by the service's own evaluation, then one fit.

HPO (customizing-solution-config-hpo.md, API_HPOConfig.md): up to
``hpoResourceConfig.maxNumberOfTrainingJobs`` combinations of the ``hpoConfig`` ranges are
tried on the evaluation split (every combination when there are no more than that, else a
seeded sample, so the same request tunes the same way) and the best by the objective wins.
The service does not let the objective be configured (API_HPOObjective.md), so it is
always precision_at_25, maximized.

AutoML (API_AutoMLConfig.md, API_Solution.md): every USER_PERSONALIZATION recipe of
``autoMLConfig.recipeList`` (all that train here when the list is left out) is evaluated
with its defaults, and the best on ``autoMLConfig.metricName`` is the solution's recipe.

The evaluation fits recipes, so it lives above them (eval/): the caller gives it, and the
metrics it reports, rather than the recipes importing it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import progress
from ..errors import InvalidInputException
from . import TRAINERS, TrainingInputs, configured_hyperparameters, fit_recipe, update_recipe
from .base import TrainedModel
from .catalog import get_recipe
from .objective import Objective, ObjectiveModel, weighing
from .hyperparameters import VALUE_TYPES, Choices, HyperParameter, Interval, recipe_hyperparameters

OBJECTIVE = "precision_at_25"
DEFAULT_TRAINING_JOBS = 4
# API_HPOResourceConfig.md: at most 40 training jobs, 10 of them in parallel.
RESOURCE_LIMITS = {"maxNumberOfTrainingJobs": 40, "maxParallelTrainingJobs": 10}
AUTOML_CATEGORY = "USER_PERSONALIZATION"

# (recipe ARN, hyperparameters) -> the evaluation's metrics.
Evaluate = Callable[[str, Mapping[str, str]], dict[str, float]]


# The service's evaluation of a recipe on the data: its metrics by name (eval.evaluate).
Evaluator = Callable[[TrainingInputs], dict[str, float]]


@dataclass(frozen=True)
class Choice:
    """What a search settled on: recipe, hyperparameters and the metrics they scored."""

    recipe_arn: str
    hyperparameters: dict[str, str]
    metrics: dict[str, float]


def check_tuning_config(
    config: Mapping[str, Any], perform_auto_ml: bool, trainable: Callable[[str], bool], metric_names: Collection[str]
) -> None:
    """Refuse resource limits, AutoML candidates and AutoML metrics (of ``metric_names``) the service would refuse,
    naming the member."""
    resources = (config.get("hpoConfig") or {}).get("hpoResourceConfig") or {}
    for name, limit in RESOURCE_LIMITS.items():
        text = resources.get(name)
        if text is not None and not (text.isdigit() and 1 <= int(text) <= limit):
            raise InvalidInputException(
                f"Value '{text}' at 'solutionConfig.hpoConfig.hpoResourceConfig.{name}' must be a whole number from 1 to {limit}."
            )
    if not perform_auto_ml:
        return
    automl = config.get("autoMLConfig") or {}
    metric = automl.get("metricName", OBJECTIVE)
    if metric not in metric_names:
        raise InvalidInputException(
            f"Value '{metric}' at 'solutionConfig.autoMLConfig.metricName' is not a metric: use one of {', '.join(metric_names)}."
        )
    for i, arn in enumerate(automl.get("recipeList") or [], start=1):
        recipe = get_recipe(arn)
        if recipe is None or recipe.recipe_type != AUTOML_CATEGORY or recipe.domain or not trainable(arn):
            raise InvalidInputException(
                f"Value '{arn}' at 'solutionConfig.autoMLConfig.recipeList.{i}.member' is not a "
                f"{AUTOML_CATEGORY} recipe AutoML can choose."
            )


def automl_candidates(config: Mapping[str, Any], trainable: Sequence[str]) -> list[str]:
    listed = (config.get("autoMLConfig") or {}).get("recipeList")
    if listed:
        return list(dict.fromkeys(listed))
    return [arn for arn in trainable if (r := get_recipe(arn)) and r.recipe_type == AUTOML_CATEGORY and not r.domain]


def choose_recipe(candidates: Sequence[str], metric: str, evaluate: Evaluate) -> Choice:
    """AutoML: each candidate with its defaults; the first best on ``metric`` wins."""
    scored = [Choice(arn, {}, evaluate(arn, {})) for arn in candidates]
    return max(scored, key=lambda choice: choice.metrics[metric])


def tune(recipe_arn: str, given: Mapping[str, str], hpo_config: Mapping[str, Any], evaluate: Evaluate, seed: int = 0) -> Choice:
    """HPO: the best of the tried combinations by precision_at_25, with the fixed hyperparameters kept."""
    jobs = int((hpo_config.get("hpoResourceConfig") or {}).get("maxNumberOfTrainingJobs", DEFAULT_TRAINING_JOBS))
    axes = _axes(recipe_arn, hpo_config.get("algorithmHyperParameterRanges") or {})
    tried = []
    for combination in _combinations(axes, jobs, seed):
        hyperparameters = {**given, **combination}
        tried.append(Choice(recipe_arn, hyperparameters, evaluate(recipe_arn, hyperparameters)))
    if not tried:  # no ranges: nothing to tune
        return Choice(recipe_arn, dict(given), evaluate(recipe_arn, given))
    return max(tried, key=lambda choice: choice.metrics[OBJECTIVE])


@dataclass(frozen=True)
class _Axis:
    """One tuned hyperparameter: its values when they can be listed, or how to draw one."""

    name: str
    values: tuple[str, ...] | None
    draw: Callable[[np.random.Generator], str]


def _axes(recipe_arn: str, ranges: Mapping[str, Any]) -> list[_Axis]:
    """The tuned hyperparameters: those the ranges name, or every tunable one over its whole range."""
    table = {hp.name: hp for hp in recipe_hyperparameters(recipe_arn)}
    if not any(ranges.values()):
        ranges = _whole_ranges(hp for hp in table.values() if hp.tunable)
    axes = []
    for entry in ranges.get("categoricalHyperParameterRanges") or []:
        values = tuple(dict.fromkeys(entry.get("values") or []))
        axes.append(_Axis(entry["name"], values, _one_of(values)))
    for entry in ranges.get("integerHyperParameterRanges") or []:
        low, high = _ends(table[entry["name"]], entry)
        values = tuple(str(v) for v in range(int(low), int(high) + 1))
        axes.append(_Axis(entry["name"], values, _one_of(values)))
    for entry in ranges.get("continuousHyperParameterRanges") or []:
        low, high = _ends(table[entry["name"]], entry)
        axes.append(_Axis(entry["name"], None, _between(low, high)))
    return axes


def _one_of(values: tuple[str, ...]) -> Callable[[np.random.Generator], str]:
    return lambda rng: str(rng.choice(values))


def _between(low: float, high: float) -> Callable[[np.random.Generator], str]:
    return lambda rng: repr(float(rng.uniform(low, high)))


def _whole_ranges(tunable: Iterable[HyperParameter]) -> dict[str, list[dict[str, Any]]]:
    """hpoConfig ranges spanning each hyperparameter's own range."""
    ranges: dict[str, list[dict[str, Any]]] = {}
    for hp in tunable:
        entry: dict[str, Any] = {"name": hp.name}
        if isinstance(hp.range, Choices):
            entry["values"] = [str(v).lower() if isinstance(v, bool) else str(v) for v in hp.range.values]
        else:
            entry["minValue"], entry["maxValue"] = hp.range.low, hp.range.high
        ranges.setdefault(VALUE_TYPES[hp.type].hpo_list, []).append(entry)
    return ranges


def _ends(hp: HyperParameter, entry: Mapping[str, Any]) -> tuple[float, float]:
    """A range's ends, the hyperparameter's own where the entry leaves one out."""
    own = hp.range if isinstance(hp.range, Interval) else Interval(0, 0)
    low, high = entry.get("minValue"), entry.get("maxValue")
    return (own.low if low is None else low), (own.high if high is None else high)


def _combinations(axes: Sequence[_Axis], jobs: int, seed: int) -> Iterator[dict[str, str]]:
    """Every combination when there are at most ``jobs``; else ``jobs`` distinct seeded draws."""
    if not axes:
        return
    listed = [axis.values for axis in axes if axis.values is not None]
    if len(listed) == len(axes) and int(np.prod([len(values) for values in listed])) <= jobs:
        for values in itertools.product(*listed):
            yield dict(zip((axis.name for axis in axes), values))
        return
    rng = np.random.default_rng(seed)
    seen: set[tuple[str, ...]] = set()
    for _ in range(jobs * 10):  # draws may repeat on small spaces; give up after enough tries
        values = tuple(axis.draw(rng) for axis in axes)
        if values not in seen:
            seen.add(values)
            yield dict(zip((axis.name for axis in axes), values))
            if len(seen) == jobs:
                return


@dataclass(frozen=True)
class Trained:
    """A trained version: its model, the recipe and hyperparameters it used, its metrics."""

    model: TrainedModel
    choice: Choice
    tuned: bool


def train_version(
    recipe_arn: str | None,
    config: Mapping[str, Any],
    perform_auto_ml: bool,
    perform_hpo: bool,
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    extras: Mapping[str, pd.DataFrame | None],
    evaluate: Evaluator,
    update: Trained | None = None,
) -> Trained:
    """Choose the recipe (AutoML) and hyperparameters (HPO) where asked by what ``evaluate`` scores, then fit on everything.

    ``extras`` are the recipe's extra datasets (EXTRA_DATASETS), by fit() keyword. With ``update``
    (trainingMode UPDATE: the version it builds on), the new data is folded into that version's model
    instead, which keeps its recipe, hyperparameters and metrics. A training that chooses nothing is
    the evaluation and the fit of :func:`configured_inputs`, which may also run side by side."""
    objective = Objective.from_config(config)
    if update is not None:
        previous = update.choice
        base = update.model.model if isinstance(update.model, ObjectiveModel) else update.model
        model = update_recipe(TrainingInputs(previous.recipe_arn, interactions, items, users, previous.hyperparameters), base)
        return Trained(weighing(model, objective, items), previous, update.tuned)

    steps = _planned_evaluations(config, perform_auto_ml, perform_hpo) + 1  # and the final fit
    evaluations = itertools.count()

    def inputs(arn: str, hyperparameters: Mapping[str, str]) -> TrainingInputs:
        return _inputs(arn, config, hyperparameters, interactions, items, users, extras)

    def evaluated(arn: str, hyperparameters: Mapping[str, str]) -> dict[str, float]:
        with progress.part(next(evaluations), steps):
            return evaluate(inputs(arn, hyperparameters))

    given = configured_hyperparameters(config)
    if perform_auto_ml:
        metric = (config.get("autoMLConfig") or {}).get("metricName", OBJECTIVE)
        recipe_arn = choose_recipe(automl_candidates(config, list(TRAINERS)), metric, evaluated).recipe_arn
    assert recipe_arn is not None, "a solution without AutoML names its recipe"
    if perform_hpo:
        choice = tune(recipe_arn, given, config.get("hpoConfig") or {}, evaluated)
    else:
        choice = Choice(recipe_arn, given, evaluated(recipe_arn, given))
    with progress.part(steps - 1, steps):
        model = fit_recipe(inputs(recipe_arn, choice.hyperparameters))
    return Trained(model, choice, perform_hpo)


def chooses(perform_auto_ml: bool, perform_hpo: bool, update: Trained | None) -> bool:
    """Whether the training's final fit depends on its evaluations (AutoML, HPO choose by them) or on another
    version (an update). If not, the evaluation and the final fit are independent."""
    return perform_auto_ml or perform_hpo or update is not None


def configured_inputs(
    recipe_arn: str,
    config: Mapping[str, Any],
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    extras: Mapping[str, pd.DataFrame | None],
) -> TrainingInputs:
    """What a training that chooses nothing evaluates and fits: its recipe with the configured hyperparameters."""
    return _inputs(recipe_arn, config, configured_hyperparameters(config), interactions, items, users, extras)


def as_configured(recipe_arn: str, config: Mapping[str, Any], metrics: dict[str, float], model: TrainedModel) -> Trained:
    """The version :func:`train_version` makes of the two parts of a training that chooses nothing."""
    return Trained(model, Choice(recipe_arn, configured_hyperparameters(config), metrics), False)


def _inputs(
    arn: str,
    config: Mapping[str, Any],
    hyperparameters: Mapping[str, str],
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    extras: Mapping[str, pd.DataFrame | None],
) -> TrainingInputs:
    objective = Objective.from_config(config)
    return TrainingInputs(arn, interactions, items, users, hyperparameters, objective=objective, datasets=extras)


def _planned_evaluations(config: Mapping[str, Any], perform_auto_ml: bool, perform_hpo: bool) -> int:
    """How many evaluations a training plans (HPO may try fewer, on small spaces): for progress only."""
    candidates = len(automl_candidates(config, list(TRAINERS))) if perform_auto_ml else 0
    resources = (config.get("hpoConfig") or {}).get("hpoResourceConfig") or {}
    return candidates + (int(resources.get("maxNumberOfTrainingJobs", DEFAULT_TRAINING_JOBS)) if perform_hpo else 1)
