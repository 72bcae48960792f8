"""HPO and AutoML: real searches on the service's evaluation split, their choices shown as the service shows them."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import Clients
from .datagen import interactions
from .helpers import fails, loaded_group
from .workflow import POPULARITY, USER_PERSONALIZATION, deploy, recommended, train

OBJECTIVE = "precision_at_25"
AUTOML_METRIC = "normalized_discounted_cumulative_gain_at_10"


def metrics_of(c: Clients, version: dict[str, Any]) -> dict[str, float]:
    assert version["status"] == "ACTIVE", version.get("failureReason")
    return c.personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]


def test_hpo_tries_every_combination_and_keeps_the_best(aws: Clients) -> None:
    group = loaded_group(aws)
    ranges = {
        "integerHyperParameterRanges": [{"name": "bptt", "minValue": 2, "maxValue": 3}],
        "categoricalHyperParameterRanges": [{"name": "recency_mask", "values": ["true", "false"]}],
        "continuousHyperParameterRanges": [],
    }
    config = {
        "algorithmHyperParameters": {"hidden_dimension": "32"},
        "hpoConfig": {"algorithmHyperParameterRanges": ranges, "hpoResourceConfig": {"maxNumberOfTrainingJobs": "4"}},
    }
    tuned = train(aws, group.dataset_group_arn, name="tuned", recipe=USER_PERSONALIZATION, performHPO=True, solutionConfig=config)
    chosen = tuned["tunedHPOParams"]["algorithmHyperParameters"]
    assert chosen["hidden_dimension"] == "32"  # what was fixed stays fixed
    assert (chosen["bptt"], chosen["recency_mask"]) in {(b, r) for b in ("2", "3") for r in ("true", "false")}

    # Each of the four combinations, trained on its own: the choice scores best of them.
    scores = {}
    for bptt in ("2", "3"):
        for mask in ("true", "false"):
            fixed = {"algorithmHyperParameters": {"hidden_dimension": "32", "bptt": bptt, "recency_mask": mask}}
            version = train(aws, group.dataset_group_arn, name=f"fixed-{bptt}-{mask}", recipe=USER_PERSONALIZATION, solutionConfig=fixed)
            scores[(bptt, mask)] = metrics_of(aws, version)[OBJECTIVE]
    assert metrics_of(aws, tuned)[OBJECTIVE] == max(scores.values())
    assert scores[(chosen["bptt"], chosen["recency_mask"])] == max(scores.values())
    assert "tunedHPOParams" not in aws.personalize.describe_solution_version(
        solutionVersionArn=aws.personalize.list_solution_versions()["solutionVersions"][0]["solutionVersionArn"]
    )["solutionVersion"]


def test_hpo_without_ranges_tunes_the_recipes_tunable_hyperparameters(aws: Clients) -> None:
    group = loaded_group(aws)
    config = {"hpoConfig": {"hpoResourceConfig": {"maxNumberOfTrainingJobs": "2"}}}
    version = train(aws, group.dataset_group_arn, name="tuned", recipe=USER_PERSONALIZATION, performHPO=True, solutionConfig=config)
    assert set(version["tunedHPOParams"]["algorithmHyperParameters"]) == {"hidden_dimension", "bptt", "recency_mask"}


@pytest.mark.parametrize("member, value", [("maxNumberOfTrainingJobs", "41"), ("maxNumberOfTrainingJobs", "0"), ("maxParallelTrainingJobs", "11"), ("maxParallelTrainingJobs", "two")])
def test_hpo_resource_limits(aws: Clients, member: str, value: str) -> None:
    group = loaded_group(aws)
    config = {"hpoConfig": {"hpoResourceConfig": {member: value}}}
    message = fails(
        "InvalidInputException", aws.personalize.create_solution,
        name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION, performHPO=True, solutionConfig=config,
    )
    assert f"solutionConfig.hpoConfig.hpoResourceConfig.{member}" in message and value in message


def test_automl_picks_the_recipe_that_scores_best(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws, rows=interactions())  # two tastes: popularity alone can't tell users apart
    config = {"autoMLConfig": {"metricName": AUTOML_METRIC, "recipeList": [POPULARITY, USER_PERSONALIZATION]}}
    solution_arn = p.create_solution(name="auto", datasetGroupArn=group.dataset_group_arn, performAutoML=True, solutionConfig=config)["solutionArn"]
    solution = p.describe_solution(solutionArn=solution_arn)["solution"]
    assert solution["performAutoML"] is True and "recipeArn" not in solution and "autoMLResult" not in solution

    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    version = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    scores = {recipe: metrics_of(aws, train(aws, group.dataset_group_arn, name=recipe.rsplit("/", 1)[1], recipe=recipe))[AUTOML_METRIC] for recipe in (POPULARITY, USER_PERSONALIZATION)}
    best = max(scores, key=scores.__getitem__)
    assert scores[USER_PERSONALIZATION] != scores[POPULARITY]  # the data tells them apart
    assert version["recipeArn"] == best
    assert p.describe_solution(solutionArn=solution_arn)["solution"]["autoMLResult"] == {"bestRecipeArn": best}
    assert metrics_of(aws, version)[AUTOML_METRIC] == scores[best]
    # A campaign serves the version with the recipe AutoML chose (the solution itself names none).
    assert len(recommended(aws, deploy(aws, version_arn), "user-0")) == 10


@pytest.mark.parametrize(
    "config, member",
    [
        ({"autoMLConfig": {"metricName": "accuracy"}}, "solutionConfig.autoMLConfig.metricName"),
        ({"autoMLConfig": {"recipeList": ["arn:aws:personalize:::recipe/aws-sims"]}}, "solutionConfig.autoMLConfig.recipeList.1.member"),
        ({"algorithmHyperParameters": {"bptt": "8"}}, "solutionConfig.algorithmHyperParameters"),
    ],
)
def test_automl_errors(aws: Clients, config: dict[str, Any], member: str) -> None:
    group = loaded_group(aws)
    message = fails(
        "InvalidInputException", aws.personalize.create_solution,
        name="s", datasetGroupArn=group.dataset_group_arn, performAutoML=True, solutionConfig=config,
    )
    assert member in message
    assert aws.personalize.list_solutions()["solutions"] == []
