"""bench/quality.py's section of aws-personalized-ranking, on the same splits and metrics.

A version trains on each split's data through the API and a campaign deploys it. Each test user's
candidates are their held-out items mixed with 100 random catalog items they never interacted
with, in a seeded random order; the user asks GetPersonalizedRanking to reorder them. Rows:

- the campaign's order of the candidates;
- the random order they were sent in (the baseline: the same candidates, no model);
- the top 25 of the whole catalog through GetPersonalizedRanking, 500 candidates a call (its
  inputList limit): each call's best 25 go on to the next round. That is what GetSolutionMetrics
  measures for this recipe (the model ranks the catalog), so this row carries the agreement check.

The metrics are the protocol's, hits being the held-out items; the target is on NDCG@10.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from quality_protocol import TOP, Ask, Asked, Row, Service, Split, measure, through_api

RANKING = "arn:aws:personalize:::recipe/aws-personalized-ranking"
REORDERED_ROW = "aws-personalized-ranking: held-out + 100 random items, reordered"
RANDOM_ROW = "the same candidates in random order"
CATALOG_ROW = "aws-personalized-ranking: top 25 of the catalog"
NEGATIVES = 100
# API_RS_GetPersonalizedRanking.md: inputList holds at most 500 items.
MAX_INPUT = 500


def ranked(api: Service, campaign: str, user: str, items: Sequence[str]) -> list[str]:
    answer = api.runtime.get_personalized_ranking(campaignArn=campaign, userId=user, inputList=list(items))
    return [i["itemId"] for i in answer["personalizedRanking"]]


def reorder(candidates: Mapping[str, Sequence[str]]) -> Ask:
    """Ask the campaign to reorder the user's candidates."""
    return lambda api, campaign, user, inputs: ranked(api, campaign, user, candidates[user])


def top_of(catalog: Sequence[str]) -> Ask:
    """The user's top 25 of ``catalog``: a ranking keeps the model's order, so the best 25 of each
    call of 500 hold the best 25 of all, and rounds narrow the catalog down to one call."""

    def ask(api: Service, campaign: str, user: str, inputs: Sequence[str]) -> list[str]:
        pool = list(catalog)
        while len(pool) > MAX_INPUT:
            pool = [item for start in range(0, len(pool), MAX_INPUT) for item in ranked(api, campaign, user, pool[start : start + MAX_INPUT])[:TOP]]
        return ranked(api, campaign, user, pool)[:TOP]

    return ask


def candidates(split: Split) -> dict[str, list[str]]:
    """Each test user's held-out items and 100 random catalog items they never interacted with, shuffled (seeded)."""
    rng = np.random.default_rng(split.seed)
    catalog = np.array(split.catalog)
    drawn = {}
    for user, held in split.holdout.items():
        unseen = catalog[~np.isin(catalog, [*split.inputs[user], *held])]
        mixed = [*dict.fromkeys(held), *rng.choice(unseen, min(NEGATIVES, unseen.size), replace=False)]
        drawn[user] = [str(item) for item in rng.permutation(mixed)]
    return drawn


def personalized_ranking(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    rows = []
    for split in splits:
        given = candidates(split)
        rows += through_api(RANKING, split, [Asked(CATALOG_ROW, top_of(split.catalog)), Asked(REORDERED_ROW, reorder(given))])
        rows.append(Row(RANDOM_ROW, split.seed, measure(given, split.holdout, split.catalog_size)))
    return rows
