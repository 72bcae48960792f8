"""Generated data with structure a model can learn: tastes (genres), each with its own items."""
from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

START = 1_600_000_000


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
