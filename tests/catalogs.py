"""Generated catalogs several families of tests share, and the datasets that hold them."""
from __future__ import annotations

import random
from dataclasses import dataclass

from .conftest import Clients, avro
from .datagen import GENRES, START, TASTES, interactions, taste_of, to_csv
from .helpers import create_dataset, loaded_group
from .workflow import Group, import_csv, wait

# Co-watched groups (related items, segments) -----------------------------------------------------
GROUPS, GROUP_ITEMS, USERS_PER_GROUP = 5, 8, 32


def group_items(g: int) -> set[str]:
    return {f"g{g}-{i}" for i in range(GROUP_ITEMS)}


def co_watched_rows() -> list[dict[str, object]]:
    """Each user of group g watches every item of g but the one their number picks, and the blockbuster.

    So items of a group share 24 of their 28 users, while the blockbuster (watched by all 160) shares 28.
    """
    rng = random.Random(3)
    rows = []
    for g in range(GROUPS):
        for k in range(USERS_PER_GROUP):
            watched = sorted(group_items(g) - {f"g{g}-{k % GROUP_ITEMS}"}) + ["blockbuster"]
            rng.shuffle(watched)
            user = f"user-{g}-{k}"
            rows += [
                {"USER_ID": user, "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": START + 1000 * (g * USERS_PER_GROUP + k) + t}
                for t, item in enumerate(watched)
            ]
    return rows


ITEMS_WITH_TEXT = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True},
    ],
)
THEMES = ("pirates sail the stormy ocean", "robots fire lasers in deep space", "wizards cast ancient spells",
          "detectives solve a city murder", "cowboys ride across the desert")
ITEM_COLUMNS = ["ITEM_ID", "GENRES", "DESCRIPTION"]


def item_rows() -> list[dict[str, object]]:
    """Group g's items are of genre-g and tell of theme g; two new items come without interactions."""
    rows: list[dict[str, object]] = [{"ITEM_ID": item, "GENRES": f"genre-{g}", "DESCRIPTION": f"A tale where {THEMES[g]}."}
            for g in range(GROUPS) for item in sorted(group_items(g))]
    return rows + [
        {"ITEM_ID": "blockbuster", "GENRES": "genre-0|genre-1|genre-2|genre-3|genre-4", "DESCRIPTION": "Everybody watched it."},
        {"ITEM_ID": "new-by-genre", "GENRES": "genre-2", "DESCRIPTION": ""},
        {"ITEM_ID": "new-by-text", "GENRES": "", "DESCRIPTION": "Lasers and robots, out in space."},
    ]


def with_items(c: Clients, group_arn: str, body: bytes) -> None:
    """An Items dataset of ITEMS_WITH_TEXT holding the CSV ``body``."""
    p = c.personalize
    schema = p.create_schema(name="items-text", schema=ITEMS_WITH_TEXT)["schemaArn"]
    dataset = p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    job = import_csv(c, dataset, body, key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")


# A shop (filters, promotions, batch jobs) ------------------------------------------------------------

COMEDY, HORROR = (taste.items for taste in TASTES)
# user-0 bought these two, popular among everybody: the campaign would recommend them first.
PURCHASED = ("comedy-0", "comedy-1")
PURCHASES = [
    {"USER_ID": "user-0", "ITEM_ID": item, "EVENT_TYPE": "Purchase", "TIMESTAMP": START + 900_000 + k}
    for k, item in enumerate(PURCHASED)
]
SHOP_ITEMS_SCHEMA = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "STUDIO", "type": ["null", "string"]},
        {"name": "PRICE", "type": ["null", "double"]},
        {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True},
        {"name": "ON_SALE", "type": ["null", "boolean"]},
    ],
)
SHOP_USERS_SCHEMA = avro(
    "Users",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "AGE", "type": ["null", "int"]},
        {"name": "MEMBERSHIP", "type": ["null", "string"], "categorical": True},
    ],
)


def genres(item: str) -> str:
    """Comedies, every fourth also a romance; horror films; the last horror film has no genre."""
    kind, number = item.split("-")
    if item == HORROR[-1]:
        return ""
    if kind == "comedy":
        return "Comedy|Romance" if int(number) % 4 == 0 else "Comedy"
    return "Horror"


def price(item: str) -> float:
    return float(item.split("-")[1])


