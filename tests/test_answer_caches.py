"""What aws-user-personalization's model keeps between answers (a user's history positions, the blend of their views)
follows the user's history: an answer is the one a model keeping nothing gives, after the history grows and when the
kept views outgrow their budget."""
from __future__ import annotations

import copy

import pytest

from personalize_local.recipes import user_personalization
from personalize_local.recipes.user_personalization import UserPersonalization

from .test_user_personalization_quality import series_watchers

TOP = 25


@pytest.fixture(scope="module")
def model() -> UserPersonalization:
    return UserPersonalization().fit(series_watchers())


def keeping_nothing(model: UserPersonalization) -> UserPersonalization:
    """The same model with none of what answers keep: what each answer computes afresh."""
    fresh = copy.copy(model)
    for name in UserPersonalization.TRANSIENT:
        fresh.__dict__.pop(name, None)
    return fresh


def test_a_users_kept_view_follows_their_history(model: UserPersonalization) -> None:
    user = "user-7"
    history = ["s3-e1", "s3-e2", "s3-e3"]
    first = model.recommend(user, history, TOP)
    assert first == keeping_nothing(model).recommend(user, history, TOP)
    assert model.recommend(user, history, TOP) == first  # answered from what was kept
    grown = history + ["s11-e4", "s11-e5", "s11-e6", "s11-e7"]
    after = model.recommend(user, grown, TOP)
    assert after == keeping_nothing(model).recommend(user, grown, TOP)
    assert [item for item, _ in after] != [item for item, _ in first]  # the new series shows at once


def test_answers_stay_the_same_when_the_kept_views_outgrow_their_budget(model: UserPersonalization, monkeypatch: pytest.MonkeyPatch) -> None:
    # Room for two users' views: every third user clears what was kept.
    monkeypatch.setattr(user_personalization, "_LOGITS_KEPT", 2 * len(model.item_ids))
    monkeypatch.setattr(user_personalization, "_LOGITS_USERS", 2)
    fresh = keeping_nothing(model)
    histories = {f"user-{u}": [f"s{u % 20}-e{e}" for e in range(1, 5)] for u in range(0, 60, 6)}
    for _ in range(2):
        for user, history in histories.items():
            assert model.recommend(user, history, TOP) == fresh.recommend(user, history, TOP)
    assert len(model.__dict__["_logits_by_user"]) <= 2


def test_new_view_weights_blend_anew(model: UserPersonalization, monkeypatch: pytest.MonkeyPatch) -> None:
    history = ["s5-e1", "s5-e2", "s9-e6"]
    blended = model.recommend("user-12", history, TOP)
    monkeypatch.setattr(model, "view_weights", {"factors": 1.0})
    factors_only = model.recommend("user-12", history, TOP)
    assert factors_only == keeping_nothing(model).recommend("user-12", history, TOP)
    assert factors_only != blended


def test_a_catalog_too_large_for_enough_users_keeps_no_views(model: UserPersonalization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "_logits_by_user", {}, raising=False)
    monkeypatch.setattr(user_personalization, "_LOGITS_KEPT", 10 * len(model.item_ids))
    monkeypatch.setattr(user_personalization, "_LOGITS_USERS", 11)
    history = ["s2-e1", "s2-e2"]
    assert model.recommend("user-40", history, TOP) == keeping_nothing(model).recommend("user-40", history, TOP)
    assert model.__dict__["_logits_by_user"] == {}
