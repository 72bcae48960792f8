"""The service's workshop path, written the way a data scientist writes the notebook: pandas frames saved with
``to_csv``, loops that describe and sleep 60 s until a status is final (the sleep counted, not slept), item metadata with a YEAR derived from
titles (missing for some, unreadable for one), and filters on genre, on watched items and on a decade of YEAR.

The emulator must take what the service takes: the CSV's columns in another order than the schema's, an int
column pandas wrote as floats, empty and unreadable YEAR cells, a filter naming ``event_type`` in lower case."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .conftest import ROLE_ARN, Clients, avro
from .datagen import GENRES, START

BUCKET = "workshop-data"
INTERACTIONS = avro("Interactions", [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
])
ITEMS = avro("Items", [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "GENRES", "type": "string", "categorical": True},
    {"name": "YEAR", "type": "int"},
])
RECIPES = {
    "personalization": "arn:aws:personalize:::recipe/aws-user-personalization",
    "sims": "arn:aws:personalize:::recipe/aws-sims",
    "ranking": "arn:aws:personalize:::recipe/aws-personalized-ranking",
}
FILTERS = {
    "genre": "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)",
    "unwatched": 'EXCLUDE ItemID WHERE Interactions.event_type IN ("watch")',
    "nineties": "INCLUDE ItemID WHERE Items.YEAR >= 1990 AND Items.YEAR < 2000",
}
FINAL = ("ACTIVE", "CREATE FAILED")


# The minutes the notebook's loops would have slept: the test counts them rather than sleeping.
SLEPT: list[float] = []


def wait_for(describe: Callable[[], dict[str, Any]], what: str, sleep: Callable[[float], None] = SLEPT.append) -> dict[str, Any]:
    """The notebook's loop: describe, print, stop at a final status, else sleep a minute (three hours at most).
    The sleep is the notebook's; the test's describes wait on the state itself."""
    max_time = time.time() + 3 * 60 * 60
    while time.time() < max_time:
        resource = describe()
        print(f"{what}: {resource['status']}")
        if resource["status"] in FINAL:
            return resource
        sleep(60)
    raise AssertionError(f"{what} never finished")


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interactions (watch and click) and movie titles with their year in parentheses, as MovieLens writes them."""
    rng = random.Random(5)
    items = [item for genre in GENRES for item in genre.items]
    years = {item: 1970 + (i * 7) % 45 for i, item in enumerate(items)}
    titles = pd.DataFrame({
        "ITEM_ID": items,
        "TITLE": [f"Movie {item} ({years[item]})" for item in items],
        "GENRES": [item.split("-")[0].title() for item in items],
    })
    titles.loc[titles.index % 17 == 3, "TITLE"] = "A title without a year"  # no YEAR, as for some MovieLens titles
    titles.loc[5, "TITLE"] = "A series (2006–2007)"  # a span: the YEAR cell holds text the int field can't read
    rows = []
    for u in range(120):
        taste = GENRES[u % len(GENRES)].items
        for k in range(14):
            rows.append({
                "USER_ID": f"user-{u}",
                "ITEM_ID": taste[min(int(rng.expovariate(1 / 6)), len(taste) - 1)],
                "TIMESTAMP": START + u * 1000 + k,
                "EVENT_TYPE": "watch" if k % 3 else "click",
            })
    return pd.DataFrame(rows), titles


def items_frame(titles: pd.DataFrame) -> pd.DataFrame:
    """The notebook's feature step: YEAR taken from the title's parentheses, NaN where there is none."""
    items = titles.copy()
    found = items["TITLE"].str.extract(r"\((\d{4}(?:–\d{4})?)\)$", expand=False)
    items["YEAR"] = pd.to_numeric(found, errors="coerce")  # floats, NaN where there is none: to_csv writes 1999.0
    spans = found.str.contains("–", na=False)
    items["YEAR"] = items["YEAR"].astype(object)
    items.loc[spans, "YEAR"] = found[spans]  # a span kept as it was found
    return items[["ITEM_ID", "GENRES", "YEAR"]]


