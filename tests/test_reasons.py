"""PredictedItem.reason (User-Personalization-v2 only): "Exploration" for the items exploration chose, "Popular item"
for placeholder popular items filling an answer the filter left short (they have no relevance score)."""
from __future__ import annotations

import random

from .catalogs import COMEDY_FANS, with_metadata
from .conftest import ITEMS_SCHEMA, Clients
from .datagen import START, to_csv
from .helpers import loaded_group, make_filter
from .workflow import USER_PERSONALIZATION, USER_PERSONALIZATION_V2, deploy, import_csv, train, wait

EXPLORATION = ["Exploration"]
PLACEHOLDER = ["Popular item"]


def test_v2_says_which_items_exploration_chose(aws: Clients) -> None:
    group = with_metadata(aws)
    v2 = deploy(aws, train(aws, group.dataset_group_arn, name="v2", recipe=USER_PERSONALIZATION_V2)["solutionVersionArn"], name="v2")
    v1 = deploy(aws, train(aws, group.dataset_group_arn, name="v1", recipe=USER_PERSONALIZATION)["solutionVersionArn"], name="v1")
    for user in COMEDY_FANS[:5]:
        answer = aws.runtime.get_recommendations(campaignArn=v2, userId=user, numResults=10)["itemList"]
        explored = [i["itemId"] for i in answer if i.get("reason") == EXPLORATION]
        # v2 explores on its own: a share of the slots goes to items with little data, new titles first among them.
        assert len(explored) == 3 and any("-new-" in item for item in explored), answer
        assert all("-new-" not in i["itemId"] for i in answer if "reason" not in i)
        assert all("score" in i for i in answer)
        # v1 explores too, but its answers give no reasons.
        assert all("reason" not in i for i in aws.runtime.get_recommendations(campaignArn=v1, userId=user)["itemList"])


MAINSTREAM = [f"film-{i}" for i in range(700)]
DOCUMENTARIES = [f"doc-{i}" for i in range(20)]


def niche_catalog() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(interactions, items): 150 users watch 700 films, 6 enthusiasts watch the 20 documentaries."""
    rng = random.Random(5)
    rows = []
    for u in range(150):
        for k in range(12):
            film = MAINSTREAM[min(int(rng.expovariate(1 / 150)), len(MAINSTREAM) - 1)]
            rows.append({"USER_ID": f"user-{u}", "ITEM_ID": film, "EVENT_TYPE": "watch", "TIMESTAMP": START + u * 100 + k})
    for u in range(6):
        for k, doc in enumerate(DOCUMENTARIES[: 6 + 2 * u]):
            rows.append({"USER_ID": f"fan-{u}", "ITEM_ID": doc, "EVENT_TYPE": "watch", "TIMESTAMP": START + 50_000 + u * 100 + k})
    items = [{"ITEM_ID": film, "GENRES": "Drama"} for film in MAINSTREAM] + [{"ITEM_ID": doc, "GENRES": "Documentary"} for doc in DOCUMENTARIES]
    return rows, items


def test_v2_fills_a_short_filtered_answer_with_popular_items(aws: Clients) -> None:
    rows, items = niche_catalog()
    group = loaded_group(aws, "niche", rows)
    p = aws.personalize
    schema = p.create_schema(name="niche-items", schema=ITEMS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name="niche-items", schemaArn=schema, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    assert import_csv(aws, dataset, to_csv(items), key="niche-items.csv", job="niche-items")["status"] == "ACTIVE"
    documentaries = make_filter(aws, group.dataset_group_arn, 'INCLUDE ItemID WHERE Items.GENRES IN ("Documentary")', name="docs")
    v2 = deploy(aws, train(aws, group.dataset_group_arn, name="v2", recipe=USER_PERSONALIZATION_V2)["solutionVersionArn"], name="v2")
    answer = aws.runtime.get_recommendations(campaignArn=v2, userId="user-3", numResults=10, filterArn=documentaries)["itemList"]
    # Still ten documentaries, as numResults asks; those the model did not retrieve for this film lover are placeholders.
    assert len(answer) == 10 and all(i["itemId"] in DOCUMENTARIES for i in answer)
    placeholders = [i for i in answer if i.get("reason") == PLACEHOLDER]
    assert placeholders and all("score" not in i for i in placeholders)
    assert all("score" in i for i in answer if i.get("reason") != PLACEHOLDER)
    # They come after the scored items, the most watched first.
    assert answer[-len(placeholders):] == placeholders
    watched = {doc: sum(row["ITEM_ID"] == doc for row in rows) for doc in DOCUMENTARIES}
    counts = [watched[i["itemId"]] for i in placeholders]
    assert counts == sorted(counts, reverse=True)
    # A documentary fan's documentaries are all retrieved: no placeholders.
    fan = aws.runtime.get_recommendations(campaignArn=v2, userId="fan-5", numResults=10, filterArn=documentaries)["itemList"]
    assert all(i.get("reason") != PLACEHOLDER for i in fan)
