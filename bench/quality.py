"""Recommendation quality on MovieLens 100K (ratings > 3) under the protocol of issue 19.

Three user splits, seeds 1, 2 and 3 (quality_protocol.Split.by_users: users shuffled by the seed,
the first 10% held out as test users, each test user's newest max(1, round(10%)) interactions by
TIMESTAMP held out). For each, the service is given the rest through boto3 (S3, import job), trains
a solution version and deploys a campaign; each test user asks it for 25 items, and the metrics
(quality_protocol.measure) are computed here against the user's held-out items and averaged over
the splits. Rows:

- aws-user-personalization, aws-user-personalization-v2 and aws-popularity-count (the reference),
  asked by the user (GetRecommendations with userId, 25 items); the first table shows them beside
  the goals (GOALS);
- a bare LightFM WARP fit of the same splits (the user-item matrix, the recipe's components
  and epochs, the user's own items left out), and each view of aws-user-personalization alone,
  computed directly;
- the related-item recipes, asked about the user's last input item (quality_related.py);
- aws-personalized-ranking reordering candidates and ranking the catalog (quality_ranking.py).

A line per target says PASS or FAIL (CHECKS), and the run exits with an error if one fails:
aws-user-personalization's GOALS, the v2 recipe at least as good on each, aws-sims above popularity
on every metric, the ranking's NDCG@10 at least twice a random order's, and each version's
GetSolutionMetrics within 0.01 of the metrics computed here on the split the emulator used (see
quality_protocol.through_api).

A section is a function (interactions, splits) -> rows; SECTIONS lists them.

    .venv/bin/python bench/quality.py [path/to/ml-100k]
    .venv/bin/python bench/quality.py --seeds 1-3,11-15,21-25 [path/to/ml-100k]

The second form checks a difference on more splits than the goals' three: the direct rows of
views_alone (each view of aws-user-personalization and the blend, fitted directly) on the seeds given,
no goals.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from quality_protocol import METRICS, TOP, Asked, Row, Section, Split, measure, through_api  # first: puts the repository on the path
from bench_training import DEFAULT_DATA, load  # noqa: I001
from quality_ranking import RANDOM_ROW, REORDERED_ROW, personalized_ranking
from quality_related import SIMS_ROW, related_items

from personalize_local.recipes.user_personalization import BLEND, UserPersonalization

SEEDS = (1, 2, 3)
AGREEMENT = 0.01
# Issue 19's goals for the user-personalization recipes, on the mean of the seeds.
GOALS = {
    "precision_at_5": 0.09,
    "normalized_discounted_cumulative_gain_at_10": 0.28,
    "mean_reciprocal_rank_at_25": 0.24,
    "coverage": 0.25,
}
GOAL_LABELS = {"precision_at_5": "P@5", "normalized_discounted_cumulative_gain_at_10": "NDCG@10", "mean_reciprocal_rank_at_25": "MRR@25", "coverage": "coverage"}
RANKING_GAIN = 2.0  # aws-personalized-ranking's NDCG@10 over a random order of the same candidates
NDCG_10 = "normalized_discounted_cumulative_gain_at_10"
SHOWN = ("precision_at_5", "precision_at_25", NDCG_10, "mean_reciprocal_rank_at_25", "coverage")
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"
USER_PERSONALIZATION_V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
POPULARITY = "arn:aws:personalize:::recipe/aws-popularity-count"
USER_PERSONALIZATION_ROW = "aws-user-personalization"
USER_PERSONALIZATION_EXPLORING_ROW = "aws-user-personalization, default exploration 0.3"
USER_PERSONALIZATION_V2_ROW = "aws-user-personalization-v2 (explores as the service sets it)"
POPULARITY_ROW = "aws-popularity-count"
# The rows the goals table shows: the recipes held to GOALS, and popularity for reference.
GOAL_ROWS = (USER_PERSONALIZATION_ROW, USER_PERSONALIZATION_EXPLORING_ROW, USER_PERSONALIZATION_V2_ROW, POPULARITY_ROW)


# The offline metrics see no exploration, so the measured campaign explores nothing; the campaign
# as deployed by default (explorationWeight 0.3) is shown beside it. A v2 campaign takes no
# itemExplorationConfig (it explores as the service sets it, 0.3 here): it is compared with v1's
# default campaign.
NO_EXPLORATION = {"itemExplorationConfig": {"explorationWeight": "0"}}


def user_personalization(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    campaigns = [Asked(USER_PERSONALIZATION_ROW, campaign_config=NO_EXPLORATION), Asked(USER_PERSONALIZATION_EXPLORING_ROW)]
    return [row for split in splits for row in through_api(USER_PERSONALIZATION, split, campaigns)]


def user_personalization_v2(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    """Without the agreement check: GetSolutionMetrics measures the model, which explores nothing, and a v2
    campaign cannot be told not to explore (v1's campaign without exploration carries the check for the model)."""
    campaigns = [Asked(USER_PERSONALIZATION_V2_ROW)]
    rows = [row for split in splits for row in through_api(USER_PERSONALIZATION_V2, split, campaigns)]
    return [Row(row.name, row.seed, row.metrics) for row in rows]


def popularity(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    return [row for split in splits for row in through_api(POPULARITY, split, [Asked(POPULARITY_ROW)])]


def bare_lightfm(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    settings = UserPersonalization().factor_settings
    rows = []
    for split in splits:
        users = pd.Categorical(split.data["USER_ID"])
        items = pd.Categorical(split.data["ITEM_ID"])
        matrix = sp.csr_matrix((np.ones(len(split.data), np.float32), (users.codes, items.codes)))
        model = LightFM(no_components=settings.no_components, loss="warp", random_state=settings.random_state)
        model.fit(matrix.tocoo(), epochs=settings.epochs, num_threads=settings.num_threads)
        scores = model.user_embeddings @ model.item_embeddings.T + model.item_biases
        recommended = {}
        for user in split.inputs:
            row = users.categories.get_loc(user)
            own = scores[row].copy()
            own[matrix[row].indices] = -np.inf  # already seen
            recommended[user] = list(items.categories[np.argsort(-own, kind="stable")[:TOP]])
        rows.append(Row("bare LightFM WARP (direct)", split.seed, measure(recommended, split.holdout, split.catalog_size)))
    return rows


def views_alone(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    """Each view of aws-user-personalization alone and the blend, computed directly (no exploration)."""
    models = {
        "item-to-item view alone (direct)": {"linear": 1.0},
        "sequence view alone (direct)": {"sequence": 1.0},
        "same-moment view alone (direct)": {"together": 1.0},
        "factor view alone (direct)": {"factors": 1.0},
        "the blend (direct)": BLEND,
    }
    rows = []
    for split in splits:
        model = UserPersonalization().fit(split.data)
        for name, weights in models.items():
            model.view_weights = weights  # the views themselves do not depend on the weights: one fit serves all
            recommended = {user: [item for item, _ in model.recommend(user, history, TOP)] for user, history in split.inputs.items()}
            rows.append(Row(name, split.seed, measure(recommended, split.holdout, split.catalog_size)))
    return rows


SECTIONS: list[Section] = [user_personalization, user_personalization_v2, popularity, views_alone, bare_lightfm, related_items, personalized_ranking]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    text: str


# A target: the rows of every section -> its PASS/FAIL lines.
Check = Callable[[Sequence[Row]], list[Verdict]]


def mean(rows: Sequence[Row], name: str, metric: str) -> float:
    return float(np.mean([row.metrics[metric] for row in rows if row.name == name]))


def user_personalization_goals(rows: Sequence[Row]) -> list[Verdict]:
    values = {metric: mean(rows, USER_PERSONALIZATION_ROW, metric) for metric in GOALS}
    return [Verdict(values[m] >= goal, f"{USER_PERSONALIZATION_ROW} {m} {values[m]:.4f} >= {goal}") for m, goal in GOALS.items()]


def v2_at_least_as_good(rows: Sequence[Row]) -> list[Verdict]:
    """v2's campaign against v1's deployed the same way (exploring 0.3)."""
    behind = [m for m in GOALS if mean(rows, USER_PERSONALIZATION_V2_ROW, m) < mean(rows, USER_PERSONALIZATION_EXPLORING_ROW, m)]
    text = f"{USER_PERSONALIZATION_V2_ROW} at least as good as {USER_PERSONALIZATION_EXPLORING_ROW} on {len(GOALS) - len(behind)}/{len(GOALS)} goal metrics"
    return [Verdict(not behind, text + (f" (behind on {', '.join(behind)})" if behind else ""))]


def sims_beats_popularity(rows: Sequence[Row]) -> list[Verdict]:
    lost = [m for m in METRICS if mean(rows, SIMS_ROW, m) <= mean(rows, POPULARITY_ROW, m)]
    beaten = len(METRICS) - len(lost)
    text = f"{SIMS_ROW} beats {POPULARITY_ROW} on {beaten}/{len(METRICS)} metrics" + (f" (not on {', '.join(lost)})" if lost else "")
    return [Verdict(not lost, text)]


def ranking_beats_random(rows: Sequence[Row]) -> list[Verdict]:
    ranked, shuffled = mean(rows, REORDERED_ROW, NDCG_10), mean(rows, RANDOM_ROW, NDCG_10)
    gain = ranked / shuffled
    return [Verdict(gain >= RANKING_GAIN, f"aws-personalized-ranking NDCG@10 {ranked:.4f} = {gain:.2f}x a random order's {shuffled:.4f} (>= {RANKING_GAIN}x)")]


def solution_metrics_agree(rows: Sequence[Row]) -> list[Verdict]:
    """Per recipe: the largest gap between GetSolutionMetrics and the metrics computed here, over its versions."""
    checked = [row for row in rows if row.reported is not None and row.recomputed is not None]
    verdicts = []
    for name in dict.fromkeys(row.name for row in checked):
        gaps = [(abs(row.reported[m] - row.recomputed[m]), m) for row in checked if row.name == name for m in METRICS]
        gap, metric = max(gaps)
        versions = sum(row.name == name for row in checked)
        verdicts.append(Verdict(gap <= AGREEMENT, f"GetSolutionMetrics of {name} within {AGREEMENT}: largest gap {gap:.4f} ({metric}, {versions} versions)"))
    return verdicts


CHECKS: list[Check] = [user_personalization_goals, v2_at_least_as_good, sims_beats_popularity, ranking_beats_random, solution_metrics_agree]


def goals_table(rows: Sequence[Row]) -> None:
    """The user-personalization rows' means, each beside its goal (popularity's for reference)."""
    print(f"| ml-100k, user personalization (mean of seeds {', '.join(map(str, SEEDS))}) | " + " | ".join(GOAL_LABELS[m] for m in GOALS) + " |")
    print("|---|" + "---:|" * len(GOALS))
    for name in GOAL_ROWS:
        values = {m: mean(rows, name, m) for m in GOALS}
        cells = [f"{values[m]:.4f}" if name == POPULARITY_ROW else f"{values[m]:.4f} {'>=' if values[m] >= goal else '<'} {goal:.2f}" for m, goal in GOALS.items()]
        print(f"| {name} | " + " | ".join(cells) + " |")


def table(rows: Sequence[Row], splits: int = len(SEEDS)) -> None:
    print(f"| row (mean ± sd of {splits} splits) | " + " | ".join(SHOWN) + " |")
    print("|---|" + "---:|" * len(SHOWN))
    for name in dict.fromkeys(row.name for row in rows):
        mine = [row.metrics for row in rows if row.name == name]
        cells = [f"{np.mean([m[k] for m in mine]):.4f} ± {np.std([m[k] for m in mine]):.4f}" for k in SHOWN]
        print(f"| {name} | " + " | ".join(cells) + " |")


def seed_list(text: str) -> list[int]:
    """'1-3,11-15' -> [1, 2, 3, 11, ..., 15]."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def main(arguments: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA, help="MovieLens 100K's folder")
    parser.add_argument("--seeds", type=seed_list, help="other seeds (e.g. 1-3,11-15): views_alone's rows only, no goals")
    given = parser.parse_args(arguments)
    folder: Path = given.folder
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    interactions = load(folder)
    if given.seeds:
        rows = views_alone(interactions, [Split.by_users(interactions, seed) for seed in given.seeds])
        table(rows, len(given.seeds))
        return
    splits = [Split.by_users(interactions, seed) for seed in SEEDS]
    print(f"{len(interactions)} interactions (rating > 3); {len(splits[0].inputs)} test users per split")
    rows: list[Row] = []
    for section in SECTIONS:
        started = time.perf_counter()
        rows += section(interactions, splits)
        print(f"  section {section.__name__}: {time.perf_counter() - started:.1f} s")
    print()
    goals_table(rows)
    print()
    table(rows)
    print()
    verdicts = [verdict for check in CHECKS for verdict in check(rows)]
    for verdict in verdicts:
        print(f"{'PASS' if verdict.passed else 'FAIL'}  {verdict.text}")
    if not all(verdict.passed for verdict in verdicts):
        sys.exit(f"{sum(not v.passed for v in verdicts)} of {len(verdicts)} targets missed")


if __name__ == "__main__":
    main(sys.argv[1:])
