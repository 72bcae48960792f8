"""Generated data with structure a model can learn: tastes (genres), each with its own items."""
from __future__ import annotations

import csv
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

START = 1_600_000_000
# MovieLens 100K, where the machine has it (tests that read it are skipped elsewhere).
ML_100K = Path(os.environ.get("PERSONALIZE_LOCAL_ML100K", Path(__file__).resolve().parents[2] / "shared/data/ml-100k"))


@dataclass(frozen=True)
class Taste:
    name: str
    items: tuple[str, ...]


TASTES = (
    Taste("comedy", tuple(f"comedy-{i}" for i in range(40))),
    Taste("horror", tuple(f"horror-{i}" for i in range(40))),
)
# Four genres of 30 titles each, for tests that need more than two tastes.
GENRES = tuple(Taste(name, tuple(f"{name}-{i}" for i in range(30))) for name in ("comedy", "horror", "drama", "western"))


def taste_of(user: str, tastes: tuple[Taste, ...] = TASTES) -> Taste:
    return tastes[int(user.split("-")[1]) % len(tastes)]


def interactions(users: int = 100, per_user: int = 15, seed: int = 7, tastes: tuple[Taste, ...] = TASTES) -> list[dict[str, object]]:
    """Each user watches mostly (90%) items of their own taste; popular items come up more often."""
    rng = random.Random(seed)
    rows = []
    for u in range(users):
        user = f"user-{u}"
        own = taste_of(user, tastes).items
        other = tastes[(u + 1) % len(tastes)].items
        for k in range(per_user):
            pool = own if rng.random() < 0.9 else other
            # A skewed pick: lower-numbered items are more popular.
            item = pool[min(int(rng.expovariate(1 / 8)), len(pool) - 1)]
            rows.append({"USER_ID": user, "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": START + u * 1000 + k})
    return rows


def to_csv(rows: list[dict[str, object]], columns: list[str] | None = None) -> bytes:
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode()


def shop_events(users: int = 80, per_user: int = 14, seed: int = 11) -> list[dict[str, object]]:
    """An ECOMMERCE shop: each user views items, mostly of their taste, and buys as many, each after its view."""
    views = interactions(users, per_user, seed)
    purchases = interactions(users, per_user, seed + 1)
    return [{**row, "EVENT_TYPE": "View"} for row in views] + [
        {**row, "EVENT_TYPE": "Purchase", "TIMESTAMP": int(row["TIMESTAMP"]) + 500} for row in purchases
    ]


def video_events(users: int = 75, watches: int = 15, clicks: int = 5, seed: int = 13) -> list[dict[str, object]]:
    """A VIDEO_ON_DEMAND service: each user watches titles, mostly of their taste, and clicks on a few more."""
    watched = interactions(users, watches, seed)
    clicked = interactions(users, clicks, seed + 1)
    return [{**row, "EVENT_TYPE": "Watch"} for row in watched] + [
        {**row, "EVENT_TYPE": "Click", "TIMESTAMP": int(row["TIMESTAMP"]) + 500} for row in clicked
    ]


def video_items(new: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Every title of the tastes with its genre, and ``new`` titles (named '<genre>-...') nobody has watched yet."""
    titles = [(item, taste.name) for taste in TASTES for item in taste.items] + [(item, item.split("-")[0]) for item in new]
    return [{"ITEM_ID": item, "CREATION_TIMESTAMP": START, "GENRES": genre} for item, genre in titles]


def ml_100k_csv() -> bytes:
    """MovieLens 100K's ratings above 3, as watch interactions."""
    rows = []
    for line in (ML_100K / "u.data").read_text().splitlines():
        user, item, rating, ts = line.split("\t")
        if int(rating) > 3:
            rows.append({"USER_ID": user, "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": int(ts)})
    return to_csv(rows)
