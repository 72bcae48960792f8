"""What aws-user-personalization recommends, seen through boto3: tastes, recency, metadata, exploration,
determinism, and an API that keeps answering while a version trains."""
from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest

from personalize_local.backend import lifecycle
from personalize_local.recipes import user_personalization

from .catalogs import genre_rows, with_metadata
from .conftest import Clients
from .datagen import GENRES, ML_100K, START, ml_100k_csv, taste_of
from .helpers import loaded_group, new_group, share_of_taste
from .workflow import (
    POPULARITY,
    USER_PERSONALIZATION,
    USER_PERSONALIZATION_V2,
    Group,
    create_group,
    deploy,
    import_csv,
    recommended,
    train,
    wait,
)

COMEDY, HORROR, DRAMA, WESTERN = GENRES
LATER = START + 10**6  # after every generated interaction
SENT = 1_900_000_000
NO_EXPLORATION = {"itemExplorationConfig": {"explorationWeight": "0"}}
# The campaign that shows the model's own ranking as far as it can: v1 explores by default and can be told not to;
# v2 campaigns explore as the service sets them (their explored items say so in ``reason``).
PLAIN_CAMPAIGN = {USER_PERSONALIZATION: NO_EXPLORATION, USER_PERSONALIZATION_V2: {}}


def watched(user: str, items: tuple[str, ...], at: int) -> list[dict[str, object]]:
    return [{"USER_ID": user, "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": at + k} for k, item in enumerate(items)]


def campaign_on(c: Clients, group: Group, name: str = "personal", recipe: str = USER_PERSONALIZATION, **options: Any) -> str:
    version = train(c, group.dataset_group_arn, name=name, recipe=recipe, **options)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    return deploy(c, version["solutionVersionArn"], name=name, **({"campaignConfig": PLAIN_CAMPAIGN[recipe]} if PLAIN_CAMPAIGN[recipe] else {}))


def record(c: Clients, group: Group, user: str, items: tuple[str, ...]) -> None:
    """``user`` watches ``items`` now, one after the other, through the group's event tracker."""
    p = c.personalize
    trackers = p.list_event_trackers(datasetGroupArn=group.dataset_group_arn)["eventTrackers"]
    if trackers:
        tracking_id = p.describe_event_tracker(eventTrackerArn=trackers[0]["eventTrackerArn"])["eventTracker"]["trackingId"]
    else:
        tracking_id = p.create_event_tracker(name="tracker", datasetGroupArn=group.dataset_group_arn)["trackingId"]
    events = [{"eventType": "watch", "itemId": item, "sentAt": SENT + k} for k, item in enumerate(items)]
    for start in range(0, len(events), 10):
        c.events.put_events(trackingId=tracking_id, userId=user, sessionId=user, eventList=events[start : start + 10])


# Tastes and recency -------------------------------------------------------------------------------


def test_a_viewer_of_one_genre_is_recommended_that_genre(aws: Clients) -> None:
    group = loaded_group(aws, rows=genre_rows(watched("purist", DRAMA.items[:12], LATER)))
    campaign = campaign_on(aws, group)
    assert share_of_taste(recommended(aws, campaign, "purist"), "drama") == 1.0
    for user in ("user-1", "user-3"):  # the generated fans of horror and western
        assert share_of_taste(recommended(aws, campaign, user), taste_of(user, GENRES).name) >= 0.9


# (solutionConfig, the taste expected of a comedy fan whose last 8 titles were horror)
RECENCY_SETTINGS = [
    pytest.param(USER_PERSONALIZATION, {}, "horror", id="recency-mask-by-default"),
    pytest.param(USER_PERSONALIZATION, {"recency_mask": "false"}, "comedy", id="without-recency-mask"),
    pytest.param(USER_PERSONALIZATION, {"recency_mask": "false", "bptt": "8"}, "horror", id="bptt-8-reads-the-last-8"),
    pytest.param(USER_PERSONALIZATION_V2, {}, "horror", id="v2-recency-bias-by-default"),
    pytest.param(USER_PERSONALIZATION_V2, {"apply_recency_bias": "false"}, "comedy", id="v2-without-recency-bias"),
]