def import_frame(c: Clients, group_arn: str, kind: str, schema: str, frame: pd.DataFrame, folder: Path) -> str:
    """The notebook's import: the frame saved as a local CSV file (in the test's own folder, not the notebook's /tmp,
    which other runs share), uploaded, and imported."""
    p = c.personalize
    frame.to_csv(folder / f"{kind}.csv", index=False)
    c.s3.upload_file(str(folder / f"{kind}.csv"), BUCKET, f"{kind}.csv")
    schema_arn = p.create_schema(name=f"workshop-{kind}", schema=schema)["schemaArn"]
    dataset_arn = p.create_dataset(name=f"workshop-{kind}", datasetType=kind, datasetGroupArn=group_arn, schemaArn=schema_arn)["datasetArn"]
    wait_for(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"], f"Dataset {kind}")
    job_arn = p.create_dataset_import_job(
        jobName=f"workshop-{kind}-import", datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{BUCKET}/{kind}.csv"}, roleArn=ROLE_ARN,
    )["datasetImportJobArn"]
    job = wait_for(lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"], f"Import {kind}")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return dataset_arn


def campaign_of(c: Clients, group_arn: str, name: str, recipe: str) -> str:
    p = c.personalize
    solution_arn = p.create_solution(name=f"workshop-{name}", datasetGroupArn=group_arn, recipeArn=recipe)["solutionArn"]
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    version = wait_for(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"], f"Version {name}")
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign_arn = p.create_campaign(name=f"workshop-{name}", solutionVersionArn=version_arn, minProvisionedTPS=1)["campaignArn"]
    assert wait_for(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"], f"Campaign {name}")["status"] == "ACTIVE"
    return campaign_arn


def test_the_workshop_notebook_runs_as_written(aws: Clients, tmp_path: Path) -> None:
    p, runtime = aws.personalize, aws.runtime
    interactions, titles = frames()
    items = items_frame(titles)
    assert items["YEAR"].isna().any() and items["YEAR"].astype(str).str.contains("–").any()
    aws.s3.create_bucket(Bucket=BUCKET)
    group_arn = p.create_dataset_group(name="workshop")["datasetGroupArn"]
    wait_for(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"], "DatasetGroup")
    # The CSV's columns are USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE: not the schema's order.
    import_frame(aws, group_arn, "INTERACTIONS", INTERACTIONS, interactions, tmp_path)
    import_frame(aws, group_arn, "ITEMS", ITEMS, items, tmp_path)

    campaigns = {name: campaign_of(aws, group_arn, name, recipe) for name, recipe in RECIPES.items()}
    filters = {}
    for name, expression in FILTERS.items():
        arn = p.create_filter(name=f"workshop-{name}", datasetGroupArn=group_arn, filterExpression=expression)["filterArn"]
        assert wait_for(lambda: p.describe_filter(filterArn=arn)["filter"], f"Filter {name}")["status"] == "ACTIVE"
        filters[name] = arn

    genre_of = dict(zip(items["ITEM_ID"], items["GENRES"]))
    year_of = {item: year for item, year in zip(items["ITEM_ID"], pd.to_numeric(items["YEAR"], errors="coerce"))}
    watched = {(u, i) for u, i, e in zip(interactions["USER_ID"], interactions["ITEM_ID"], interactions["EVENT_TYPE"]) if e == "watch"}
    checks: dict[str, Callable[[str, str], bool]] = {
        "genre": lambda user, item: genre_of[item] == "Horror",
        "unwatched": lambda user, item: (user, item) not in watched,
        "nineties": lambda user, item: 1990 <= year_of[item] < 2000,
    }
    values = {"genre": {"GENRE": json.dumps("Horror")}}
    for user in ("user-1", "user-2"):
        for name, arn in filters.items():
            options = {"filterArn": arn, **({"filterValues": values[name]} if name in values else {})}
            personal = [i["itemId"] for i in runtime.get_recommendations(campaignArn=campaigns["personalization"], userId=user, **options)["itemList"]]
            related = [i["itemId"] for i in runtime.get_recommendations(campaignArn=campaigns["sims"], itemId="horror-1", userId=user, **options)["itemList"]]
            ranked = [i["itemId"] for i in runtime.get_personalized_ranking(
                campaignArn=campaigns["ranking"], userId=user, inputList=list(items["ITEM_ID"][:60]), **options)["personalizedRanking"]]
            for answer in (personal, related, ranked):
                assert answer, (name, user)
                assert all(checks[name](user, item) for item in answer), (name, user, answer)
    # Titles without a year, or with one the int field can't read, are kept, and never in the decade.
    kept = [i["itemId"] for i in runtime.get_personalized_ranking(
        campaignArn=campaigns["ranking"], userId="user-3", inputList=["comedy-3", "comedy-5"])["personalizedRanking"]]
    assert sorted(kept) == ["comedy-3", "comedy-5"]
