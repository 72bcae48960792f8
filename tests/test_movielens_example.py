"""examples/movielens_interactions.py, as the README shows it: MovieLens' u.data made an Interactions CSV that imports."""
from __future__ import annotations

import random
import runpy
import subprocess
import sys
from pathlib import Path

from .conftest import Clients
from .workflow import create_group, import_csv

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "movielens_interactions.py"


def write_u_data(path: Path, users: int = 60, items: int = 50, per_user: int = 20, seed: int = 3) -> None:
    """Ratings in u.data's format: tab-separated, no header; user id, item id, rating, timestamp."""
    rng = random.Random(seed)
    lines = ["196\t242\t3\t881250949"]  # u.data's first line
    for user in range(1, users + 1):
        for item in rng.sample(range(1, items + 1), per_user):
            lines.append(f"{user}\t{item}\t{rng.randint(1, 5)}\t{rng.randint(874_724_710, 893_286_638)}")
    path.write_text("\n".join(lines) + "\n")


def test_the_example_makes_u_data_an_interactions_csv_that_imports(aws: Clients, tmp_path: Path) -> None:
    ratings, csv = tmp_path / "u.data", tmp_path / "interactions.csv"
    write_u_data(ratings)
    run = subprocess.run([sys.executable, str(EXAMPLE), str(ratings), str(csv)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"wrote 1201 interactions to {csv}\n"
    header, first = csv.read_text().splitlines()[:2]
    assert (header, first) == ("USER_ID,ITEM_ID,TIMESTAMP,EVENT_VALUE", "196,242,881250949,3")

    group = create_group(aws, "movielens", schema=runpy.run_path(str(EXAMPLE))["INTERACTIONS_SCHEMA"])
    job = import_csv(aws, group.dataset_arn, csv.read_bytes(), key="movielens/interactions.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")