@pytest.mark.parametrize("recipe, hyperparameters, expected", RECENCY_SETTINGS)
def test_the_latest_items_weigh_as_the_hyperparameters_say(aws: Clients, recipe: str, hyperparameters: dict[str, str], expected: str) -> None:
    # 24 comedy titles, then 8 horror ones: 32 in all, as many as bptt reads by default.
    switcher = watched("switcher", COMEDY.items[:24], LATER) + watched("switcher", HORROR.items[:8], LATER + 100)
    group = loaded_group(aws, rows=genre_rows(switcher))
    campaign = campaign_on(aws, group, recipe=recipe, solutionConfig={"algorithmHyperParameters": hyperparameters})
    assert share_of_taste(recommended(aws, campaign, "switcher"), expected) >= 0.7


def test_events_of_a_new_taste_turn_a_long_time_fan_at_once(aws: Clients) -> None:
    group = loaded_group(aws, rows=genre_rows())
    campaign = campaign_on(aws, group)
    assert share_of_taste(recommended(aws, campaign, "user-0"), "comedy") == 1.0
    record(aws, group, "user-0", HORROR.items[:8])
    after = recommended(aws, campaign, "user-0")
    assert share_of_taste(after, "horror") > share_of_taste(after, "comedy")


@pytest.mark.skipif(not (ML_100K / "u.item").exists(), reason=f"MovieLens 100K not found at {ML_100K}")
def test_movielens_fans_of_a_distinct_genre_get_that_genre(aws: Clients) -> None:
    """A newcomer who watched the ten most watched titles of a genre gets it at three times its catalog share or more."""
    group = create_group(aws)
    assert import_csv(aws, group.dataset_arn, ml_100k_csv())["status"] == "ACTIVE"
    campaign = campaign_on(aws, group)
    genres = movielens_genres()
    watched_count = movielens_watch_counts()
    for genre in ("Animation", "Children's", "Horror", "Musical", "Sci-Fi"):
        titles = sorted((item for item in watched_count if genre in genres[item]), key=lambda item: -watched_count[item])
        fan = f"fan-of-{genre}"
        record(aws, group, fan, tuple(titles[:10]))
        share = sum(genre in genres[item] for item in recommended(aws, campaign, fan)) / 10
        catalog_share = sum(genre in genres[item] for item in watched_count) / len(watched_count)
        assert share >= 3 * catalog_share, f"{genre}: {share:.2f} of the top 10, {catalog_share:.3f} of the catalog"


def movielens_genres() -> dict[str, set[str]]:
    lines = (ML_100K / "u.genre").read_text(encoding="latin-1").splitlines()
    by_index = {int(line.split("|")[1]): line.split("|")[0] for line in lines if line}
    genres = {}
    for line in (ML_100K / "u.item").read_text(encoding="latin-1").splitlines():
        fields = line.split("|")
        genres[fields[0]] = {by_index[k] for k, flag in enumerate(fields[5:]) if flag == "1"}
    return genres


def movielens_watch_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in (ML_100K / "u.data").read_text().splitlines():
        user, item, rating, _ = line.split("\t")
        if int(rating) > 3:
            counts[item] = counts.get(item, 0) + 1
    return counts


# Metadata, cold users, exploration ----------------------------------------------------------------


def test_users_known_only_by_their_metadata_get_their_segment(aws: Clients) -> None:
    campaign = campaign_on(aws, with_metadata(aws))
    assert share_of_taste(recommended(aws, campaign, "member-w"), "western") >= 0.8
    assert share_of_taste(recommended(aws, campaign, "member-h"), "horror") >= 0.8


