"""Offline metrics of a PERSONALIZED_ACTIONS solution version, on its action interactions.

The guide does not say which metrics the service reports for Next-Best-Action (working-with-training-metrics.md
mentions only that these recipes also get a validation set), so this reports the standard eight, measured
on Taken action interactions with the standard split (eval/metrics.py): 10% of the users with at least two
Taken events are test users, and training never sees their action interactions. For each one, the model is
asked for actions at the moment of their first held-out Taken event, knowing everything they did with
actions before it; the actions they took from then on are the relevant ones. Coverage is relative to the
actions of the Actions dataset.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence, cast

import pandas as pd

from ..data.actions import ACTION_ID, TAKEN
from ..recipes import TrainingInputs, fit_recipe
from ..recipes.next_best_action import KIND_CODES, event_kinds
from ..recipes.base import EVENT_TYPE, ITEM_ID, TIMESTAMP, USER_ID, ActionModel, chronological
from .metrics import compute_metrics, split_for_evaluation


def evaluate_actions(given: TrainingInputs) -> dict[str, float]:
    """The metrics of the recipe's model on ``given``, whose datasets hold ``actions`` (and ``action_interactions``)."""
    actions = given.datasets["actions"]
    assert actions is not None  # a required dataset of the recipe (EXTRA_DATASETS): training checked it is there
    events = given.datasets.get("action_interactions")
    if events is None:
        events = pd.DataFrame(columns=[USER_ID, ACTION_ID, EVENT_TYPE, TIMESTAMP])
    taken = events[event_kinds(events[EVENT_TYPE]) == KIND_CODES[TAKEN]]
    as_items = taken[[USER_ID, ACTION_ID, TIMESTAMP]].rename(columns={ACTION_ID: ITEM_ID})
    _, test_inputs, test_holdout = split_for_evaluation(as_items, given.seed)
    taken_times = chronological(as_items).groupby(USER_ID)[TIMESTAMP].agg(list)
    # Each test user is asked at the time of their first held-out Taken event.
    cuts = {user: float(taken_times[user][len(history)]) for user, history in test_inputs.items()}
    of_test_users = events[USER_ID].isin(set(cuts))
    datasets = {**given.datasets, "action_interactions": events[~of_test_users]}
    model = cast(ActionModel, fit_recipe(replace(given, objective=None, datasets=datasets)))
    item_histories = chronological(given.interactions).groupby(USER_ID)[ITEM_ID].agg(list)
    test_events = dict(tuple(events[of_test_users].groupby(USER_ID)))
    before: dict[str, Any] = {  # each test user's records before the cut
        user: test_events[user][test_events[user][TIMESTAMP].astype(float) < cut].to_dict("records")
        for user, cut in cuts.items()
    }

    def recommend(user: str, history: Sequence[str], k: int) -> list[str]:
        ranked = model.recommend_actions(user, item_histories.get(user, []), before[user], k, now=cuts[user])
        return [action for action, _ in ranked]

    return compute_metrics(recommend, test_inputs, test_holdout, actions[ACTION_ID].nunique())