# Every catalog item has a record but comedy-39, which appears only in interactions.
ITEM_ROWS: list[dict[str, object]] = [
    {"ITEM_ID": item, "GENRES": genres(item), "STUDIO": "Big Studio" if price(item) < 20 else "Indie", "PRICE": price(item),
     "DESCRIPTION": f"A film called {item}", "ON_SALE": "true"}
    for item in COMEDY[:-1] + HORROR
]
USER_ROWS: list[dict[str, object]] = [
    {"USER_ID": "user-0", "AGE": 12, "MEMBERSHIP": "basic"},
    {"USER_ID": "user-1", "AGE": 30, "MEMBERSHIP": "gold|family"},
    {"USER_ID": "user-2", "AGE": "", "MEMBERSHIP": ""},
]
RECORDED = {row["ITEM_ID"] for row in ITEM_ROWS}


def holds(item: str, genre: str) -> bool:
    """Whether the Items dataset gives ``item`` the genre."""
    return item in RECORDED and genre in genres(item).split("|")


def add_dataset(c: Clients, group_arn: str, kind: str, schema: str, rows: list[dict[str, object]]) -> None:
    """A dataset of ``kind`` and ``schema`` (named shop-<kind>) in the group, holding ``rows``."""
    p = c.personalize
    schema_arn = p.create_schema(name=f"shop-{kind.lower()}", schema=schema)["schemaArn"]
    dataset_arn = p.create_dataset(name=f"shop-{kind.lower()}", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=kind)["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    job = import_csv(c, dataset_arn, to_csv(rows), key=f"{kind}.csv", job=f"shop-{kind.lower()}")
    assert job["status"] == "ACTIVE", job.get("failureReason")


# Genres (user personalization, impressions, reasons) ----------------------------------------------


def genre_rows(*extra: list[dict[str, object]]) -> list[dict[str, object]]:
    """120 users, each watching mostly one of four genres, plus ``extra`` users."""
    rows = interactions(users=120, per_user=20, seed=3, tastes=GENRES)
    return rows + [row for rows_ in extra for row in rows_]


GENRE_ITEMS_SCHEMA = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRE", "type": "string", "categorical": True},
        {"name": "CREATION_TIMESTAMP", "type": "long"},
    ],
)
GENRE_USERS_SCHEMA = avro("Users", [{"name": "USER_ID", "type": "string"}, {"name": "SEGMENT", "type": "string", "categorical": True}])
NEW_PER_GENRE = 3
YEAR = 365 * 86_400


def with_metadata(c: Clients, rows: list[dict[str, object]] | None = None, **schema: str) -> Group:
    """The genre data (or ``rows`` of it, in an Interactions dataset of ``schema``); an Items dataset giving every
    title its genre (three new titles per genre, a day old, without interactions; the others a year old) and a
    Users dataset giving every user their genre as SEGMENT, among them two members known by that alone."""
    rows = rows or genre_rows()
    group = loaded_group(c, rows=rows, **schema)
    latest = max(int(row["TIMESTAMP"]) for row in rows)
    titles: list[dict[str, object]] = [{"ITEM_ID": item, "GENRE": genre.name, "CREATION_TIMESTAMP": START - YEAR} for genre in GENRES for item in genre.items]
    titles += [{"ITEM_ID": f"{genre.name}-new-{k}", "GENRE": genre.name, "CREATION_TIMESTAMP": latest - 86_400} for genre in GENRES for k in range(NEW_PER_GENRE)]
    people: list[dict[str, object]] = [{"USER_ID": f"user-{u}", "SEGMENT": taste_of(f"user-{u}", GENRES).name} for u in range(120)]
    people += [{"USER_ID": "member-w", "SEGMENT": "western"}, {"USER_ID": "member-h", "SEGMENT": "horror"}]
    for kind, fields, body in (("Items", GENRE_ITEMS_SCHEMA, titles), ("Users", GENRE_USERS_SCHEMA, people)):
        schema_arn = c.personalize.create_schema(name=f"genre-{kind}", schema=fields)["schemaArn"]
        dataset = c.personalize.create_dataset(name=kind, schemaArn=schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType=kind)["datasetArn"]
        wait(lambda: c.personalize.describe_dataset(datasetArn=dataset)["dataset"])
        assert import_csv(c, dataset, to_csv(body), key=f"{kind}.csv", job=f"{kind}-import")["status"] == "ACTIVE"
    return group


COMEDY_FANS = [f"user-{u}" for u in range(120) if taste_of(f"user-{u}", GENRES).name == "comedy"]