def test_a_user_the_model_knows_nothing_of_gets_popular_titles(aws: Clients) -> None:
    group = loaded_group(aws, rows=genre_rows())
    personal = campaign_on(aws, group)
    popular_version = train(aws, group.dataset_group_arn, name="popular", recipe=POPULARITY)["solutionVersionArn"]
    most_popular = set(recommended(aws, deploy(aws, popular_version, name="popular"), "nobody"))
    assert len(set(recommended(aws, personal, "nobody")) & most_popular) >= 6


def new_titles(items: list[str]) -> list[str]:
    return [item for item in items if "-new-" in item]


def test_exploration_brings_new_titles_of_the_users_taste(aws: Clients) -> None:
    group = with_metadata(aws)
    version = train(aws, group.dataset_group_arn)["solutionVersionArn"]
    exploiting = deploy(aws, version, name="exploiting", campaignConfig=NO_EXPLORATION)
    exploring = deploy(aws, version, name="exploring", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}})
    for user in ("user-0", "user-3"):  # a comedy fan and a western fan
        assert new_titles(recommended(aws, exploiting, user)) == []
        explored = new_titles(recommended(aws, exploring, user))
        assert len(explored) == 3  # 0.3 of 10 results
        assert share_of_taste(explored, taste_of(user, GENRES).name) >= 2 / 3


# Determinism -------------------------------------------------------------------------------------


def test_two_versions_of_a_solution_on_the_same_data_answer_alike(aws: Clients) -> None:
    group = loaded_group(aws, rows=genre_rows(watched("purist", DRAMA.items[:12], LATER)))
    p = aws.personalize
    solution = p.create_solution(name="twice", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
    record(aws, group, "newcomer", HORROR.items[:5])
    answers = []
    for k in range(2):
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        assert wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])["status"] == "ACTIVE"
        campaign = deploy(aws, version, name=f"twice-{k}")
        lists = [aws.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=50)["itemList"] for user in ("user-0", "purist", "newcomer", "nobody")]
        answers.append((p.get_solution_metrics(solutionVersionArn=version)["metrics"], lists))
    assert answers[0] == answers[1]


# Serving while training --------------------------------------------------------------------------


@pytest.fixture
def held_training(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """aws-user-personalization trainings that wait, inside the model's fit, until the event is set;
    a describe of the version waits for it no longer than a moment."""
    release = threading.Event()
    fit = user_personalization.UserPersonalization.fit

    def held_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        assert release.wait(60), "the test never released the training"
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(user_personalization.UserPersonalization, "fit", held_fit)
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0.2")
    yield release
    release.set()


@pytest.mark.parametrize("clients", ["aws", "remote"], ids=["in-process", "server"])
def test_the_api_keeps_answering_while_a_version_trains(request: pytest.FixtureRequest, clients: str, held_training: threading.Event) -> None:
    c: Clients = request.getfixturevalue(clients)
    p = c.personalize
    group = loaded_group(c)
    serving = deploy(c, train(c, group.dataset_group_arn, name="popular", recipe=POPULARITY)["solutionVersionArn"], name="serving")
    before = recommended(c, serving, "user-0")
    solution = p.create_solution(name="held", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution)["solution"])
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]

    # The training is held inside the model's fit: everything else still answers.
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "CREATE IN_PROGRESS"
    assert recommended(c, serving, "user-0") == before
    assert p.describe_dataset_group(datasetGroupArn=group.dataset_group_arn)["datasetGroup"]["status"] == "ACTIVE"
    assert p.describe_dataset(datasetArn=group.dataset_arn)["dataset"]["status"] == "ACTIVE"
    assert {s["name"] for s in p.list_solutions()["solutions"]} == {"popular", "held"}
    other_group = new_group(c, "meanwhile")
    assert p.describe_dataset_group(datasetGroupArn=other_group)["datasetGroup"]["status"] == "ACTIVE"
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "CREATE IN_PROGRESS"

    held_training.set()
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])["status"] == "ACTIVE"
