"""GetSolutionMetrics as a user checks it: the split holds out what the issue's protocol holds out, and a related-items
recipe's figures are what its campaign answers about each test user's last input item (solution_metrics.py)."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from personalize_local.eval import split_for_evaluation
from personalize_local.eval.metrics import user_metrics

from .conftest import Clients
from .datagen import GENRES, START
from .helpers import METRICS, active_version, loaded_group
from .workflow import SIMS, deploy


def walks(users: int = 100, seed: int = 5) -> list[dict[str, object]]:
    """Each user walks forward through their genre's titles from a random one, 8 to 27 steps: the next title follows."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for u in range(users):
        titles = GENRES[u % len(GENRES)].items
        start, length = rng.randrange(len(titles)), 8 + (7 * u) % 20
        rows += [
            {"USER_ID": f"user-{u}", "ITEM_ID": titles[(start + t) % len(titles)], "EVENT_TYPE": "watch", "TIMESTAMP": START + 1000 * u + t}
            for t in range(length)
        ]
    return rows


# n interactions -> the newest max(1, round(n / 10)) held out, half to even (pandas' and Python's round):
# flooring the input's 90% would hold out 2 of 11-14 and 3 of 21-25.
HELD_OUT = {2: 1, 5: 1, 10: 1, 11: 1, 14: 1, 15: 2, 16: 2, 24: 2, 25: 2, 26: 3, 35: 4}


@pytest.mark.parametrize("n, held", HELD_OUT.items())
def test_each_test_user_keeps_their_newest_tenth_rounded_to_the_nearest(n: int, held: int) -> None:
    frame = pd.DataFrame(
        [{"USER_ID": f"user-{u}", "ITEM_ID": f"item-{t}", "TIMESTAMP": START + 100 * u + n - t} for u in range(10) for t in range(n)]
    )  # item-0 is each user's newest
    _, inputs, holdout = split_for_evaluation(frame, seed=0)
    assert len(holdout) == 1  # 10% of the users
    (user, items), = holdout.items()
    assert items == [f"item-{t}" for t in reversed(range(held))]
    assert inputs[user] == [f"item-{t}" for t in reversed(range(held, n))]


def test_related_items_metrics_are_the_campaigns_answers_about_each_test_users_last_item(aws: Clients) -> None:
    rows = walks()
    reported = aws.personalize.get_solution_metrics(
        solutionVersionArn=active_version(aws, loaded_group(aws, "all", rows).dataset_group_arn, "all", SIMS)
    )["metrics"]
    assert set(reported) == METRICS

    # The guide's split, drawn as GetSolutionMetrics draws it: its training users alone train (not the test users'
    # inputs), and each test user asks about the last item of their input, with no userId to leave anything out.
    data = pd.DataFrame(rows)
    training, inputs, holdout = split_for_evaluation(data, seed=0)
    campaign = deploy(aws, active_version(aws, loaded_group(aws, "training", training.to_dict("records")).dataset_group_arn, "training", SIMS))
    answers = {
        user: [entry["itemId"] for entry in aws.runtime.get_recommendations(campaignArn=campaign, itemId=items[-1], numResults=25)["itemList"]]
        for user, items in inputs.items()
    }
    per_user = [user_metrics(answers[user], set(holdout[user])) for user in inputs]
    measured = {name: float(np.mean([m[name] for m in per_user])) for name in per_user[0]}
    measured["coverage"] = len({item for items in answers.values() for item in items}) / data["ITEM_ID"].nunique()
    assert reported == pytest.approx({name: round(value, 4) for name, value in measured.items()}, abs=1e-9)
    assert reported["precision_at_5"] > 0.1  # the walks are learnt: the figures are not zeros agreeing by chance
