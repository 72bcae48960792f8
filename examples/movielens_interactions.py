"""MovieLens 100K's ratings (ml-100k/u.data) as an Interactions CSV that Amazon Personalize imports.

    python examples/movielens_interactions.py path/to/ml-100k/u.data interactions.csv

u.data is tab-separated without a header: user id, item id, rating (1 to 5), timestamp (epoch seconds).
The CSV has a header naming the schema's fields, USER_ID,ITEM_ID,TIMESTAMP,EVENT_VALUE (the rating);
INTERACTIONS_SCHEMA is the schema to create the dataset with.
"""
from __future__ import annotations

import json
import sys

import pandas as pd

INTERACTIONS_SCHEMA = json.dumps({
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_VALUE", "type": "float"},
    ],
    "version": "1.0",
})


def to_interactions(u_data: str, csv: str) -> int:
    """Write u.data's ratings to ``csv`` as Interactions; the number of rows."""
    ratings = pd.read_csv(u_data, sep="\t", names=["USER_ID", "ITEM_ID", "EVENT_VALUE", "TIMESTAMP"])
    ratings[["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_VALUE"]].to_csv(csv, index=False)
    return len(ratings)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"wrote {to_interactions(sys.argv[1], sys.argv[2])} interactions to {sys.argv[2]}")