# Next best action: actions and their interactions --------------------------------------------------
ACTIONS_SCHEMA = avro(
    "Actions",
    [
        {"name": "ACTION_ID", "type": "string"},
        {"name": "VALUE", "type": ["null", "long"]},
        {"name": "CATEGORY", "type": ["null", "string"], "categorical": True},
        {"name": "ACTION_EXPIRATION_TIMESTAMP", "type": ["null", "long"]},
        {"name": "REPEAT_FREQUENCY", "type": ["null", "long"]},
    ],
)
ACTION_INTERACTIONS_SCHEMA = avro(
    "ActionInteractions",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "ACTION_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
)
ACTION_COLUMNS = ["ACTION_ID", "VALUE", "CATEGORY", "ACTION_EXPIRATION_TIMESTAMP", "REPEAT_FREQUENCY"]
ACTION_INTERACTION_COLUMNS = ["USER_ID", "ACTION_ID", "EVENT_TYPE", "TIMESTAMP"]
FAR_FUTURE = 4_000_000_000
# Users of even number like comedy, of odd number horror (tests/datagen.py); every third takes the loyalty program.
CLUB = {0: "comedy-club", 1: "horror-club"}
ACTIONS = [
    {"ACTION_ID": "comedy-club", "VALUE": 5, "CATEGORY": "purchase"},
    {"ACTION_ID": "horror-club", "VALUE": 5, "CATEGORY": "purchase"},
    {"ACTION_ID": "loyalty", "VALUE": 10, "CATEGORY": "membership", "ACTION_EXPIRATION_TIMESTAMP": FAR_FUTURE},
    {"ACTION_ID": "app", "VALUE": 3, "CATEGORY": "engagement"},
    {"ACTION_ID": "expired-offer", "VALUE": 10, "CATEGORY": "purchase", "ACTION_EXPIRATION_TIMESTAMP": START},
    {"ACTION_ID": "survey", "VALUE": 1, "CATEGORY": "engagement", "REPEAT_FREQUENCY": 7},
]
# Users with action interactions; users 60 to 69 have item interactions only.
ACTING_USERS = range(60)


def action_interactions() -> list[dict[str, object]]:
    """Each user takes the club of their taste (twice) and declines the other; every third user joins the
    loyalty program, the others decline it; ten users take the app. Only the clubs and the loyalty program
    have the 50 Taken and 50 other interactions that give an action a score."""
    rows: list[dict[str, object]] = []
    at = START + 200_000

    def add(user: int, action: str, *kinds: str) -> None:
        nonlocal at
        for kind in kinds:
            at += 7
            rows.append({"USER_ID": f"user-{user}", "ACTION_ID": action, "EVENT_TYPE": kind, "TIMESTAMP": at})

    for user in ACTING_USERS:
        add(user, CLUB[user % 2], "Viewed", "Taken")
        add(user, CLUB[(user + 1) % 2], "Viewed", "Not taken")
        add(user, "loyalty", *(("Viewed", "Taken", "TAKEN", "taken") if user % 3 == 0 else ("VIEWED", "NOT_TAKEN")))
        add(user, CLUB[user % 2], "Viewed", "Taken")
        if user < 10:
            add(user, "app", "Viewed", "Taken")
    return rows


@dataclass(frozen=True)
class ActionGroup:
    group: Group
    actions_arn: str
    action_interactions_arn: str | None


def action_group(c: Clients, name: str = "nba", interactions: list[dict[str, object]] | None = None) -> ActionGroup:
    """A group with item interactions, the actions and (unless ``interactions`` is []) their action interactions."""
    group = loaded_group(c, name)
    actions_arn = create_dataset(c, group.dataset_group_arn, f"{name}-actions", ACTIONS_SCHEMA, "Actions")
    job = import_csv(c, actions_arn, to_csv(ACTIONS, ACTION_COLUMNS), key=f"{name}-actions.csv", job=f"{name}-actions")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    rows = action_interactions() if interactions is None else interactions
    if interactions == []:
        return ActionGroup(group, actions_arn, None)
    ai_arn = create_dataset(c, group.dataset_group_arn, f"{name}-action-interactions", ACTION_INTERACTIONS_SCHEMA, "Action_Interactions")
    job = import_csv(c, ai_arn, to_csv(rows, ACTION_INTERACTION_COLUMNS), key=f"{name}-ai.csv", job=f"{name}-ai")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return ActionGroup(group, actions_arn, ai_arn)


